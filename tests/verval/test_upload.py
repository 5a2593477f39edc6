"""Reading an uploaded list of families: CSV (any delimiter, BOM), XLSX, headers in any
case and spacing, and a result with its row number for every row."""

from pathlib import Path

import pytest
from openpyxl import Workbook
from tests.factories import head_of, make_household

from entas.registry import choices as rc
from entas.registry.models import Household
from entas.verval.exceptions import VervalError
from entas.verval.services.upload import MAX_BYTES, RowResult, upload_read


def csv_file(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "daftar.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def results(report) -> list[tuple[int, str, int | None]]:
    return [(row.row, row.result, row.household_id) for row in report.rows]


@pytest.fixture
def families(db):
    """Three active families and one that moved away."""
    active = [make_household() for _ in range(3)]
    moved = make_household()
    Household.objects.filter(pk=moved.pk).update(status=rc.HouseholdStatus.MOVED_OUT)
    return active, moved


@pytest.mark.django_db
def test_csv_with_semicolons_and_bom_reports_every_row(tmp_path, families):
    active, moved = families
    head = head_of(active[1])
    lines = [
        "Nama ; NIK ;No. KK",  # header names in any case and spacing
        f"A;;{active[0].kk_number}",
        f"B;{head.nik};",  # NIK → the household of the current membership
        f"C;;{moved.kk_number}",
        "D;;3374999999999999",
        f"E;;{active[0].kk_number}",  # same family again
        "F;12345;",
        "G;;",
    ]
    path = csv_file(tmp_path, "\r\n".join(lines) + "\r\n", bom=True)

    report = upload_read(path=path, original_name="daftar.csv")

    assert report.keys == ["no_kk", "nik"]
    assert results(report) == [
        (2, RowResult.MATCHED, active[0].pk),
        (3, RowResult.MATCHED, active[1].pk),
        (4, RowResult.INACTIVE, moved.pk),
        (5, RowResult.NOT_FOUND, None),
        (6, RowResult.DUPLICATE, active[0].pk),
        (7, RowResult.INVALID, None),
        (8, RowResult.EMPTY, None),
    ]
    assert report.rows[4].note == "keluarga yang sama dengan baris 2"
    assert report.matched() == [active[0].pk, active[1].pk]
    assert report.counts()[RowResult.MATCHED] == 2


@pytest.mark.django_db
def test_xlsx_with_a_title_row_and_household_ids(tmp_path, families):
    active, _moved = families
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Daftar verval tambahan Kelurahan Meteseh"])
    sheet.append(["ID Keluarga", "Keterangan"])
    sheet.append([active[2].pk, "usulan RT"])
    sheet.append([999_999, "salah ketik"])
    sheet.append([str(active[0].pk), ""])
    path = tmp_path / "daftar.xlsx"
    workbook.save(path)

    report = upload_read(path=path, original_name="daftar.xlsx")

    assert report.keys == ["id_keluarga"]
    assert results(report) == [
        (3, RowResult.MATCHED, active[2].pk),
        (4, RowResult.NOT_FOUND, None),
        (5, RowResult.MATCHED, active[0].pk),
    ]


@pytest.mark.django_db
def test_nik_of_a_person_who_left_the_family_is_not_found(tmp_path, families):
    active, _moved = families
    nik = head_of(active[0]).nik
    active[0].memberships.update(end_date="2025-01-20", end_reason=rc.MembershipEnd.MOVED_OUT)
    path = csv_file(tmp_path, f"nik\n{nik}\n")

    report = upload_read(path=path)

    assert results(report) == [(2, RowResult.NOT_FOUND, None)]


@pytest.mark.django_db
def test_unknown_header_is_refused_with_the_columns_found(tmp_path):
    path = csv_file(tmp_path, "nama,alamat\nSlamet,Jl. Mawar\n")

    with pytest.raises(VervalError) as refused:
        upload_read(path=path, original_name="daftar.csv")

    assert refused.value.code == "no_key_column"
    assert "nama, alamat" in refused.value.message
    assert "nik, no_kk atau id_keluarga" in refused.value.message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 600, "xls_unsupported"),
        (b"PK\x03\x04 potongan", "xlsx_corrupt"),
        (b"nik\n", "empty"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(tmp_path, content, code):
    path = tmp_path / "berkas.xlsx"
    path.write_bytes(content)

    with pytest.raises(VervalError) as refused:
        upload_read(path=path, original_name="berkas.xlsx")

    assert refused.value.code == code
    assert refused.value.field == "file"


@pytest.mark.django_db
def test_file_over_the_limit_is_refused_before_reading(tmp_path):
    path = csv_file(tmp_path, "nik\n" + "3374100101900001\n" * (MAX_BYTES // 17 + 1))

    with pytest.raises(VervalError) as refused:
        upload_read(path=path, original_name="besar.csv")

    assert refused.value.code == "too_large"
