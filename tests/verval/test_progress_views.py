"""Progress pages, overdue list, berita acara and BNBA downloads over HTTP: who may open
them, what each role sees, htmx fragments, exports and audit events.

The city is `test_progress.build_city`; its campaign's deadline (31 January 2025) has
passed, so open families are overdue.
"""

import csv
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from entas.core.models import AuditEvent
from entas.verval import choices as c
from entas.verval.services import campaigns

from .builders import KELURAHAN as METESEH
from .builders import OTHER_KELURAHAN
from .test_progress import City, build_city, make_campaign

JERAKAH = "33.74.16.1001"


@pytest.fixture
def city(admin_dinsos, officer_tembalang, officer_tugu) -> City:
    return build_city(admin_dinsos, officer_tembalang, officer_tugu)


def progress_url(city: City, name: str = "progress", *args: str) -> str:
    return reverse(f"verval:{name}", args=[city.campaign.pk, *args])


# --- access --------------------------------------------------------------------------


PROGRESS_ACCESS = {
    "admin_dinsos": 200,
    "officer_tembalang": 200,
    "officer_tugu": 200,
    "leader": 200,
    "opd_dinkes": 403,
    "partner_csr": 403,
    "auditor": 403,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), PROGRESS_ACCESS.items())
@pytest.mark.parametrize("name", ["progress", "progress_overdue", "progress_export"])
def test_progress_pages_by_role(city, cast, client_for, who, status, name):
    response = client_for(cast[who]).get(progress_url(city, name), {"format": "csv"})
    assert response.status_code == status


@pytest.mark.django_db
def test_progress_needs_sign_in(city, client):
    response = client.get(progress_url(city))
    assert response.status_code == 302
    assert "/akun/masuk/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("admin_dinsos", 200), ("leader", 404)])
def test_a_draft_campaign_is_seen_by_admins_only(cast, client_for, admin_dinsos, who, status):
    from tests.factories import make_household

    draft = make_campaign(admin_dinsos, [make_household(kelurahan_code=METESEH)])
    assert draft.status == c.CampaignStatus.DRAFT
    response = client_for(cast[who]).get(reverse("verval:progress", args=[draft.pk]))
    assert response.status_code == status


