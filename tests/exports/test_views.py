"""Export pages over HTTP: who may open them, what the download holds, and the form's
answers to bad parameters."""

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from entas.core.models import AuditEvent
from entas.imports.exports import BNBA_HEADER

from .conftest import JERAKAH, METESEH

pytestmark = pytest.mark.django_db

ROLES = [
    "admin_dinsos",
    "officer_tembalang",
    "officer_tugu",
    "opd_dinkes",
    "partner_csr",
    "leader",
    "auditor",
]
# Same rule as the registry search page: roles that may open registry data get the page
# (scoped; empty for OPD and partners until families are referred), the others a 403.
EXPECTED = {
    "page": [200, 200, 200, 200, 200, 403, 403],
    "download": [200, 200, 200, 200, 200, 403, 403],
    "import_template": [200, 200, 200, 200, 200, 403, 403],
}
CASES = [
    (page, role, status)
    for page, statuses in EXPECTED.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


def url(page: str, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse(f"exports:{page}") + (f"?{query}" if query else "")


@pytest.mark.parametrize(("page", "role", "status"), CASES)
def test_role_gets_expected_status(registry, cast, client_for, page, role, status):
    response = client_for(cast[role]).get(url(page, format="csv"))

    assert response.status_code == status


@pytest.mark.parametrize("page", list(EXPECTED))
def test_anonymous_is_sent_to_login(regions, page):
    response = Client().get(url(page))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_csv_download_is_an_attachment_with_the_rows(registry, client_for, officer_tugu):
    response = client_for(officer_tugu).get(url("download", format="csv", program="pkh"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="bnba-33.74-pkh-')
    assert response["Cache-Control"] == "no-store"
    text = body(response).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert rows[0] == [str(title) for title in BNBA_HEADER]
    assert [row[7] for row in rows[1:]] == ["Slamet Riyadi Tugu", "Siti Aminah Tugu"]
    assert AuditEvent.objects.get(action="export.list").changes["count"] == 2


def test_xlsx_download_opens_in_a_spreadsheet(registry, client_for, officer_tembalang):
    response = client_for(officer_tembalang).get(
        url("download", format="xlsx", kecamatan="33.74.10", kelurahan=METESEH)
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(body(response)))["BNBA"]
    assert [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "Slamet Riyadi",
        "Siti Aminah",
        "Dwi Lestari",
    ]


BAD_PARAMETERS = [
    ({"format": "pdf"}, "Format pdf tidak dikenal; pilih XLSX atau CSV."),
    ({}, "Pilih format berkas: XLSX atau CSV."),
    (
        {"format": "csv", "kecamatan": "33.74.16"},
        "Kode kecamatan 33.74.16 tidak dikenal atau di luar wilayah tugas Anda.",
    ),
    (
        {"format": "csv", "kelurahan": JERAKAH},
        "Kode kelurahan 33.74.16.1001 tidak dikenal atau di luar wilayah tugas Anda.",
    ),
    (
        {"format": "csv", "kecamatan": "33.74.10", "kelurahan": "33.74.10.1002x"},
        "Kode kelurahan 33.74.10.1002x tidak dikenal atau di luar wilayah tugas Anda.",
    ),
    ({"format": "csv", "program": "bansos"}, "Program bansos tidak dikenal."),
]


@pytest.mark.parametrize(("params", "message"), BAD_PARAMETERS)
def test_bad_parameters_show_the_form_again_with_the_reason(
    registry, client_for, officer_tembalang, params, message
):
    response = client_for(officer_tembalang).get(url("download", **params))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="export.list").exists()


def test_kelurahan_outside_the_chosen_kecamatan_is_refused(registry, client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(
        url("download", format="csv", kecamatan="33.74.16", kelurahan=METESEH)
    )

    assert response.status_code == 400
    assert "Kelurahan ini tidak berada di kecamatan yang dipilih." in response.content.decode()


def test_a_list_too_long_for_xlsx_is_refused_on_the_form(
    registry, client_for, admin_dinsos, monkeypatch
):
    monkeypatch.setattr("entas.core.spreadsheet.XLSX_MAX_DATA_ROWS", 7)

    response = client_for(admin_dinsos).get(url("download", format="xlsx"))

    assert response.status_code == 400
    assert "Pilih format CSV atau persempit wilayahnya." in response.content.decode()


def test_page_offers_only_the_officers_area(registry, client_for, officer_tembalang):
    response = client_for(officer_tembalang).get(url("page"))

    content = response.content.decode()
    assert '<option value="33.74.10">Tembalang</option>' in content
    assert 'value="33.74.10.1001"' in content
    assert 'value="33.74.16' not in content
    assert reverse("exports:import_template") in content


def test_import_template_download(regions, client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(url("import_template"))

    assert response["Content-Disposition"] == ('attachment; filename="templat-impor-entas.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["data", "petunjuk", "daftar"]
