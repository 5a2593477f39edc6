"""OPD spreadsheets: the referral list out (columns, scoping, masking, audit) and the
delivery list in (per-row checks, preview then commit, idempotent re-import)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from tests.factories import head_of, make_household

from entas.core.models import AuditEvent
from entas.interventions import choices as c
from entas.interventions.models import Delivery, Referral
from entas.interventions.services import referrals
from entas.interventions.services.sheets import (
    EXPORT_HEADER,
    RawRow,
    RowStatus,
    SheetError,
    delivery_sheet_check,
    delivery_sheet_commit,
    referral_sheet_rows,
)

from .builders import allocation, dinkes, disperkim, period, programme


def referral(admin, owner, *, accept_by=None, **household_fields) -> Referral:
    household = make_household(**household_fields)
    made = referrals.referral_propose(
        actor=admin, period=period(), household=household,
        programme=programme(f"prog-{owner.code}-{household.pk}", owner,
                            unit_cost=Decimal("150000.00")),
    )  # fmt: skip
    if accept_by is not None:
        made = referrals.referral_accept(actor=accept_by, referral=made)
    return made


def csv_file(rows: list[list[str]], header=None) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or ["id_rujukan", "tanggal_salur", "jumlah", "nilai", "bukti"])
    writer.writerows(rows)
    return SimpleUploadedFile("penyaluran.csv", buffer.getvalue().encode(), "text/csv")


def today() -> str:
    return timezone.localdate().isoformat()


# --- export ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_opd_exports_its_own_live_referrals_as_xlsx(admin_dinsos, opd_dinkes, client_for):
    ours = referral(admin_dinsos, dinkes(), accept_by=opd_dinkes, address="Jl. Kenanga 4", rt="002")
    referral(admin_dinsos, disperkim(), accept_by=admin_dinsos)
    cancelled = referral(admin_dinsos, dinkes())
    referrals.referral_cancel(actor=admin_dinsos, referral=cancelled, reason="Salah program")
    response = client_for(opd_dinkes).post(
        reverse("interventions:sheet_export"),
        {"organization": opd_dinkes.organization_id, "format": "xlsx"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="rujukan-dinkes-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == EXPORT_HEADER
    assert len(rows) == 2  # the cancelled and the other OPD's referrals are not there
    head = head_of(ours.household)
    row = dict(zip(EXPORT_HEADER, rows[1], strict=True))
    assert (row["id_rujukan"], row["status"], row["nama"], row["NIK"]) == (
        ours.pk, "Diterima OPD", head.full_name, head.nik,
    )  # fmt: skip
    assert (row["alamat"], row["RT"], row["kelurahan"]) == (
        "Jl. Kenanga 4",
        "002",
        ours.household.kelurahan.name,
    )
    assert AuditEvent.objects.filter(
        action="interventions.referral_sheet_export", actor=opd_dinkes
    ).exists()


@pytest.mark.django_db
def test_opd_cannot_export_another_organisation_and_admin_can_as_csv(
    admin_dinsos, opd_dinkes, partner_csr, client_for
):
    theirs = referral(admin_dinsos, disperkim(), accept_by=admin_dinsos)
    url = reverse("interventions:sheet_export")
    data = {"organization": theirs.organization_id, "format": "csv"}
    assert client_for(opd_dinkes).post(url, data).status_code == 400
    assert client_for(partner_csr).post(url, data).status_code == 400
    assert client_for(admin_dinsos).post(url, data).status_code == 200
    body = client_for(admin_dinsos).post(url, data).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0] == EXPORT_HEADER
    assert [line[0] for line in lines[1:]] == [str(theirs.pk)]
    assert AuditEvent.objects.filter(action="interventions.referral_sheet_export").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leader", "officer_tembalang", "auditor"])
def test_sheets_are_forbidden_to_others(cast, client_for, who):
    client = client_for(cast[who])
    assert client.get(reverse("interventions:sheet_export")).status_code == 403
    assert client.get(reverse("interventions:sheet_import")).status_code == 403


@pytest.mark.django_db
def test_partner_export_rows_are_masked(admin_dinsos, partner_csr):
    made = referral(admin_dinsos, partner_csr.organization, address="Jl. Melati 9")
    (row,) = referral_sheet_rows(actor=partner_csr, organization=partner_csr.organization)
    head = head_of(made.household)
    assert row[3:6] == ["S*** R***", head.nik[:4] + "********" + head.nik[12:], ""]


# --- import ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_row_is_checked_with_its_reason(admin_dinsos, opd_dinkes):
    accepted = referral(admin_dinsos, dinkes(), accept_by=opd_dinkes)
    proposed = referral(admin_dinsos, dinkes())
    theirs = referral(admin_dinsos, disperkim(), accept_by=admin_dinsos)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    rows = [
        RawRow(2, str(accepted.pk), today(), "1", "", "TT-1"),
        RawRow(3, str(theirs.pk), today(), "1", "", "TT-2"),
        RawRow(4, str(proposed.pk), today(), "1", "", "TT-3"),
        RawRow(5, str(accepted.pk), tomorrow, "1", "", "TT-4"),
        RawRow(6, str(accepted.pk), today(), "1", "-5", "TT-5"),
        RawRow(7, str(accepted.pk), today(), "dua", "", "TT-6"),
        RawRow(8, str(accepted.pk), today(), "1", "", ""),
        RawRow(9, "99999", today(), "1", "", "TT-8"),
        RawRow(10, str(accepted.pk), "31/02/2025", "1", "", "TT-9"),
        RawRow(11, str(accepted.pk), today(), "2", "Rp 1.500.000", "TT-1"),
        RawRow(12, str(accepted.pk), today(), "1", "", "TT-1"),
    ]
    checked = delivery_sheet_check(organization=dinkes(), rows=rows)
    assert [(row.raw.row, row.status) for row in checked] == [
        (2, RowStatus.OK), (3, RowStatus.REJECTED), (4, RowStatus.REJECTED),
        (5, RowStatus.REJECTED), (6, RowStatus.REJECTED), (7, RowStatus.REJECTED),
        (8, RowStatus.REJECTED), (9, RowStatus.REJECTED), (10, RowStatus.REJECTED),
        (11, RowStatus.OK), (12, RowStatus.DUPLICATE),
    ]  # fmt: skip
    reasons = [row.reason for row in checked]
    assert reasons[1] == f"rujukan {theirs.pk} tidak ada di daftar Dinas Kesehatan."
    assert (
        reasons[2]
        == f"rujukan {proposed.pk} berstatus “Diusulkan”; penyaluran tidak dapat dicatat."
    )
    assert reasons[3] == "tanggal_salur di masa depan."
    assert reasons[4] == "nilai tidak boleh negatif."
    assert reasons[5] == "jumlah “dua” harus bilangan bulat."
    assert reasons[6].startswith("kolom bukti kosong")
    assert reasons[7] == "rujukan 99999 tidak ada di daftar Dinas Kesehatan."
    assert reasons[8].startswith("tanggal_salur “31/02/2025” tidak dikenali")
    assert reasons[10] == "sama dengan baris 2"
    assert checked[0].delivery is not None
    assert checked[0].delivery.amount == Decimal("150000.00")  # 1 × the programme's unit cost
    assert checked[9].delivery is not None
    assert checked[9].delivery.amount == Decimal("1500000.00")
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_an_exported_row_left_unfilled_is_skipped_not_rejected(admin_dinsos, opd_dinkes):
    waiting = referral(admin_dinsos, dinkes(), accept_by=opd_dinkes)
    given = referral(admin_dinsos, dinkes(), accept_by=opd_dinkes)
    rows = [
        RawRow(2, str(waiting.pk), "", "", "", ""),
        RawRow(3, str(given.pk), today(), "1", "", "TT-1"),
        RawRow(4, str(waiting.pk), "", "", "", "TT-2"),  # half filled: a mistake
    ]
    checked = delivery_sheet_check(organization=dinkes(), rows=rows)
    assert [row.status for row in checked] == [
        RowStatus.NOT_FILLED,
        RowStatus.OK,
        RowStatus.REJECTED,
    ]
    assert checked[0].reason == ""
    assert checked[2].reason == "tanggal_salur kosong."


@pytest.mark.django_db
def test_upload_previews_then_confirm_records_and_reimport_records_nothing(
    admin_dinsos, opd_dinkes, client_for
):
    first = referral(admin_dinsos, dinkes(), accept_by=opd_dinkes)
    second = referral(admin_dinsos, dinkes(), accept_by=opd_dinkes)
    theirs = referral(admin_dinsos, disperkim(), accept_by=admin_dinsos)
    rows = [
        [str(first.pk), today(), "1", "150000", "TT-001"],
        [str(second.pk), today(), "", "", "TT-002"],
        [str(theirs.pk), today(), "1", "150000", "TT-003"],
    ]
    client = client_for(opd_dinkes)
    upload = reverse("interventions:sheet_import")
    data = {"organization": opd_dinkes.organization_id, "file": csv_file(rows)}
    preview = client.post(upload, data)
    page = preview.content.decode()
    assert preview.status_code == 200
    assert f"rujukan {theirs.pk} tidak ada di daftar Dinas Kesehatan." in page
    assert "Catat 2 penyaluran" in page
    assert not Delivery.objects.exists()
    done = client.post(reverse("interventions:sheet_import_confirm"))
    assert done.status_code == 200
    assert sorted(Delivery.objects.values_list("referral_id", "evidence")) == [
        (first.pk, "TT-001"), (second.pk, "TT-002"),
    ]  # fmt: skip
    first.refresh_from_db()
    assert first.status == c.ReferralStatus.DELIVERED
    assert AuditEvent.objects.filter(action="interventions.delivery_sheet_import").count() == 1
    again = client.post(upload, {"organization": opd_dinkes.organization_id,
                                 "file": csv_file(rows)})  # fmt: skip
    assert "Sudah tercatat (dilewati)" in again.content.decode()
    assert "Tidak ada baris yang siap dicatat." in again.content.decode()
    client.post(reverse("interventions:sheet_import_confirm"))
    assert Delivery.objects.count() == 2


@pytest.mark.django_db
def test_xlsx_headers_match_whatever_their_case_and_spacing(admin_dinsos, opd_dinkes, client_for):
    made = referral(admin_dinsos, dinkes(), accept_by=opd_dinkes)
    book = Workbook()
    sheet = book.active
    sheet.append(["Daftar penyaluran Dinkes"])
    sheet.append(["ID Rujukan", " Tanggal Salur ", "JUMLAH", "Nilai", "Bukti"])
    sheet.append([made.pk, timezone.localdate(), 2, 300000, "KW-77"])
    content = io.BytesIO()
    book.save(content)
    upload = SimpleUploadedFile("salur.xlsx", content.getvalue())
    client = client_for(opd_dinkes)
    preview = client.post(
        reverse("interventions:sheet_import"),
        {"organization": opd_dinkes.organization_id, "file": upload},
    )
    assert "Catat 1 penyaluran" in preview.content.decode()
    client.post(reverse("interventions:sheet_import_confirm"))
    delivery = Delivery.objects.get()
    assert (delivery.quantity, delivery.amount, delivery.evidence) == (2, Decimal(300000), "KW-77")


@pytest.mark.django_db
def test_file_without_the_needed_columns_is_refused(opd_dinkes, client_for):
    upload = csv_file([["1", "x"]], header=["nomor", "tanggal"])
    response = client_for(opd_dinkes).post(
        reverse("interventions:sheet_import"),
        {"organization": opd_dinkes.organization_id, "file": upload},
    )
    assert response.status_code == 400
    assert "tidak memiliki kolom id_rujukan, tanggal_salur, bukti" in response.content.decode()


@pytest.mark.django_db
def test_commit_refused_by_the_referral_service_records_nothing(admin_dinsos, opd_dinkes):
    first = referral(admin_dinsos, dinkes(), accept_by=opd_dinkes)
    capped = referral(admin_dinsos, dinkes())
    allocation(capped.programme, period(), budget=Decimal(150000))
    capped = referrals.referral_accept(actor=opd_dinkes, referral=capped)
    rows = [
        RawRow(2, str(first.pk), today(), "1", "", "TT-1"),
        RawRow(3, str(capped.pk), today(), "2", "300000", "TT-2"),  # over the budget
    ]
    with pytest.raises(SheetError, match="^Baris 3: .*Tidak ada penyaluran yang dicatat"):
        delivery_sheet_commit(
            actor=opd_dinkes, organization=dinkes(), rows=rows, file_name="salur.csv"
        )
    assert not Delivery.objects.exists()
    assert not AuditEvent.objects.filter(action="interventions.delivery_sheet_import").exists()


@pytest.mark.django_db
def test_rows_are_checked_again_at_commit(admin_dinsos, opd_dinkes):
    first = referral(admin_dinsos, dinkes(), accept_by=opd_dinkes)
    second = referral(admin_dinsos, dinkes(), accept_by=opd_dinkes)
    rows = [
        RawRow(2, str(first.pk), today(), "1", "", "TT-1"),
        RawRow(3, str(second.pk), today(), "1", "", "TT-2"),
    ]
    Referral.objects.filter(pk=second.pk).update(created_at=timezone.now() + dt.timedelta(days=2))
    result = delivery_sheet_commit(
        actor=opd_dinkes, organization=dinkes(), rows=rows, file_name="salur.csv"
    )
    assert result.recorded == 1  # the second is re-checked at commit and rejected
    assert [row.status for row in result.rows] == [RowStatus.OK, RowStatus.REJECTED]


@pytest.mark.django_db
def test_another_organisation_cannot_commit_for_dinkes(admin_dinsos, opd_dinkes, partner_csr):
    made = referral(admin_dinsos, dinkes(), accept_by=opd_dinkes)
    with pytest.raises(SheetError, match="organisasi Anda sendiri"):
        delivery_sheet_commit(
            actor=partner_csr, organization=dinkes(),
            rows=[RawRow(2, str(made.pk), today(), "1", "", "TT-1")], file_name="x.csv",
        )  # fmt: skip
    assert not Delivery.objects.exists()
