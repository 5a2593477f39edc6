"""The shared CSV/XLSX writers: formulas neutralised, identity numbers kept as text."""

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from entas.core import spreadsheet
from entas.core.exceptions import EntasError
from entas.core.spreadsheet import Sheet, csv_stream, safe_cell, write_csv, write_xlsx

NIK = "3374104501990001"
HEADER = ["nama", "nik", "lahir", "jumlah"]
# Spreadsheet cells have no time zone: openpyxl reads a date cell as a naive datetime.
EXCEL_DATE = dt.datetime(1999, 1, 5)  # noqa: DTZ001
DANGEROUS = [
    ('=HYPERLINK("http://evil.example","klik")', '\'=HYPERLINK("http://evil.example","klik")'),
    ("+1", "'+1"),
    ("-1+2", "'-1+2"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
]


@pytest.mark.parametrize(("value", "expected"), DANGEROUS)
def test_safe_cell_prefixes_formula_text_with_apostrophe(value, expected):
    assert safe_cell(value) == expected


@pytest.mark.parametrize("value", ["Siti Aminah", "0812345", NIK, "", "a=b", -1, -1.5, None])
def test_safe_cell_leaves_other_values_alone(value):
    assert safe_cell(value) == value


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_write_csv_neutralises_formulas_keeps_numbers_and_writes_iso_dates(tmp_path):
    rows = [[value, NIK, dt.date(1999, 1, 5), -3] for value, _ in DANGEROUS]
    rows.append(["Tanpa lahir", None, None, None])
    path = tmp_path / "daftar.csv"

    count = write_csv(path, HEADER, rows)

    assert count == len(DANGEROUS) + 1
    text = path.read_bytes().decode("utf-8")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_csv(text) == [
        HEADER,
        *[[expected, NIK, "1999-01-05", "-3"] for _, expected in DANGEROUS],
        ["Tanpa lahir", "", "", ""],
    ]


def test_write_csv_to_an_open_stream_counts_rows():
    stream = io.StringIO(newline="")

    count = write_csv(stream, ["a"], iter([["x"], ["y"]]))

    assert count == 2
    assert read_csv(stream.getvalue()) == [["a"], ["x"], ["y"]]


def test_csv_stream_matches_write_csv_and_starts_with_bom():
    rows = [[f"-{index}", index] for index in range(spreadsheet.CSV_CHUNK_ROWS * 2 + 7)]
    stream = io.StringIO(newline="")
    write_csv(stream, ["teks", "angka"], rows)

    chunks = list(csv_stream(["teks", "angka"], rows))

    assert len(chunks) == 3
    assert chunks[0].startswith("\ufeffteks,angka\r\n'-0,0\r\n")
    assert "".join(chunks) == stream.getvalue()


def test_csv_stream_of_no_rows_is_the_header():
    assert list(csv_stream(["a", "b"], [])) == ["\ufeffa,b\r\n"]


def excel_text(value):
    """XLSX stores a carriage return as _x000D_; Excel decodes it, openpyxl does not."""
    return value.replace("_x000D_", "\r") if isinstance(value, str) else value


def write_one_sheet(path: Path, rows, **options) -> None:
    write_xlsx(path, [Sheet(name="data", header=HEADER, rows=rows, **options)])


def test_xlsx_neutralises_formulas_keeps_nik_text_and_dates_real(tmp_path):
    path = tmp_path / "daftar.xlsx"
    rows = [[value, NIK, dt.date(1999, 1, 5), -3] for value, _ in DANGEROUS]

    counts = write_xlsx(path, [Sheet("data", HEADER, rows, widths=(30, 18), text_columns={1})])

    assert counts == {"data": len(DANGEROUS)}
    sheet = openpyxl.load_workbook(path)["data"]
    values = [tuple(map(excel_text, row)) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == tuple(HEADER)
    assert values[1:] == [(expected, NIK, EXCEL_DATE, -3) for _, expected in DANGEROUS]
    assert all(sheet.cell(row, 1).data_type == "s" for row in range(2, len(DANGEROUS) + 2))
    assert sheet.cell(2, 2).data_type == "s"
    assert sheet.cell(2, 2).number_format == "@"
    assert sheet.cell(2, 3).number_format == "dd/mm/yyyy"


def test_xlsx_header_is_bold_frozen_and_filtered(tmp_path):
    path = tmp_path / "daftar.xlsx"

    write_one_sheet(path, [["a", NIK, None, 1], ["b", NIK, None, 2]], text_columns={1})

    sheet = openpyxl.load_workbook(path)["data"]
    assert [cell.font.bold for cell in sheet[1]] == [True, True, True, True]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D3"
    assert sheet.column_dimensions["B"].number_format == "@"


def test_xlsx_writes_numbers_that_look_like_text_as_text(tmp_path):
    path = tmp_path / "daftar.xlsx"

    write_one_sheet(path, [["0812345", 3374104501990001, "", True]], text_columns={1})

    row = next(openpyxl.load_workbook(path)["data"].iter_rows(min_row=2, values_only=True))
    assert row == ("0812345", NIK, None, True)


def test_xlsx_datetimes_are_shown_in_local_time(tmp_path):
    path = tmp_path / "daftar.xlsx"
    moment = dt.datetime(2025, 1, 15, 3, 30, tzinfo=dt.UTC)

    write_one_sheet(path, [["a", NIK, moment, 1]])

    sheet = openpyxl.load_workbook(path)["data"]
    assert sheet.cell(2, 3).value == dt.datetime(2025, 1, 15, 10, 30)  # noqa: DTZ001 (Asia/Jakarta)
    assert sheet.cell(2, 3).number_format == "dd/mm/yyyy hh:mm"


def validations_by_column(sheet) -> dict[str, str]:
    return {str(rule.sqref): rule.formula1 for rule in sheet.data_validations.dataValidation}


def test_xlsx_short_drop_down_list_is_inline(tmp_path):
    path = tmp_path / "daftar.xlsx"

    write_one_sheet(path, [], validations={3: ["L", "P"]})

    workbook = openpyxl.load_workbook(path)
    assert validations_by_column(workbook["data"]) == {"D2:D1048576": '"L,P"'}
    assert workbook.sheetnames == ["data"]


def test_xlsx_long_drop_down_list_lives_in_a_hidden_sheet(tmp_path):
    path = tmp_path / "daftar.xlsx"
    kelurahan = [f"Kelurahan nomor {index:03d}" for index in range(177)]
    with_comma = ["Rusak, berat", "Baik"]

    write_one_sheet(path, [["a", NIK, None, 1]], validations={0: kelurahan, 3: with_comma})

    workbook = openpyxl.load_workbook(path)
    assert validations_by_column(workbook["data"]) == {
        "A2:A1048576": "daftar!$A$1:$A$177",
        "D2:D1048576": "daftar!$B$1:$B$2",
    }
    lists = workbook["daftar"]
    assert lists.sheet_state == "hidden"
    assert [cell.value for cell in lists["A"]] == kelurahan
    assert [cell.value for cell in lists["B"] if cell.value] == with_comma


def test_xlsx_refuses_more_rows_than_a_sheet_holds_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(spreadsheet, "XLSX_MAX_DATA_ROWS", 3)
    path = tmp_path / "daftar.xlsx"

    with pytest.raises(EntasError, match="lebih dari 3 baris") as raised:
        write_one_sheet(path, [["a", NIK, None, 1]] * 4)

    assert raised.value.code == "xlsx_too_many_rows"
    assert "CSV" in raised.value.message
    assert not path.exists()


def test_xlsx_limit_is_excel_rows_minus_the_header():
    assert spreadsheet.XLSX_MAX_DATA_ROWS == 1_048_576 - 1


def test_xlsx_writes_into_an_open_binary_file(tmp_path):
    buffer = io.BytesIO()

    counts = write_xlsx(buffer, [Sheet("a", ["x"], [[1]]), Sheet("b", ["y"], [])])

    assert counts == {"a": 1, "b": 0}
    workbook = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert workbook.sheetnames == ["a", "b"]
