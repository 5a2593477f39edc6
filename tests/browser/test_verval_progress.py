"""Verval progress in a real browser on a phone: the kecamatan coordinator reads the
campaign's progress, opens a kecamatan's kelurahan (htmx), and prints a kelurahan's berita
acara. The city is `tests.verval.test_progress.build_city` (deadline 31 January 2025,
long past: open families are overdue). Real Chromium, live server.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from tests.browser.journeys import assert_fits_the_phone, sign_in
from tests.verval.test_progress import build_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_reads_progress_and_prints_the_minutes_on_a_phone(
    phone: Page, live_server, regions, admin_dinsos, officer_tembalang, officer_tugu, screenshots
):
    city = build_city(admin_dinsos, officer_tembalang, officer_tugu)
    path = reverse("verval:progress", args=[city.campaign.pk])
    sign_in(phone, live_server, "officer_tembalang", path)

    expect(phone.locator(".deadline")).to_contain_text("31-01-2025")
    expect(phone.locator(".deadline .late")).to_contain_text("lewat")
    expect(phone.locator("#overall-progress")).to_have_attribute("value", "42")
    kecamatan = phone.locator("#kecamatan-progress-table tbody tr")
    expect(kecamatan).to_have_count(1)  # Tugu is not the coordinator's
    expect(kecamatan.first.locator("td")).to_have_text(["7", "2", "1", "1", "3", "5", "42%", "3"])
    assert_fits_the_phone(phone, "The progress page")

    phone.locator("#kecamatan-progress-table").get_by_role("link", name="Tembalang").click()
    kelurahan = phone.locator("#kelurahan-progress-table tbody tr th")
    expect(kelurahan).to_have_text(["Meteseh", re.compile(r".+")])
    expect(phone).to_have_url(re.compile(r"\?kecamatan=33\.74\.10$"))
    assert_fits_the_phone(phone, "The progress page with its kelurahan")
    phone.screenshot(path=screenshots / "verval-progress.png", full_page=True)

    phone.get_by_role("link", name="Cetak berita acara Meteseh").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Berita acara musyawarah kelurahan Meteseh"
    )
    expect(phone.locator("main")).to_contain_text("belum selesai")
    phone.get_by_label("Nama").first.fill("Budi Santoso")
    assert_fits_the_phone(phone, "The berita acara form")
    with phone.expect_download() as download:
        phone.get_by_role("button", name="Unduh PDF").click()
    assert re.fullmatch(
        r"berita-acara-verval-3374101001-\d{8}\.pdf", download.value.suggested_filename
    )
