"""The blank import template: drop-downs equal to the schema's choices, a guide to every
column, identity numbers as text."""

import io

import openpyxl
import pytest

from entas.imports.schema import TEMPLATE_COLUMNS, TemplateColumn
from entas.imports.template import import_template_write
from entas.wilayah.selectors import region_kelurahan_list
from entas.wilayah.services import regions_load


@pytest.fixture(scope="module")
def workbook(django_db_setup, django_db_blocker):
    """Written once: the template only reads the region tree of the test database (loaded
    again if a transactional test elsewhere flushed it, as the `regions` fixture does)."""
    buffer = io.BytesIO()
    with django_db_blocker.unblock():
        if not region_kelurahan_list().exists():
            regions_load()
        import_template_write(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def column_letter(header: str) -> str:
    position = [column.header for column in TEMPLATE_COLUMNS].index(header) + 1
    return openpyxl.utils.get_column_letter(position)


def drop_down_values(workbook, letter: str) -> list[str]:
    """The values of the list validation on column `letter` of sheet "data", inline or
    kept in the hidden "daftar" sheet."""
    rules = [
        rule
        for rule in workbook["data"].data_validations.dataValidation
        if str(rule.sqref) == f"{letter}2:{letter}1048576"
    ]
    assert len(rules) == 1, letter
    assert rules[0].type == "list"
    formula = rules[0].formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, cells = formula.split("!")
    first, last = cells.replace("$", "").split(":")
    return [row[0].value for row in workbook[sheet][first:last]]


def test_data_sheet_has_the_template_headers_and_no_rows(workbook):
    sheet = workbook["data"]

    assert workbook.sheetnames[:2] == ["data", "petunjuk"]
    assert [cell.value for cell in sheet[1]] == [column.header for column in TEMPLATE_COLUMNS]
    assert sheet.max_row == 1
    assert sheet.freeze_panes == "A2"


CODED = [column for column in TEMPLATE_COLUMNS if column.choices]


@pytest.mark.parametrize("column", CODED, ids=[column.header for column in CODED])
def test_every_coded_column_offers_exactly_its_choices(workbook, column: TemplateColumn):
    assert drop_down_values(workbook, column_letter(column.header)) == [
        value for value, _meaning in column.choices
    ]


@pytest.mark.django_db
def test_kelurahan_code_offers_the_kelurahan_of_the_deployment(workbook):
    codes = list(region_kelurahan_list().values_list("code", flat=True))

    assert len(codes) == 177  # Kota Semarang
    assert drop_down_values(workbook, column_letter("kode_kelurahan")) == codes
    assert workbook["daftar"].sheet_state == "hidden"


def test_only_coded_columns_have_drop_downs(workbook):
    validated = {str(rule.sqref) for rule in workbook["data"].data_validations.dataValidation}

    assert validated == {
        f"{column_letter(column.header)}2:{column_letter(column.header)}1048576"
        for column in [*CODED, *[c for c in TEMPLATE_COLUMNS if c.header == "kode_kelurahan"]]
    }


@pytest.mark.parametrize("header", ["no_kk", "nik", "rt", "rw", "kode_kelurahan"])
def test_identity_numbers_and_codes_are_text_columns(workbook, header):
    letter = column_letter(header)
    sheet = workbook["data"]

    assert sheet[f"{letter}1"].number_format == "@"
    assert column_format(sheet, letter) == "@"


def column_format(sheet, letter: str) -> str:
    """The number format of a column (openpyxl files a span of columns under its first)."""
    index = openpyxl.utils.column_index_from_string(letter)
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= index <= dimension.max:
            return dimension.number_format
    return "General"


def test_free_text_columns_are_not_forced_to_text(workbook):
    assert column_format(workbook["data"], column_letter("nama")) == "General"
    assert column_format(workbook["data"], column_letter("tanggal_lahir")) == "General"


def test_guide_lists_every_column_with_its_meaning(workbook):
    rows = list(workbook["petunjuk"].iter_rows(values_only=True))

    assert rows[0] == (
        "kolom",
        "keterangan",
        "wajib diisi",
        "nilai yang diizinkan (nilai = arti)",
        "contoh",
    )
    assert [row[0] for row in rows[1:]] == [column.header for column in TEMPLATE_COLUMNS]
    by_header = {row[0]: row for row in rows[1:]}
    for column in TEMPLATE_COLUMNS:
        header, label, required, allowed, example = by_header[column.header]
        assert label == str(column.label)
        assert required == ("Ya" if column.required else "Tidak")
        assert example == column.example
        if column.choices:
            assert allowed == "; ".join(f"{value} = {meaning}" for value, meaning in column.choices)


def test_guide_shows_the_meaning_of_codes_and_keeps_examples_as_text(workbook):
    by_header = {row[0].value: row for row in workbook["petunjuk"].iter_rows(min_row=2)}

    assert by_header["jenis_kelamin"][3].value == "L = Laki-laki; P = Perempuan"
    assert by_header["jenis_kelamin"][2].value == "Ya"
    assert by_header["kode_kelurahan"][3].value.startswith("33.74.01.1001 = ")
    assert by_header["no_kk"][4].value == "3374101201230001"
    assert by_header["no_kk"][4].data_type == "s"
