"""A partner's pledge in a real browser on a phone: the CSR officer pledges three wheelchairs
for kecamatan Tembalang through the form, Dinsos matches it (only Dinsos may), and the
partner sees the adopted families masked and marks one wheelchair handed over. Real
Chromium, live server; the open needs come from approved verval visits (the services).
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from tests.browser.journeys import assert_fits_the_phone, sign_in
from tests.factories import head_of, make_household, members_of
from tests.interventions import builders as b
from tests.interventions.test_pledges import extreme, need_for, older

from entas.accounts.access import mask_nik
from entas.interventions import choices as c
from entas.interventions.models import Adoption, Pledge
from entas.verval.choices import NeedStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEMBALANG = "33.74.10"
INSIDE = ["33.74.10.1001", "33.74.10.1001", "33.74.10.1002", "33.74.10.1002", "33.74.10.1001"]
OUTSIDE = "33.74.16.1001"  # Jerakah, kecamatan Tugu
SURNAMES = ["Wibisono", "Handayani", "Kusumawati", "Purnomo", "Suryaningsih"]


def test_partner_pledges_wheelchairs_and_sees_its_families_masked_on_a_phone(
    phone: Page, browser: Browser, live_server, regions, admin_dinsos, partner_csr, screenshots
):
    period = b.period()
    inside = [
        make_household(kelurahan_code=code, surname=surname, address=f"Jl. Flamboyan {n}",
                       rt="003", rw="007")
        for n, (code, surname) in enumerate(zip(INSIDE, SURNAMES, strict=True), start=1)
    ]  # fmt: skip
    for family in inside:
        need_for(admin_dinsos, family)
    # Outside the pledge's area, yet first in line anywhere else: extreme-poor and oldest.
    outside = make_household(kelurahan_code=OUTSIDE, surname="Tugurejo", address="Jl. Tugu 9")
    older(need_for(admin_dinsos, outside), days=30)
    extreme(outside, period)

    sign_in(phone, live_server, "partner_csr", reverse("interventions:pledge_list"))
    expect(phone.locator("main .empty")).to_have_text("Belum ada komitmen.")
    phone.get_by_role("link", name="Buat komitmen baru").click()
    expect(phone.get_by_label("Mitra")).to_have_value(str(partner_csr.organization_id))
    phone.get_by_label("Periode").select_option(str(period.pk))
    phone.get_by_label("Kebutuhan yang dibantu").select_option(label="Alat bantu disabilitas")
    phone.get_by_label("Rincian (boleh kosong)").fill("Kursi roda")
    phone.get_by_label("Wilayah (boleh kosong = seluruh kota)").select_option(TEMBALANG)
    phone.get_by_label("Jumlah keluarga/satuan").fill("3")
    phone.get_by_label("Catatan").fill("Tiga kursi roda dari program CSR 2025")
    assert_fits_the_phone(phone, "The new pledge form")
    phone.get_by_role("button", name="Simpan komitmen").click()

    expect(phone.locator(".messages")).to_contain_text("Komitmen disimpan.")
    pledge = Pledge.objects.get()
    expect(phone).to_have_url(live_server.url + reverse("interventions:pledge_detail",
                                                        args=[pledge.pk]))  # fmt: skip
    # Kind and quantity only: the heading prints the detail's stored code (kursi_roda).
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Alat bantu disabilitas: .+ × 3$")
    )
    expect(phone.locator("#pledge-facts dd")).to_have_text(
        ["CSR Contoh", "Tembalang", "2025-01", "Terbuka", "0 / 3", "0",
         "Tiga kursi roda dari program CSR 2025"]
    )  # fmt: skip
    # Dinsos decides who is matched: the partner has no button for it.
    expect(phone.get_by_role("button", name=re.compile("Cocokkan"))).to_have_count(0)
    expect(phone.locator("main .empty")).to_have_text("Belum ada keluarga yang dicocokkan.")

    _dinsos_matches(browser, live_server, pledge)

    phone.reload()
    cards = phone.locator("#adopted-families > li")
    expect(cards).to_have_count(3)
    expect(phone.locator("#pledge-facts dd").nth(3)).to_have_text("Terpenuhi")
    adopted = inside[:3]  # no extreme-poor family in Tembalang: the oldest needs first
    assert [a.household for a in Adoption.objects.order_by("pk")] == adopted
    expect(cards.first.locator("dd")).to_have_text(
        ["S*** R*** W***", mask_nik(head_of(adopted[0]).nik), mask_nik(adopted[0].kk_number),
         "RT 003/RW 007, Meteseh, Tembalang", "Alat bantu disabilitas: Kursi roda", "belum"]
    )  # fmt: skip
    html = phone.content()
    for family in adopted:
        assert mask_nik(head_of(family).nik) in html
    for family in [*inside, outside]:
        assert family.kk_number not in html
        assert family.address not in html
        for person in members_of(family):
            assert person.nik not in html
            assert person.full_name not in html
    assert "Tugurejo" not in html
    assert "Jerakah" not in html
    assert mask_nik(head_of(outside).nik) not in html
    assert_fits_the_phone(phone, "The pledge with its adopted families")

    first = cards.first
    first.get_by_label("Tanggal penyerahan").fill(timezone.localdate().isoformat())
    first.get_by_role("button", name="Tandai sudah diserahkan").click()
    expect(phone.locator(".messages")).to_contain_text("Penyerahan bantuan dicatat.")
    expect(cards.first.locator("dd").last).to_have_text(f"{timezone.localdate():%d-%m-%Y}")
    expect(cards.first.get_by_role("button", name="Tandai sudah diserahkan")).to_have_count(0)
    expect(cards.nth(1).get_by_role("button", name="Tandai sudah diserahkan")).to_have_count(1)
    expect(phone.locator("#pledge-facts dd").nth(5)).to_have_text("1")
    assert_fits_the_phone(phone, "The pledge after a handover")
    phone.screenshot(path=screenshots / "interventions-partner-pledge.png", full_page=True)

    delivered = Adoption.objects.get(household=adopted[0])
    assert delivered.delivered_on == timezone.localdate()
    assert delivered.need.status == NeedStatus.MET
    assert Adoption.objects.filter(delivered_on__isnull=True).count() == 2
    assert not Adoption.objects.filter(household=outside).exists()
    pledge.refresh_from_db()
    assert (pledge.status, pledge.created_by) == (c.PledgeStatus.FULL, partner_csr)


def _dinsos_matches(browser: Browser, live_server, pledge: Pledge) -> None:
    """The Dinsos admin, on a desktop, matches the pledge with families."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    try:
        page = context.new_page()
        path = reverse("interventions:pledge_detail", args=[pledge.pk])
        sign_in(page, live_server, "admin_dinsos", path)
        page.get_by_role("button", name="Cocokkan dengan keluarga").click()
        expect(page.locator(".messages")).to_contain_text("3 keluarga dicocokkan.")
        expect(page.get_by_role("button", name="Cocokkan dengan keluarga")).to_have_count(0)
    finally:
        context.close()
