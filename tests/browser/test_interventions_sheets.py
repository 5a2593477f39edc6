"""The OPD spreadsheets in a real browser on a phone: the Dinkes officer downloads its
referral list as Excel, fills in the delivery columns (as the clerk would, in the same
file), uploads it, reads the per-row report and records the good rows. Real Chromium,
live server; the referrals are proposed by Dinsos and accepted by Dinkes through the
services.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from tests.browser.journeys import assert_fits_the_phone, sign_in
from tests.factories import head_of, make_household
from tests.interventions import builders as b

from entas.interventions import choices as c
from entas.interventions.models import Delivery, Referral
from entas.interventions.services import referrals
from entas.interventions.services.sheets import EXPORT_HEADER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DELIVERY_HEADER = ["tanggal_salur", "jumlah", "nilai", "bukti"]


def test_dinkes_officer_records_deliveries_from_its_downloaded_sheet_on_a_phone(
    phone: Page, live_server, regions, admin_dinsos, opd_dinkes, tmp_path, screenshots
):
    today = timezone.localdate()
    nutrition = b.programme("paket-gizi", b.dinkes(), name="Paket Gizi Balita", unit="paket",
                            unit_cost=Decimal("150000.00"))  # fmt: skip
    housing = b.programme("bedah-rumah", b.disperkim(), name="Bedah Rumah", unit="unit")
    accepted, scheduled, late, pending = (
        _accepted(admin_dinsos, opd_dinkes, nutrition, surname)
        for surname in ("Wibowo", "Lestari", "Santoso", "Pratama")
    )
    referrals.referral_schedule(actor=opd_dinkes, referral=scheduled, scheduled_on=today)
    elsewhere = referrals.referral_propose(
        actor=admin_dinsos, period=b.period(), programme=housing,
        household=make_household(surname="Lain"),
    )  # fmt: skip
    name = f"rujukan-dinkes-{today:%Y%m%d}.xlsx"

    sign_in(phone, live_server, "opd_dinkes", reverse("interventions:sheet_export"))
    expect(phone.get_by_label("Organisasi")).to_have_value(str(opd_dinkes.organization_id))
    expect(phone.get_by_label("Excel (.xlsx)")).to_be_checked()
    assert_fits_the_phone(phone, "The referral list download")
    with phone.expect_download() as waiting:
        phone.get_by_role("button", name="Unduh").click()
    download = waiting.value
    assert download.suggested_filename == name
    sheet = tmp_path / name
    download.save_as(sheet)

    rows = _filled(sheet, {
        accepted.pk: [today, 2, 300000, "TT-2025-001"],
        scheduled.pk: [today.strftime("%d-%m-%Y"), None, "Rp 150.000", "FOTO-0017"],
        late.pk: [today + dt.timedelta(days=10), 1, 150000, "TT-2025-003"],
        pending.pk: [],  # not delivered yet: left as exported
    }, extra=[elsewhere.pk, today, 1, 500000, "TT-LAIN"])  # fmt: skip
    assert [row[:5] for row in rows] == [
        [referral.pk, "Paket Gizi Balita", status, head_of(referral.household).full_name,
         head_of(referral.household).nik]
        for referral, status in ((accepted, "Diterima OPD"), (scheduled, "Dijadwalkan"),
                                 (late, "Diterima OPD"), (pending, "Diterima OPD"))
    ]  # fmt: skip

    phone.get_by_role("link", name="Unggah daftar penyaluran").click()
    phone.get_by_label("Berkas daftar penyaluran (CSV atau Excel .xlsx)").set_input_files(sheet)
    phone.get_by_role("button", name="Unggah dan periksa").click()
    expect(phone.locator("#import-summary li")).to_have_text(
        [
            "Siap dicatat: 2",
            "Sudah tercatat (dilewati): 0",
            "Belum disalurkan (dilewati): 1",
            "Ditolak: 2",
        ]
    )
    report = phone.locator("#sheet-rows tbody tr")
    expect(report.locator("td:first-child")).to_have_text(["2", "3", "4", "5", "6"])
    expect(report.locator("td:last-child")).to_have_text(
        ["Siap dicatat", "Siap dicatat", "Ditolak: tanggal_salur di masa depan.",
         "Belum disalurkan (dilewati)",
         f"Ditolak: rujukan {elsewhere.pk} tidak ada di daftar Dinas Kesehatan."]
    )  # fmt: skip
    assert not Delivery.objects.exists()  # the preview writes nothing
    assert_fits_the_phone(phone, "The delivery upload report")
    phone.screenshot(path=screenshots / "interventions-opd-sheet-report.png", full_page=True)

    phone.get_by_role("button", name="Catat 2 penyaluran").click()
    expect(phone.locator(".messages")).to_contain_text(
        f"2 penyaluran dari {name} dicatat untuk Dinas Kesehatan."
    )
    expect(phone.locator("#import-summary p")).to_contain_text("Hasil pencatatan")
    expect(phone.get_by_role("button", name="Catat 2 penyaluran")).to_have_count(0)

    recorded = Delivery.objects.order_by("referral_id").values_list(
        "referral_id", "delivered_on", "quantity", "amount", "evidence", "recorded_by"
    )
    assert list(recorded) == [
        (accepted.pk, today, 2, Decimal("300000.00"), "TT-2025-001", opd_dinkes.pk),
        (scheduled.pk, today, 1, Decimal("150000.00"), "FOTO-0017", opd_dinkes.pk),
    ]
    statuses = dict(Referral.objects.values_list("pk", "status"))
    assert statuses == {accepted.pk: c.ReferralStatus.DELIVERED,
                        scheduled.pk: c.ReferralStatus.DELIVERED,
                        late.pk: c.ReferralStatus.ACCEPTED,
                        pending.pk: c.ReferralStatus.ACCEPTED,
                        elsewhere.pk: c.ReferralStatus.PROPOSED}  # fmt: skip


def _accepted(admin, officer, programme, surname: str) -> Referral:
    household = make_household(surname=surname, address=f"Jl. Melati {surname}")
    made = referrals.referral_propose(
        actor=admin, period=b.period(), programme=programme, household=household
    )
    return referrals.referral_accept(actor=officer, referral=made)


def _filled(path: Path, deliveries: dict[int, list], extra: list) -> list[list]:
    """Add the delivery columns to the downloaded sheet and fill them per referral, then
    add one more row by hand; return the exported rows as they were downloaded."""
    book = load_workbook(path)
    sheet = book.active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == EXPORT_HEADER
    first = len(EXPORT_HEADER) + 1
    for offset, title in enumerate(DELIVERY_HEADER):
        sheet.cell(row=1, column=first + offset, value=title)
    for number, row in enumerate(rows[1:], start=2):
        for offset, value in enumerate(deliveries[row[0]]):
            sheet.cell(row=number, column=first + offset, value=value)
    referral_id, *delivery = extra
    sheet.cell(row=len(rows) + 1, column=1, value=referral_id)
    for offset, value in enumerate(delivery):
        sheet.cell(row=len(rows) + 1, column=first + offset, value=value)
    book.save(path)
    return rows[1:]
