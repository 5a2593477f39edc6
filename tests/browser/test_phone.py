"""A field officer on a phone: sign in, search, open a family. Real Chromium, live server."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import PHONE
from tests.factories import head_of, make_household

from entas.core.models import AuditEvent
from entas.registry import choices as c
from entas.registry.services import programme_receipt_record, welfare_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_HORIZONTAL_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"
# Sum of layout shifts since navigation (Chromium's Layout Instability API).
LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 300);
})"""


@pytest.fixture
def families(regions, admin_dinsos):
    """Three families in Tembalang; the first with welfare data and a programme."""
    slamet = make_household(
        kelurahan_code="33.74.10.1001",
        members=5,
        address="Jl. Mulawarman Raya 12",
        rt="003",
        rw="007",
    )
    welfare_record(
        actor=admin_dinsos,
        household=slamet,
        as_of=dt.date(2025, 1, 10),
        source=c.Source.DTSEN,
        values={
            "desil": 1,
            "expenditure_per_capita": 398000,
            "floor_type": "tanah",
            "wall_type": "anyaman_bambu",
            "water_source": "sumur_tak_terlindung",
            "assets": {"sepeda_motor": True},
        },
    )
    programme_receipt_record(
        actor=admin_dinsos,
        household=slamet,
        programme=c.Programme.PKH,
        source=c.Source.DTSEN,
        as_of=dt.date(2025, 1, 10),
    )
    make_household(kelurahan_code="33.74.10.1002", members=3, surname="Wibowo")
    make_household(kelurahan_code="33.74.10.1003", members=2, surname="Lestari")
    return slamet


def sign_in(page: Page, live_server, username: str, landing: str = "/registri/") -> None:
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/akun/masuk/\?next="))
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill("rahasia-uji-123")
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(live_server.url + landing)


def test_field_officer_searches_and_opens_a_family_on_a_phone(
    phone: Page, live_server, officer_tembalang, families, screenshots
):
    head = head_of(families)
    sign_in(phone, live_server, "officer_tembalang")

    phone.get_by_label("NIK, No. KK atau nama").fill("slamet")
    results = phone.locator("ol.results > li")
    expect(results).to_have_count(3)
    expect(phone).to_have_url(re.compile(r"/registri/\?q=slamet"))
    expect(results.first).to_contain_text(head.nik)
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW)
    phone.screenshot(path=screenshots / "phone-search.png")

    phone.get_by_role("link", name=re.compile(families.kk_number)).first.click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(families.kk_number)
    expect(phone.get_by_role("heading", name="Anggota keluarga")).to_be_visible()
    expect(phone.locator("main")).to_contain_text(head.nik)
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW)
    assert phone.evaluate(LAYOUT_SHIFT) < 0.01
    phone.screenshot(path=screenshots / "phone-household.png", full_page=True)

    actions = list(
        AuditEvent.objects.filter(actor=officer_tembalang).values_list("action", flat=True)
    )
    assert "household.view" in actions
    assert "registry.search" in actions


def test_malformed_nik_is_explained_while_typing(
    phone: Page, live_server, officer_tembalang, regions
):
    sign_in(phone, live_server, "officer_tembalang")

    phone.get_by_label("NIK, No. KK atau nama").fill("33741014")

    alert = phone.get_by_role("alert")
    expect(alert).to_contain_text("NIK atau No. KK harus 16 angka; yang diketik 8 angka.")
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW)


def test_search_works_without_javascript_by_keyboard(
    browser, live_server, officer_tembalang, families
):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="id-ID")
    page = context.new_page()
    page.goto(live_server.url + "/akun/masuk/")
    page.get_by_label("Nama pengguna").fill("officer_tembalang")
    page.get_by_label("Kata sandi").fill("rahasia-uji-123")
    page.keyboard.press("Enter")

    page.get_by_label("NIK, No. KK atau nama").fill("wibowo")
    page.keyboard.press("Enter")

    expect(page.locator("ol.results > li")).to_have_count(3)
    context.close()


def test_wide_tables_scroll_inside_their_box_not_the_page(
    phone: Page, live_server, leader, families
):
    sign_in(phone, live_server, "leader", landing="/registri/ringkasan/")

    expect(phone.get_by_role("table")).to_contain_text("Tembalang")
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW)
