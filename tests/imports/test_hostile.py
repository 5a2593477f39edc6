"""Hostile files through the whole import: a clear reason, bounded work, nothing lost."""

import csv
import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from tests.imports.test_pipeline import HEADER, family, write

from entas.imports import services
from entas.imports.exceptions import ImportFileError
from entas.imports.models import ImportBatch, ImportRowError, ImportStatus
from entas.registry.models import Person


@pytest.fixture
def work(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    return tmp_path


def staged(path: Path) -> ImportBatch:
    batch = services.import_from_paths(user=None, paths=[path])
    return services.import_stage(batch=batch)


def xlsx_bytes(rows: list[list], title_rows: int = 0) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Data P3KE")
    for number in range(title_rows):
        sheet.write(number, 0, f"DATA P3KE KOTA SEMARANG — judul {number + 1}")
    for number, row in enumerate([HEADER, *rows], start=title_rows):
        for column, value in enumerate(row):
            sheet.write_string(number, column, str(value))
    book.close()
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("kosong.csv", b"", "empty"),
        ("spasi.csv", b"   \n\n  ", "empty"),
        ("foto.csv", bytes(range(256)) * 64, "binary"),
        ("lama.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "xls_unsupported"),
        ("arsip.xlsx", b"PK\x03\x04" + b"\x00" * 200, "xlsx_corrupt"),
    ],
)
def test_unreadable_uploads_are_refused_on_the_form(regions, work, name, content, code):
    with pytest.raises(ImportFileError) as refused:
        services.import_create(user=None, uploads=[(name, io.BytesIO(content))])
    assert refused.value.code == code
    assert "berkas" in refused.value.message.lower()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_truncated_xlsx_fails_with_a_reason_and_changes_nothing(regions, work):
    whole = xlsx_bytes(family())
    path = work / "terpotong.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    batch = staged(path)
    assert batch.status == ImportStatus.FAILED
    assert batch.error_code in {"xlsx_corrupt", "unsupported"}
    assert "Excel" in batch.error_message
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_p3ke_style_xlsx_with_title_rows_is_read(regions, work):
    path = work / "p3ke.xlsx"
    path.write_bytes(xlsx_bytes(family(), title_rows=12))
    batch = services.import_run(
        batch=services.import_from_paths(user=None, paths=[path]), user=None
    )
    assert batch.counts["persons_created"] == 3
    # row numbers are the spreadsheet's: 12 title rows, the header on row 13
    assert batch.counts["rows"] == 3


@pytest.mark.django_db
def test_two_gigabyte_file_is_refused_at_once(regions, work):
    path = work / "besar.csv"
    with path.open("wb") as file:
        file.truncate(2 * 1024**3)  # sparse: instant, no disk used
    with pytest.raises(ImportFileError) as refused:
        services.import_create(user=None, uploads=[(path.name, path.open("rb"))])
    assert refused.value.code == "too_large"


@pytest.mark.django_db
def test_hundred_thousand_columns_fail_with_the_count(regions, work):
    path = work / "lebar.csv"
    path.write_text(",".join(f"k{number}" for number in range(100_000)) + "\n1\n")
    batch = staged(path)
    assert batch.status == ImportStatus.FAILED
    assert batch.error_code == "too_many_columns"
    assert "100.000" in batch.error_message


@pytest.mark.django_db
def test_fifty_megabyte_cell_rejects_only_its_row(regions, work):
    rows = family() + family(surname="TETANGGA")
    rows[4][2] = "A" * (50 * 1024 * 1024)
    path = write(work / "sel.csv", rows)
    batch = services.import_run(
        batch=services.import_from_paths(user=None, paths=[path]), user=None
    )
    assert batch.counts["rejected"] == 1
    assert batch.counts["persons_created"] == 5
    error = ImportRowError.objects.get(batch=batch, kind="ditolak")
    assert error.code == "too_long"
    assert len(error.value) == 200  # the report keeps a sample, not the 50 MB


@pytest.mark.django_db
def test_file_with_unknown_columns_only_says_what_to_do(regions, work):
    path = work / "asing.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["kolom_a", "kolom_b"])
        writer.writerow(["1", "2"])
    batch = staged(path)
    assert batch.status == ImportStatus.FAILED
    assert batch.error_code == "no_known_columns"
    assert "templat" in batch.error_message
    assert batch.mapping["files"][0]["unknown"] == ["kolom_a", "kolom_b"]


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "bukan.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("catatan.txt", "bukan buku kerja")
    from entas.imports import readers

    with pytest.raises(ImportFileError) as refused:
        readers.read_table(path, work_dir=tmp_path)
    assert refused.value.code in {"unsupported", "xlsx_corrupt"}
