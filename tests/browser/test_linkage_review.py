"""An administrator reviews a candidate pair on a phone: queue, pair, accept, history, undo.
Real Chromium, live server."""

import re

import pytest
from playwright.sync_api import Page, expect
from tests.factories import head_of, make_household

from entas.linkage.choices import PairRule, PairStatus, RunKind
from entas.linkage.models import CandidatePair, MatchRun, Merge
from entas.registry import choices as c
from entas.registry.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_HORIZONTAL_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def pair(regions, admin_dinsos) -> CandidatePair:
    """Slamet Riyadi listed twice, in two families of Tembalang."""
    first = head_of(make_household(kelurahan_code="33.74.10.1001", members=2))
    second = head_of(make_household(kelurahan_code="33.74.10.1002", members=1))
    run = MatchRun.objects.create(kind=RunKind.DEDUPE, summary={"pasangan": 1})
    return CandidatePair.objects.create(
        run=run,
        person_l=first,
        person_r=second,
        rule=PairRule.PROBABILISTIC,
        match_probability=0.87,
        certainty=0.74,
        explanation=[
            {
                "field": "nama",
                "label": "Nama",
                "level": 4,
                "weight": 5.1,
                "left": first.full_name,
                "right": second.full_name,
            },
            {
                "field": "nik",
                "label": "NIK",
                "level": 0,
                "weight": -2.3,
                "left": first.nik,
                "right": second.nik,
            },
        ],
    )


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(live_server.url + "/pencocokan/")
    expect(page).to_have_url(re.compile(r"/akun/masuk/\?next="))
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill("rahasia-uji-123")
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(live_server.url + "/pencocokan/")


def test_admin_accepts_a_pair_then_undoes_the_merge_on_a_phone(
    phone: Page, live_server, admin_dinsos, pair, screenshots
):
    sign_in(phone, live_server, "admin_dinsos")
    expect(phone.locator("#pending-count")).to_have_text("1")
    phone.get_by_role("link", name="Buka antrean").click()

    rows = phone.locator("ol.queue > li")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("87%")
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW)
    rows.first.get_by_role("link").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Pasangan #{pair.pk}")
    expect(phone.locator("main")).to_contain_text(pair.person_l.nik)
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW)
    phone.screenshot(path=screenshots / "phone-linkage-pair.png", full_page=True)
    phone.get_by_label("Sama: orang yang sama, gabungkan").check()
    phone.get_by_role("radio", name=f"Kiri: {pair.person_l.full_name}").check()
    phone.get_by_label("Catatan").fill("KTP dan KK dicek")
    phone.get_by_role("button", name="Simpan keputusan").click()

    expect(phone).to_have_url(live_server.url + "/pencocokan/antrean/")
    expect(phone.locator(".messages")).to_contain_text(f"Pasangan #{pair.pk} digabung")
    expect(phone.locator("ol.queue > li")).to_have_count(0)
    merge = Merge.objects.get()
    assert merge.survivor_person_id == pair.person_l_id
    assert Person.objects.get(pk=pair.person_r_id).status == c.PersonStatus.MERGED

    phone.goto(live_server.url + "/pencocokan/penggabungan/")
    item = phone.locator(f"#merge-{merge.pk}")
    expect(item).to_contain_text(pair.person_r.full_name)
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW)
    phone.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="Batalkan penggabungan").click()

    expect(phone.locator(".messages")).to_contain_text(f"Penggabungan #{merge.pk} dibatalkan")
    expect(phone.locator(f"#merge-{merge.pk}")).to_contain_text("Dibatalkan oleh")
    assert Person.objects.get(pk=pair.person_r_id).status == c.PersonStatus.ACTIVE
    pair.refresh_from_db()
    assert pair.status == PairStatus.PENDING

    phone.goto(live_server.url + "/pencocokan/antrean/")
    expect(phone.locator("ol.queue > li")).to_have_count(1)
