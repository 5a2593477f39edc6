"""The Dinkes officer's referral queue in a real browser on a phone: open the queue, accept
one family, record its delivery, and decline another with a reason. Real Chromium, live
server; the referrals are proposed by Dinsos through the service.
"""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from tests.browser.journeys import assert_fits_the_phone, sign_in
from tests.factories import head_of, make_household
from tests.interventions import builders as b

from entas.interventions import choices as c
from entas.interventions.models import Delivery, Referral
from entas.interventions.services.referrals import referral_propose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dinkes_officer_works_its_queue_on_a_phone(
    phone: Page, live_server, regions, admin_dinsos, opd_dinkes, screenshots
):
    programme = b.programme("cek-kesehatan", b.dinkes(), name="Cek Kesehatan", unit="kali")
    housing = b.programme("bedah-rumah", b.disperkim(), name="Bedah Rumah", unit="unit")
    families = [
        make_household(surname=name, address=f"Jl. Mawar {n}", rt="002", rw="005")
        for n, name in enumerate(("Wibowo", "Lestari"), start=1)
    ]
    for family in families:
        referral_propose(actor=admin_dinsos, period=b.period(), programme=programme,
                         household=family)  # fmt: skip
    referral_propose(actor=admin_dinsos, period=b.period(), programme=housing,
                     household=make_household(surname="Lain"))  # fmt: skip
    first, second = (head_of(family).full_name for family in families)

    sign_in(phone, live_server, "opd_dinkes", reverse("interventions:referral_queue"))
    rows = phone.locator(".referral-queue > li")
    expect(rows).to_have_count(2)  # Disperkim's referral is not Dinkes'
    expect(rows.first).to_contain_text("Jl. Mawar 1 RT 002/RW 005")
    expect(phone.locator("main")).not_to_contain_text("Bedah Rumah")
    assert_fits_the_phone(phone, "The referral queue")
    phone.screenshot(path=screenshots / "interventions-opd-queue.png", full_page=True)

    phone.get_by_role("link", name=first).click()
    phone.get_by_role("button", name="Terima rujukan").click()
    expect(phone.locator(".messages")).to_contain_text("Rujukan diterima.")
    phone.get_by_label("Tanggal penyaluran").fill(timezone.localdate().isoformat())
    phone.get_by_label("Bukti (nomor tanda terima atau rujukan foto)").fill("TT-2025-001")
    assert_fits_the_phone(phone, "The referral with its delivery form")
    phone.screenshot(path=screenshots / "interventions-opd-referral.png", full_page=True)
    phone.get_by_role("button", name="Simpan penyaluran").click()
    expect(phone.locator(".messages")).to_contain_text("Penyaluran dicatat.")
    expect(phone.locator("h1 .badge")).to_have_text("Tersalurkan")

    phone.get_by_role("link", name="Antrean rujukan").first.click()
    phone.get_by_role("link", name=second).click()
    phone.get_by_text("Tolak rujukan").click()
    phone.get_by_role("button", name="Tolak", exact=True).click()
    expect(phone.locator("#step-decline .field-error")).to_have_text("Tulis alasan penolakan.")
    phone.get_by_label("Alasan").fill("Sudah terdaftar di puskesmas lain")
    phone.get_by_role("button", name="Tolak", exact=True).click()
    expect(phone.locator(".messages")).to_contain_text("Rujukan ditolak.")

    phone.get_by_role("link", name="Antrean rujukan").first.click()
    expect(phone.locator(".tabs a")).to_have_text(
        ["Baru 0", "Diterima 0", "Dijadwalkan 0", "Tersalurkan 1", "Selesai 0", "Ditolak/batal 1"]
    )
    statuses = dict(Referral.objects.filter(programme=programme).values_list("household", "status"))
    assert statuses == {families[0].pk: c.ReferralStatus.DELIVERED,
                        families[1].pk: c.ReferralStatus.DECLINED}  # fmt: skip
    assert Delivery.objects.get().evidence == "TT-2025-001"