@pytest.mark.django_db
def test_an_unknown_campaign_is_404(client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(reverse("verval:progress", args=[999999]))
    assert response.status_code == 404


# --- the progress page ---------------------------------------------------------------


@pytest.mark.django_db
def test_admin_page_shows_deadline_tables_and_officers(city, client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(progress_url(city))
    page = response.content.decode()
    assert response.status_code == 200
    assert "31-01-2025" in page
    assert "lewat" in page
    assert 'value="33"' in page  # 3 of 9 families approved
    assert "Tembalang" in page
    assert "Tugu" in page
    assert "Psm Meteseh" in page
    assert "Belum ditugaskan" in page
    assert "Slamet Riyadi" not in page  # counts only


@pytest.mark.django_db
def test_leader_sees_officer_names_but_no_family(city, client_for, leader):
    page = client_for(leader).get(progress_url(city)).content.decode()
    assert "Psm Meteseh" in page
    assert "Slamet Riyadi" not in page
    assert reverse("verval:minutes", args=[city.campaign.pk, METESEH]) not in page


@pytest.mark.django_db
def test_tugu_officer_page_holds_only_tugu(city, client_for, officer_tugu):
    page = client_for(officer_tugu).get(progress_url(city)).content.decode()
    assert "Tugu" in page
    assert "Tembalang" not in page
    assert "Psm Meteseh" not in page


@pytest.mark.django_db
def test_htmx_drill_down_returns_the_kelurahan_fragment(city, client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(
        progress_url(city), {"kecamatan": "33.74.10"}, HTTP_HX_REQUEST="true"
    )
    fragment = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in fragment
    assert "Meteseh" in fragment
    assert reverse("verval:minutes", args=[city.campaign.pk, METESEH]) in fragment
    assert reverse("verval:minutes", args=[city.campaign.pk, OTHER_KELURAHAN]) in fragment
    assert "Jerakah" not in fragment


@pytest.mark.django_db
def test_drill_down_without_htmx_is_the_whole_page(city, client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(progress_url(city), {"kecamatan": "33.74.10"})
    page = response.content.decode()
    assert "<html" in page
    assert 'id="kelurahan-progress-table"' in page


@pytest.mark.django_db
def test_a_kecamatan_outside_the_scope_is_refused_in_words(city, client_for, officer_tugu):
    response = client_for(officer_tugu).get(progress_url(city), {"kecamatan": "33.74.10"})
    assert response.status_code == 400
    assert "Kecamatan ini tidak ada dalam kampanye Anda." in response.content.decode()


# --- exports -------------------------------------------------------------------------


def content_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.django_db
def test_progress_export_xlsx_per_kelurahan(city, client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(
        progress_url(city, "progress_export"), {"level": "kelurahan", "format": "xlsx"}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(content_of(response)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Kode", "Nama", "Kecamatan", "Jumlah keluarga")
    assert [row[0] for row in rows[1:-1]] == [METESEH, OTHER_KELURAHAN, JERAKAH, "33.74.16.1002"]
    assert rows[1][1:11] == ("Meteseh", "Tembalang", 5, 1, 1, 1, 2, 4, 40, 2)
    assert rows[-1][:2] == (None, "Jumlah")
    assert rows[-1][3] == 9


@pytest.mark.django_db
def test_progress_export_csv_per_officer(city, client_for, leader):
    response = client_for(leader).get(
        progress_url(city, "progress_export"), {"level": "officer", "format": "csv"}
    )
    text = content_of(response).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[1] for row in rows[1:]] == [
        "Officer Tugu",
        "Psm Meteseh",
        "Psm Second",
        "Belum ditugaskan",
        "Jumlah",
    ]


@pytest.mark.django_db
def test_progress_export_with_a_bad_format_keeps_the_page(city, client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(
        progress_url(city, "progress_export"), {"level": "kelurahan", "format": "pdf"}
    )
    assert response.status_code == 400
    assert "Pilih format XLSX atau CSV." in response.content.decode()


# --- overdue -------------------------------------------------------------------------


@pytest.mark.django_db
def test_overdue_page_names_families_and_is_audited(city, client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(progress_url(city, "progress_overdue"))
    page = response.content.decode()
    assert "Slamet Riyadi Kembali" in page
    assert "Slamet Riyadi Sendiri" in page
    assert "Slamet Riyadi Tunggu" not in page  # waiting for review is not late
    assert "Slamet Riyadi Layak" not in page
    event = AuditEvent.objects.get(action="verval.overdue_view")
    assert event.changes == {"count": 5}


@pytest.mark.django_db
def test_overdue_page_gives_a_leader_counts_only(city, client_for, leader):
    page = client_for(leader).get(progress_url(city, "progress_overdue")).content.decode()
    assert 'id="overdue-total"><strong>5</strong>' in page
    assert "Slamet Riyadi" not in page
    assert not AuditEvent.objects.filter(action="verval.overdue_view").exists()


@pytest.mark.django_db
def test_overdue_page_of_a_tugu_officer(city, client_for, officer_tugu):
    page = client_for(officer_tugu).get(progress_url(city, "progress_overdue")).content.decode()
    assert "Slamet Riyadi Jerakah" in page
    assert "Slamet Riyadi Kembali" not in page


@pytest.mark.django_db
def test_before_the_deadline_nothing_is_overdue(client_for, admin_dinsos):
    import datetime as dt

    from tests.factories import make_household

    future = make_campaign(
        admin_dinsos, [make_household(kelurahan_code=METESEH)], deadline=dt.date(2099, 12, 31)
    )
    campaigns.campaign_status_set(actor=admin_dinsos, campaign=future, status="berjalan")
    response = client_for(admin_dinsos).get(reverse("verval:progress_overdue", args=[future.pk]))
    page = response.content.decode()
    assert "Batas waktu belum lewat" in page
    assert "hari lagi" in page
    assert "Slamet Riyadi" not in page


# --- berita acara --------------------------------------------------------------------


MINUTES_ACCESS = {
    "admin_dinsos": 200,
    "officer_tembalang": 200,
    "officer_tugu": 404,
    "leader": 403,
    "opd_dinkes": 403,
    "partner_csr": 403,
    "auditor": 403,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), MINUTES_ACCESS.items())
def test_minutes_page_by_role(city, cast, client_for, who, status):
    response = client_for(cast[who]).get(progress_url(city, "minutes", METESEH))
    assert response.status_code == status


@pytest.mark.django_db
def test_the_kelurahan_officer_prints_their_own_kelurahan_only(city, client_for):
    client = client_for(city.psm)
    assert client.get(progress_url(city, "minutes", METESEH)).status_code == 200
    assert client.get(progress_url(city, "minutes", OTHER_KELURAHAN)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["33.74.10.1003", "33.74.10", "bukan-kode", "33.22.01.2001"])
def test_a_kelurahan_without_families_in_the_campaign_is_404(city, client_for, admin_dinsos, code):
    response = client_for(admin_dinsos).get(progress_url(city, "minutes", code))
    assert response.status_code == 404


@pytest.mark.django_db
def test_minutes_form_is_prefilled_and_says_the_verval_is_unfinished(
    city, client_for, admin_dinsos
):
    page = client_for(admin_dinsos).get(progress_url(city, "minutes", METESEH)).content.decode()
    assert 'value="Lurah Meteseh"' in page
    assert 'value="Ketua LPMK Meteseh"' in page
    assert 'value="Kantor Kelurahan Meteseh"' in page
    # A date field takes ISO dates only: any other format shows an empty box on the phone.
    assert re.search(r'type="date" name="meeting_date" value="\d{4}-\d{2}-\d{2}"', page)
    assert "belum selesai" in page


def minutes_params(**changes: str) -> dict[str, str]:
    params = {
        "meeting_date": "2025-02-03",
        "place": "Balai Kelurahan Meteseh",
        "lurah_title": "Lurah Meteseh",
        "lurah_name": "Budi Santoso",
        "lpmk_title": "Ketua LPMK Meteseh",
        "lpmk_name": "",
        "officer_title": "Petugas verval / TKSK",
        "officer_name": "",
        "dinsos_title": "Perwakilan Dinas Sosial Kota Semarang",
        "dinsos_name": "",
    }
    params.update(changes)
    return params


@pytest.mark.django_db
def test_minutes_pdf_is_downloaded_and_audited(city, client_for, officer_tembalang):
    response = client_for(officer_tembalang).get(
        progress_url(city, "minutes_pdf", METESEH), minutes_params()
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert "berita-acara-verval-3374101001" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="verval.minutes_download")
    assert event.actor == officer_tembalang
    assert event.changes == {"kelurahan": METESEH, "format": "pdf", "count": 5}


@pytest.mark.django_db
def test_minutes_pdf_with_bad_input_keeps_what_was_typed(city, client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(
        progress_url(city, "minutes_pdf", METESEH),
        minutes_params(meeting_date="31-02-2025", place=" ", lpmk_name="Ibu Sri Wahyuni"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Tanggal musyawarah tidak valid" in page
    assert "Isi tempat musyawarah." in page
    assert 'value="Ibu Sri Wahyuni"' in page
    assert 'value="Budi Santoso"' in page
    assert not AuditEvent.objects.filter(action="verval.minutes_download").exists()


@pytest.mark.django_db
def test_minutes_pdf_outside_the_scope_is_404(city, client_for, officer_tugu):
    response = client_for(officer_tugu).get(
        progress_url(city, "minutes_pdf", METESEH), minutes_params()
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="verval.minutes_download").exists()


@pytest.mark.django_db
def test_bnba_xlsx_lists_the_kelurahan_with_kk_as_text(city, client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(
        progress_url(city, "minutes_bnba", METESEH), {"format": "xlsx"}
    )
    workbook = openpyxl.load_workbook(io.BytesIO(content_of(response)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("No.", "ID keluarga", "No. KK", "Kepala keluarga")
    assert [row[3] for row in rows[1:]] == [
        "Slamet Riyadi Layak",
        "Slamet Riyadi Mampu",
        "Slamet Riyadi Kembali",
        "Slamet Riyadi Tunggu",
        "Slamet Riyadi Belum",
    ]
    assert rows[1][2] == city.meteseh["Layak"].kk_number
    assert sheet.cell(row=2, column=3).data_type == "s"
    assert rows[1][9] == "Ditemukan dan masih layak"
    assert rows[5][8] == "Belum dikunjungi"
    assert AuditEvent.objects.get(action="verval.minutes_download").changes["format"] == "xlsx"


@pytest.mark.django_db
def test_bnba_csv_neutralises_formulas(city, client_for, admin_dinsos):
    from entas.registry.models import Household

    Household.objects.filter(pk=city.meteseh["Belum"].pk).update(address="=HYPERLINK(1)")
    response = client_for(admin_dinsos).get(
        progress_url(city, "minutes_bnba", METESEH), {"format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(content_of(response).decode("utf-8-sig"))))
    assert len(rows) == 6
    assert rows[5][4] == "'=HYPERLINK(1)"


@pytest.mark.django_db
def test_bnba_with_a_bad_format_is_refused_in_words(city, client_for, admin_dinsos):
    response = client_for(admin_dinsos).get(
        progress_url(city, "minutes_bnba", METESEH), {"format": "docx"}
    )
    assert response.status_code == 400
    assert "Pilih format XLSX atau CSV." in response.content.decode()
