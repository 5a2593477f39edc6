"""BNBA exports: who may export what, what the rows hold, and the audit of every export."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from tests.factories import members_of

from entas.core import spreadsheet
from entas.core.models import AuditEvent
from entas.imports import exports
from entas.imports.exports import (
    BNBA_HEADER,
    ExportFilters,
    ExportRefused,
    bnba_rows,
    export_list,
)
from entas.registry import choices as c
from entas.registry.models import Household

from .conftest import JERAKAH, METESEH, ROWOSARI, Registry

pytestmark = pytest.mark.django_db

TEMBALANG = "33.74.10"
TUGU = "33.74.16"
EVERYWHERE = ExportFilters()
PKH_BPNT = "PKH (Program Keluarga Harapan), BPNT/Sembako"


def age(born: dt.date) -> int:
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def expected_rows(household: Household, place: tuple[str, str], *, programmes="", desil=None):
    """The BNBA rows of a factory household, in list order (head, spouse, children...)."""
    relationship = dict(c.Relationship.choices)
    sex = dict(c.Sex.choices)
    rows = []
    for person in members_of(household):
        membership = person.memberships.get(end_date__isnull=True)
        rows.append(
            (
                *place,
                household.address,
                household.rt,
                household.rw,
                household.kk_number,
                person.nik,
                person.full_name,
                str(relationship[membership.relationship]),
                str(sex[person.sex]),
                person.birth_date,
                age(person.birth_date),
                desil,
                programmes,
                "Aktif",
            )
        )
    return rows


def meteseh_rows(registry: Registry):
    return expected_rows(registry.meteseh, ("Tembalang", "Meteseh"), programmes=PKH_BPNT, desil=1)


def rowosari_rows(registry: Registry):
    return expected_rows(registry.rowosari, ("Tembalang", "Rowosari"))


def jerakah_rows(registry: Registry):
    return expected_rows(
        registry.jerakah, ("Tugu", "Jerakah"), programmes="PKH (Program Keluarga Harapan)"
    )


# --- rows and scope --------------------------------------------------------------------


def test_admin_lists_current_members_of_active_households_everywhere(registry, admin_dinsos):
    rows = list(bnba_rows(user=admin_dinsos, filters=EVERYWHERE))

    assert rows == [*meteseh_rows(registry), *rowosari_rows(registry), *jerakah_rows(registry)]
    assert rows[0][3:7] == ("001", "002", registry.meteseh.kk_number, rows[0][6])
    assert len(rows) == 3 + 3 + 2  # the moved-away member and the dissolved family are out


def test_field_officer_lists_only_own_area(registry, officer_tembalang, officer_tugu):
    tembalang = list(bnba_rows(user=officer_tembalang, filters=EVERYWHERE))
    tugu = list(bnba_rows(user=officer_tugu, filters=EVERYWHERE))

    assert tembalang == [*meteseh_rows(registry), *rowosari_rows(registry)]
    assert tugu == jerakah_rows(registry)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ExportFilters(kecamatan_code=TEMBALANG), ["meteseh", "rowosari"]),
        (ExportFilters(kelurahan_code=ROWOSARI), ["rowosari"]),
        (ExportFilters(kecamatan_code=TEMBALANG, kelurahan_code=METESEH), ["meteseh"]),
        (ExportFilters(programme=c.Programme.PKH), ["meteseh", "jerakah"]),
        (ExportFilters(kecamatan_code=TUGU, programme=c.Programme.PKH), ["jerakah"]),
        (ExportFilters(programme=c.Programme.BPNT), ["meteseh"]),
        (ExportFilters(programme=c.Programme.KUR), []),
    ],
)
def test_filters_narrow_the_list(registry, admin_dinsos, filters, expected):
    rows_of = {"meteseh": meteseh_rows, "rowosari": rowosari_rows, "jerakah": jerakah_rows}

    rows = list(bnba_rows(user=admin_dinsos, filters=filters))

    assert rows == [row for name in expected for row in rows_of[name](registry)]


@pytest.mark.parametrize("role", ["opd_dinkes", "partner_csr"])
def test_opd_and_partner_get_an_empty_list_until_families_are_referred(registry, cast, role):
    export = export_list(user=cast[role], filters=EVERYWHERE, fmt="csv")

    assert export.count == 0
    assert read_csv(export) == [[str(title) for title in BNBA_HEADER]]


@pytest.mark.parametrize("role", ["leader", "auditor"])
def test_roles_without_registry_access_are_refused(registry, cast, role):
    with pytest.raises(PermissionDenied):
        export_list(user=cast[role], filters=EVERYWHERE, fmt="csv")

    assert not AuditEvent.objects.filter(action="export.list").exists()


REFUSALS = [
    ("officer_tugu", ExportFilters(kecamatan_code=TEMBALANG), "area_outside", "kecamatan"),
    ("officer_tugu", ExportFilters(kelurahan_code=METESEH), "area_outside", "kelurahan"),
    ("officer_tembalang", ExportFilters(kelurahan_code=JERAKAH), "area_outside", "kelurahan"),
    ("admin_dinsos", ExportFilters(kecamatan_code="99.99.99"), "area_outside", "kecamatan"),
    ("admin_dinsos", ExportFilters(kelurahan_code="33.74"), "area_outside", "kelurahan"),
    (
        "admin_dinsos",
        ExportFilters(kecamatan_code=TUGU, kelurahan_code=METESEH),
        "area_mismatch",
        "kelurahan",
    ),
    ("admin_dinsos", ExportFilters(programme="bansos"), "programme_unknown", "program"),
    ("opd_dinkes", ExportFilters(kecamatan_code=TEMBALANG), "area_outside", "kecamatan"),
    ("partner_csr", ExportFilters(kelurahan_code=METESEH), "area_outside", "kelurahan"),
]


@pytest.mark.parametrize(("role", "filters", "code", "field"), REFUSALS)
def test_filter_outside_the_users_area_is_refused_not_empty(
    registry, cast, role, filters, code, field
):
    with pytest.raises(ExportRefused) as refused:
        export_list(user=cast[role], filters=filters, fmt="xlsx")

    assert (refused.value.code, refused.value.field) == (code, field)
    assert not AuditEvent.objects.filter(action="export.list").exists()


def test_refusal_message_names_the_area(registry, officer_tugu):
    with pytest.raises(ExportRefused) as refused:
        export_list(user=officer_tugu, filters=ExportFilters(kecamatan_code=TEMBALANG), fmt="csv")

    assert refused.value.message == (
        "Kecamatan 33.74.10 tidak dikenal atau di luar wilayah tugas Anda."
    )


def test_unknown_format_is_refused(registry, admin_dinsos):
    with pytest.raises(ExportRefused) as refused:
        export_list(user=admin_dinsos, filters=EVERYWHERE, fmt="pdf")

    assert refused.value.code == "format_unknown"


def test_nik_and_kk_are_masked_for_a_role_that_may_not_see_them(registry, partner_csr, monkeypatch):
    # No family is adopted by a partner yet: give the partner Meteseh's family as if it were.
    monkeypatch.setattr(
        exports, "household_scope", lambda user: Household.objects.filter(pk=registry.meteseh.pk)
    )

    rows = list(bnba_rows(user=partner_csr, filters=EVERYWHERE))

    full = meteseh_rows(registry)
    assert [(row[5], row[6]) for row in rows] == [
        (kk[:4] + "********" + kk[12:], nik[:4] + "********" + nik[12:])
        for kk, nik in ((row[5], row[6]) for row in full)
    ]
    assert [row[:5] + row[7:] for row in rows] == [row[:5] + row[7:] for row in full]


def test_field_officer_sees_full_nik(registry, officer_tembalang):
    rows = list(bnba_rows(user=officer_tembalang, filters=ExportFilters(kelurahan_code=METESEH)))

    assert [row[6] for row in rows] == [row[6] for row in meteseh_rows(registry)]
    assert all(len(row[6]) == 16 and row[6].isdigit() for row in rows)


def test_rows_take_a_few_queries_per_chunk_not_one_per_row(
    registry, admin_dinsos, django_assert_num_queries
):
    # Region names, the ordered members, then one programme query per chunk of 3 rows.
    with django_assert_num_queries(2 + 3):
        rows = list(bnba_rows(user=admin_dinsos, filters=EVERYWHERE, chunk_size=3))

    assert len(rows) == 8


# --- files and audit -------------------------------------------------------------------


def read_csv(export: exports.ExportFile) -> list[list[str]]:
    text = "".join(export.chunks)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def test_csv_export_matches_the_registry(registry, admin_dinsos):
    export = export_list(
        user=admin_dinsos, filters=ExportFilters(kecamatan_code=TEMBALANG), fmt="csv"
    )

    assert export.content_type == "text/csv; charset=utf-8"
    assert export.filename == f"bnba-33.74.10-{timezone.localdate():%Y%m%d}.csv"
    assert export.count == 6
    assert read_csv(export) == [
        [str(title) for title in BNBA_HEADER],
        *[
            [csv_text(value) for value in row]
            for row in [*meteseh_rows(registry), *rowosari_rows(registry)]
        ],
    ]


def read_xlsx(export: exports.ExportFile):
    content = b"".join(export.chunks)
    return openpyxl.load_workbook(io.BytesIO(content))


def xlsx_value(value):
    """An empty text is an empty cell; a date cell is read back as a naive datetime."""
    if value == "":
        return None
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())  # noqa: DTZ001 (cells have no zone)
    return value


def test_xlsx_export_matches_the_registry_with_numbers_as_text(registry, admin_dinsos):
    export = export_list(user=admin_dinsos, filters=ExportFilters(programme="pkh"), fmt="xlsx")

    assert export.content_type == exports.XLSX_CONTENT_TYPE
    assert export.filename == f"bnba-33.74-pkh-{timezone.localdate():%Y%m%d}.xlsx"
    assert export.count == 5
    sheet = read_xlsx(export)["BNBA"]
    assert list(sheet.iter_rows(values_only=True)) == [
        tuple(str(title) for title in BNBA_HEADER),
        *[
            tuple(xlsx_value(value) for value in row)
            for row in [*meteseh_rows(registry), *jerakah_rows(registry)]
        ],
    ]
    assert sheet["D2"].value == "001"
    for column in "DEFG":  # RT, RW, No. KK, NIK
        assert [(cell.data_type, cell.number_format) for cell in sheet[column][1:4]] == [
            ("s", "@")
        ] * 3
    assert sheet["K2"].number_format == "dd/mm/yyyy"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_writes_one_audit_event_with_the_count(registry, officer_tembalang, fmt):
    filters = ExportFilters(kecamatan_code=TEMBALANG, programme="pkh")

    export_list(user=officer_tembalang, filters=filters, fmt=fmt)

    event = AuditEvent.objects.get(action="export.list")
    assert event.actor == officer_tembalang
    assert event.summary == f"Ekspor BNBA ({fmt.upper()}): 3 individu; wilayah 33.74.10; pkh"
    assert event.changes == {
        "filters": {"kecamatan_code": TEMBALANG, "kelurahan_code": "", "programme": "pkh"},
        "format": fmt,
        "count": 3,
    }


def test_audit_summary_without_filters(registry, admin_dinsos):
    export_list(user=admin_dinsos, filters=EVERYWHERE, fmt="csv")

    event = AuditEvent.objects.get(action="export.list")
    assert event.summary == "Ekspor BNBA (CSV): 8 individu; wilayah semua wilayah; semua program"


def test_xlsx_longer_than_a_sheet_is_refused_before_writing(registry, admin_dinsos, monkeypatch):
    monkeypatch.setattr(spreadsheet, "XLSX_MAX_DATA_ROWS", 7)

    with pytest.raises(ExportRefused) as refused:
        export_list(user=admin_dinsos, filters=EVERYWHERE, fmt="xlsx")

    assert refused.value.code == "xlsx_too_many_rows"
    assert "CSV" in refused.value.message
    assert not AuditEvent.objects.filter(action="export.list").exists()


def test_csv_has_no_limit_of_rows(registry, admin_dinsos, monkeypatch):
    monkeypatch.setattr(spreadsheet, "XLSX_MAX_DATA_ROWS", 7)

    export = export_list(user=admin_dinsos, filters=EVERYWHERE, fmt="csv")

    assert len(read_csv(export)) == 1 + 8
