"""An officer's full day in a real Chromium on a 360-px phone: open today's list, lose the
signal, fill two visits, get the signal back and send them; then a coordinator approves one
and returns the other, and the officer sees the returned one with the reviewer's note.

Chromium's offline emulation (`context.set_offline`) does not reach a service worker's own
requests (microsoft/playwright#2311): the worker's network-first fetch would still reach
the live server and the "offline" pages would be fresh ones. So while offline the test also
aborts every request Playwright sees, including the worker's (visible with the
experimental service-worker network events, switched on in tests/browser/conftest.py):
the pages the officer opens then can only come from the worker's cache.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, Route, expect
from tests.browser.conftest import PHONE
from tests.browser.journeys import NO_HORIZONTAL_OVERFLOW, sign_in
from tests.factories import make_household
from tests.verval.builders import KELURAHAN, campaign, kelurahan_officer

from entas.targeting.models import FieldFinding
from entas.verval import choices as c
from entas.verval.models import Assignment, Visit
from entas.verval.services import campaigns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST = "/verval/lapangan/"


@pytest.fixture
def day(regions, admin_dinsos) -> dict[str, Assignment]:
    """Two families of Meteseh in a running campaign, both given to one PSM."""
    officer = kelurahan_officer("psm_meteseh")
    wibowo = make_household(
        kelurahan_code=KELURAHAN, members=3, surname="Wibowo", rw="001", rt="001",
        address="Jl. Mawar 3",
    )  # fmt: skip
    lestari = make_household(
        kelurahan_code=KELURAHAN, members=2, surname="Lestari", rw="001", rt="002",
        address="Jl. Anggrek 2",
    )  # fmt: skip
    made = campaign(admin_dinsos, households=[wibowo, lestari])
    campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made, officers=[officer])
    rows = {a.household_id: a for a in Assignment.objects.filter(campaign=made)}
    return {"wibowo": rows[wibowo.pk], "lestari": rows[lestari.pk]}


def go_offline(context: BrowserContext) -> None:
    def no_network(route: Route) -> None:
        route.abort("internetdisconnected")

    context.set_offline(True)
    context.route("**/*", no_network)


def go_online(context: BrowserContext) -> None:
    context.unroute_all()
    context.set_offline(False)


def open_section(page: Page, name: str) -> None:
    page.locator("summary", has_text=name).click()


def test_an_officers_day_offline_then_review(
    phone: Page, browser, live_server, day, officer_tembalang, screenshots
):
    page, context = phone, phone.context
    sign_in(page, live_server, "psm_meteseh", LIST)
    rows = page.locator("#open-visits > li")
    expect(rows).to_have_count(2)
    expect(page.locator("#field-page[data-offline-ready='1']")).to_be_attached(timeout=20_000)
    expect(page.locator("#offline-status")).to_contain_text("Siap dipakai tanpa sinyal")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    assert page.evaluate(NO_HORIZONTAL_OVERFLOW)
    page.screenshot(path=screenshots / "verval-field-list.png", full_page=True)

    go_offline(context)

    # Visit 1: found and still eligible; consent, one need and one cause.
    page.get_by_role("link", name=re.compile("Slamet Riyadi Wibowo")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Slamet Riyadi Wibowo")
    page.get_by_label("Ditemukan dan masih layak").check()
    page.get_by_label("Bersedia didata").check()
    page.get_by_label("Nama responden").fill("Siti Aminah Wibowo")
    open_section(page, "Kebutuhan keluarga")
    page.get_by_label("Bantuan pangan", exact=True).check()
    open_section(page, "Penyebab kemiskinan")
    page.get_by_label("Kehilangan pekerjaan (PHK)").check()
    assert page.evaluate(NO_HORIZONTAL_OVERFLOW)
    page.screenshot(path=screenshots / "verval-field-form.png", full_page=False)
    page.get_by_role("button", name="Simpan dan kirim").click()
    expect(page).to_have_url(live_server.url + LIST)

    # Visit 2: the family is now able (mampu).
    page.get_by_role("link", name=re.compile("Slamet Riyadi Lestari")).click()
    page.get_by_label("Sudah mampu").check()
    page.get_by_label("Bersedia didata").check()
    page.get_by_role("button", name="Simpan dan kirim").click()
    expect(page).to_have_url(live_server.url + LIST)

    expect(page.locator("#drafts-count")).to_have_text("2 draf menunggu sinyal")
    expect(page.locator("[data-state]", has_text="Draf di perangkat")).to_have_count(2)
    expect(page.locator("#offline-status")).to_contain_text("salinan di perangkat")
    assert Visit.objects.count() == 0  # nothing reached the server while offline
    page.screenshot(path=screenshots / "verval-field-offline.png", full_page=True)

    go_online(context)
    page.get_by_role("button", name="Kirim sekarang").click()
    expect(page.locator("#sent-visits > li")).to_have_count(2)
    expect(page.locator("#drafts-banner")).to_be_hidden()
    assert Visit.objects.count() == 2
    wibowo, lestari = day["wibowo"], day["lestari"]
    eligible = Visit.objects.get(assignment=wibowo)
    able = Visit.objects.get(assignment=lestari)
    assert (eligible.outcome, eligible.consent) == (c.Outcome.ELIGIBLE, c.Consent.GIVEN)
    assert eligible.needs == [{"kind": "pangan"}]
    assert "phk" in eligible.causes
    assert able.outcome == c.Outcome.NOW_ABLE

    # The kecamatan coordinator reviews them in another browser.
    reviewer = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        desk = reviewer.new_page()
        sign_in(desk, live_server, "officer_tembalang", reverse("verval:review_queue"))
        desk.goto(live_server.url + reverse("verval:visit_detail", args=[eligible.pk]))
        desk.get_by_role("button", name="Setujui").click()
        expect(desk).to_have_url(live_server.url + reverse("verval:review_queue"))
        desk.goto(live_server.url + reverse("verval:visit_detail", args=[able.pk]))
        desk.get_by_label("Catatan pemeriksa").fill("Foto rumah belum ada; mohon dilengkapi.")
        desk.get_by_role("button", name="Kembalikan").click()
        expect(desk).to_have_url(live_server.url + reverse("verval:review_queue"))
    finally:
        reviewer.close()

    wibowo.refresh_from_db()
    lestari.refresh_from_db()
    assert (wibowo.status, lestari.status) == (
        c.AssignmentStatus.APPROVED,
        c.AssignmentStatus.RETURNED,
    )
    finding = FieldFinding.objects.get(household=wibowo.household)
    assert finding.reference == f"verval:{eligible.pk}"
    assert not FieldFinding.objects.filter(household=lestari.household).exists()

    page.reload()
    returned = page.locator("#open-visits > li")
    expect(returned).to_have_count(1)
    expect(returned.first).to_contain_text("Slamet Riyadi Lestari")
    expect(returned.first).to_contain_text("Foto rumah belum ada; mohon dilengkapi.")
