"""Targeting pages over HTTP: who may open and act, creating and classifying periods,
freezing, comparing two periods, the BNBA and comparison exports, a family's causes and
findings, and alerts. Families are built with known expenditure, so every count is exact.

Lines in force from March to December 2025 under the default rule set (rupiah/person/month):
extreme Rp391.000, poverty (GK) Rp609.160, vulnerable below 1.2 × GK = Rp730.992.
"""

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.factories import make_household

from entas.core.models import AuditEvent
from entas.registry import choices as rc
from entas.registry.models import Household
from entas.registry.services import welfare_record
from entas.targeting import causes, services
from entas.targeting import choices as c
from entas.targeting.models import Alert, Classification, FamilyCause, FieldFinding, Period
from entas.targeting.views_periods.exports import period_export_queryset, period_export_rows

pytestmark = pytest.mark.django_db

TEMBALANG_KELURAHAN = "33.74.10.1001"  # Meteseh, kecamatan Tembalang
TUGU_KELURAHAN = "33.74.16.1001"  # Jerakah, kecamatan Tugu
ROLES = [
    "admin_dinsos",
    "officer_tembalang",
    "officer_tugu",
    "opd_dinkes",
    "partner_csr",
    "leader",
    "auditor",
]


# --- building blocks ---------------------------------------------------------------------


def family(
    expenditure: int | None,
    *,
    kelurahan: str = TEMBALANG_KELURAHAN,
    registered: dt.date = dt.date(2025, 1, 15),
    **fields: Any,
) -> Household:
    """A family of three with one welfare record dated 1 February 2025 (none if None)."""
    household = make_household(kelurahan_code=kelurahan, members=3, as_of=registered, **fields)
    if expenditure is not None:
        spend(household, expenditure, on=max(registered, dt.date(2025, 2, 1)))
    return household


def spend(household: Household, expenditure: int, *, on: dt.date) -> None:
    welfare_record(
        actor=None,
        household=household,
        as_of=on,
        source=rc.Source.DTSEN,
        values={"expenditure_per_capita": expenditure},
    )


def period(code: str, starts_on: dt.date, ends_on: dt.date, name: str = "") -> Period:
    return services.period_create(
        actor=None, code=code, name=name or code, starts_on=starts_on, ends_on=ends_on
    )


def june() -> Period:
    return period("2025-06", dt.date(2025, 6, 1), dt.date(2025, 6, 30), "Juni 2025")


def classify(target: Period) -> Period:
    services.period_classify(actor=None, period=target)
    target.refresh_from_db()
    return target


def status_of(target: Period, household: Household) -> tuple[str, str]:
    row = Classification.objects.get(period=target, household=household)
    return row.status, row.rule


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def post_for_messages(client, url: str, data: dict | None = None) -> list[str]:
    """POST, follow the redirect, and return the messages the next page shows."""
    response = client.post(url, data or {}, follow=True)
    return [str(message) for message in response.context["messages"]]


def body(response) -> bytes:
    # Reading the whole stream closes the response (the test client's wrapper does it).
    return b"".join(response.streaming_content)


def xlsx_rows(response) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


@pytest.fixture
def city(regions) -> dict[str, Household]:
    """Seven families of known expenditure: six in Tembalang, one in Tugu."""
    return {
        "extreme_a": family(300_000, surname="A", address="Jl. Mulawarman 5", rt="3", rw="1"),
        "extreme_b": family(350_000, surname="B", address="Jl. Bulusan 2", rt="1", rw="2"),
        "poor": family(500_000, surname="C"),
        "vulnerable": family(700_000, surname="D"),
        "not_poor": family(2_000_000, surname="E"),
        "no_data": family(None, surname="F"),
        "tugu": family(200_000, kelurahan=TUGU_KELURAHAN, surname="G"),
    }


@pytest.fixture
def classified(city) -> Period:
    return classify(june())


# --- who may open what -------------------------------------------------------------------

# page: expected status per role, in ROLES order. The family is in Tembalang.
EXPECTED = {
    "index": [200, 200, 200, 403, 403, 200, 403],
    "period_create": [200, 403, 403, 403, 403, 403, 403],
    "period": [200, 200, 200, 403, 403, 200, 403],
    "compare": [200, 200, 200, 403, 403, 200, 403],
    "compare_export": [200, 200, 200, 403, 403, 200, 403],
    "period_export": [200, 200, 200, 200, 200, 403, 403],
    "household": [200, 200, 404, 404, 404, 403, 403],
    "alerts": [200, 403, 403, 403, 403, 403, 403],
}
CASES = [
    (page, role, status)
    for page, statuses in EXPECTED.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


def page_url(page: str, target: Period, household: Household) -> str:
    if page in ("period", "period_export"):
        url = reverse(f"targeting:{page}", args=[target.code])
        return url + ("?format=xlsx" if page == "period_export" else "")
    if page == "household":
        return reverse("targeting:household", args=[household.pk])
    if page in ("compare", "compare_export"):
        return reverse(f"targeting:{page}") + f"?a=2025-03&b={target.code}&format=csv"
    return reverse(f"targeting:{page}")


@pytest.fixture
def two_periods(classified) -> Period:
    classify(period("2025-03", dt.date(2025, 3, 1), dt.date(2025, 3, 31)))
    return classified


@pytest.mark.parametrize(("page", "role", "status"), CASES)
def test_role_gets_expected_status(page, role, status, cast, client_for, two_periods, city):
    url = page_url(page, two_periods, city["extreme_a"])

    response = client_for(cast[role]).get(url)

    assert response.status_code == status


# action: expected status per role for a POST, in ROLES order (the family is in Tembalang).
EXPECTED_POST = {
    "period_classify": [302, 403, 403, 403, 403, 403, 403],
    "period_freeze": [302, 403, 403, 403, 403, 403, 403],
    "household_cause": [302, 302, 404, 403, 403, 403, 403],
    "household_finding": [302, 403, 403, 403, 403, 403, 403],
}


@pytest.mark.parametrize(
    ("action", "role", "status"),
    [
        (action, role, status)
        for action, statuses in EXPECTED_POST.items()
        for role, status in zip(ROLES, statuses, strict=True)
    ],
)
def test_role_may_act(action, role, status, cast, client_for, classified, city):
    household = city["extreme_a"]
    url, data = {
        "period_classify": (reverse("targeting:period_classify", args=["2025-06"]), {}),
        "period_freeze": (reverse("targeting:period_freeze", args=["2025-06"]), {}),
        "household_cause": (
            reverse("targeting:household_cause", args=[household.pk]),
            {"cause": c.Cause.JOB_LOSS, "present": "1", "note": "PHK pabrik"},
        ),
        "household_finding": (
            reverse("targeting:household_finding", args=[household.pk]),
            {"outcome": c.FindingOutcome.ELIGIBLE, "observed_on": "2025-06-10"},
        ),
    }[action]

    response = client_for(cast[role]).post(url, data)

    assert response.status_code == status


def test_pages_refuse_get_for_actions(client_for, admin_dinsos, classified):
    response = client_for(admin_dinsos).get(reverse("targeting:period_classify", args=["2025-06"]))

    assert response.status_code == 405


def test_unknown_period_is_404(client_for, admin_dinsos, regions):
    response = client_for(admin_dinsos).get(reverse("targeting:period", args=["1999-01"]))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["index", "alerts", "compare"])
def test_anonymous_is_sent_to_sign_in(client, regions, name):
    response = client.get(reverse(f"targeting:{name}"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


# --- periods -----------------------------------------------------------------------------


def test_create_period_from_the_web(client_for, admin_dinsos):
    response = client_for(admin_dinsos).post(
        reverse("targeting:period_create"),
        {
            "code": "2025-06",
            "name": "Juni 2025",
            "starts_on": "2025-06-01",
            "ends_on": "30-06-2025",
        },
    )

    created = Period.objects.get(code="2025-06")
    assert response.status_code == 302
    assert response["Location"] == reverse("targeting:period", args=["2025-06"])
    assert (created.name, created.starts_on, created.ends_on, created.state) == (
        "Juni 2025",
        dt.date(2025, 6, 1),
        dt.date(2025, 6, 30),
        c.PeriodState.OPEN,
    )
    assert messages_of(response) == ["Periode Juni 2025 dibuat."]
    event = AuditEvent.objects.get(action="targeting.period_create")
    assert (event.actor, event.target_id) == (admin_dinsos, str(created.pk))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"code": "2025 06!", "starts_on": "2025-06-01", "ends_on": "2025-06-30"},
            "Kode periode hanya boleh huruf, angka, “-” dan “_” (paling panjang 20).",
        ),
        (
            {"code": "2025-07", "starts_on": "2025-07-31", "ends_on": "2025-07-01"},
            "Tanggal akhir periode tidak boleh sebelum tanggal mulai.",
        ),
        (
            {"code": "2025-06", "starts_on": "2025-06-01", "ends_on": "2025-06-30"},
            "Periode dengan kode “2025-06” sudah ada.",
        ),
        (
            {"code": "2025-08", "starts_on": "31-02-2025", "ends_on": "2025-08-31"},
            "Tanggal mulai tidak valid; tulis seperti 01-02-2025.",
        ),
        (
            {"code": "", "starts_on": "2025-08-01", "ends_on": "2025-08-31"},
            "Isi kode periode.",
        ),
        (
            {"code": "2025-08", "starts_on": "2025-08-01", "ends_on": ""},
            "Isi tanggal akhir periode: data per tanggal ini yang diklasifikasi.",
        ),
    ],
)
def test_bad_period_input_is_explained_and_changes_nothing(client_for, admin_dinsos, data, message):
    june()
    before = list(Period.objects.values_list("code", "name", "starts_on", "ends_on"))

    response = client_for(admin_dinsos).post(reverse("targeting:period_create"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(Period.objects.values_list("code", "name", "starts_on", "ends_on")) == before
    assert AuditEvent.objects.filter(action="targeting.period_create").count() == 1


def test_index_lists_periods_with_counts_and_open_alerts(client_for, leader, classified):
    response = client_for(leader).get(reverse("targeting:index"))

    assert response.status_code == 200
    assert response.context["periods"] == [(classified, [3, 1, 1, 1, 1, 0])]
    assert response.context["open_alerts"] == 0
    assert response.context["can_manage"] is False
    assert f'action="{reverse("targeting:period_create")}"' not in response.content.decode()


def test_classify_from_the_web_counts_each_status(client_for, admin_dinsos, city):
    june()

    response = client_for(admin_dinsos).post(reverse("targeting:period_classify", args=["2025-06"]))

    target = Period.objects.get(code="2025-06")
    assert response.status_code == 302
    assert messages_of(response) == [
        "Periode Juni 2025 diklasifikasi: 7 keluarga (Miskin ekstrem 3, Miskin 1, "
        "Rentan miskin 1, Tidak miskin 1, Belum dapat dinilai 1, Keluar dari daftar 0)."
    ]
    assert target.summary["counts"] == {
        "ekstrem": 3,
        "miskin": 1,
        "rentan": 1,
        "tidak_miskin": 1,
        "tanpa_data": 1,
        "keluar": 0,
    }
    assert status_of(target, city["vulnerable"]) == ("rentan", "pengeluaran")
    assert status_of(target, city["no_data"]) == ("tanpa_data", "tanpa_data")
    assert (
        AuditEvent.objects.filter(action="targeting.period_classify", actor=admin_dinsos).count()
        == 1
    )


def test_period_page_counts_per_kecamatan_and_kelurahan(client_for, admin_dinsos, classified):
    response = client_for(admin_dinsos).get(reverse("targeting:period", args=["2025-06"]))

    kecamatan = [(r.code, r.name, r.columns) for r in response.context["kecamatan"]]
    kelurahan = [(r.code, r.name, r.parent, r.columns) for r in response.context["kelurahan"]]
    assert kecamatan == [
        ("33.74.10", "Tembalang", [2, 1, 1, 1, 1, 0]),
        ("33.74.16", "Tugu", [1, 0, 0, 0, 0, 0]),
    ]
    assert kelurahan == [
        (TEMBALANG_KELURAHAN, "Meteseh", "Tembalang", [2, 1, 1, 1, 1, 0]),
        (TUGU_KELURAHAN, "Jerakah", "Tugu", [1, 0, 0, 0, 0, 0]),
    ]
    assert response.context["total"].columns == [3, 1, 1, 1, 1, 0]
    assert response.context["lines"] == [
        "Garis kemiskinan ekstrem Rp391.000/orang/bulan (USD 2.15 PPP 2017, Indonesia, "
        "berlaku sejak 2025-01-01, versi 1)",
        "Garis kemiskinan (GK) Rp609.160/orang/bulan (Garis kemiskinan BPS, Indonesia, "
        "berlaku sejak 2025-03-01, versi 1)",
    ]
    assert response.context["graduations"] == 0
    assert "Aturan bawaan versi 1" in response.content.decode()


def test_field_officer_counts_only_their_area(client_for, officer_tugu, classified):
    response = client_for(officer_tugu).get(reverse("targeting:period", args=["2025-06"]))

    assert [r.code for r in response.context["kecamatan"]] == ["33.74.16"]
    assert [r.code for r in response.context["kelurahan"]] == [TUGU_KELURAHAN]
    assert response.context["total"].columns == [1, 0, 0, 0, 0, 0]
    assert "Tembalang" not in response.content.decode()


def test_classify_without_a_line_in_force_says_so_and_writes_nothing(
    client_for, admin_dinsos, city
):
    period("2019-12", dt.date(2019, 12, 1), dt.date(2019, 12, 31))

    response = client_for(admin_dinsos).post(reverse("targeting:period_classify", args=["2019-12"]))

    target = Period.objects.get(code="2019-12")
    assert response.status_code == 302
    assert messages_of(response) == [
        "Tidak ada garis kemiskinan ekstrem (USD 2.15 PPP 2017) yang berlaku pada 2019-12-31. "
        "Tambahkan garisnya di halaman Garis kemiskinan, atau pakai aturan dengan dasar garis "
        "yang lain."
    ]
    assert (target.classified_at, target.summary) == (None, {})
    assert not Classification.objects.exists()


def test_frozen_period_refuses_classification(client_for, admin_dinsos, classified, city):
    client = client_for(admin_dinsos)
    freeze = post_for_messages(client, reverse("targeting:period_freeze", args=["2025-06"]))
    spend(city["extreme_a"], 5_000_000, on=dt.date(2025, 6, 15))
    classified_at = Period.objects.get(code="2025-06").classified_at

    refused = post_for_messages(client, reverse("targeting:period_classify", args=["2025-06"]))

    target = Period.objects.get(code="2025-06")
    assert freeze == ["Periode Juni 2025 dibekukan; hasilnya tidak akan berubah lagi."]
    assert refused == ["Periode Juni 2025 sudah dibekukan; hasilnya tidak dapat diubah."]
    assert (target.state, target.classified_at) == (c.PeriodState.FROZEN, classified_at)
    assert status_of(target, city["extreme_a"]) == ("ekstrem", "pengeluaran")
    assert AuditEvent.objects.filter(action="targeting.period_freeze").count() == 1


def test_unclassified_period_cannot_be_frozen(client_for, admin_dinsos, regions):
    june()

    response = client_for(admin_dinsos).post(reverse("targeting:period_freeze", args=["2025-06"]))

    assert messages_of(response) == ["Periode yang belum diklasifikasi tidak dapat dibekukan."]
    assert Period.objects.get(code="2025-06").state == c.PeriodState.OPEN


# --- comparing two periods ---------------------------------------------------------------


@pytest.fixture
def three_periods(regions) -> dict[str, Period]:
    """March, June and December 2025, with families whose welfare changes in between.

    Compared June (A) with December (B), in Meteseh: `leaves_better` and `moves_away` leave
    (B's status tidak_miskin / keluar), `falls` and `newcomer` enter, `returns` comes back
    (extreme in March, vulnerable in June); in Jerakah `stays` stays.
    """
    leaves_better = family(300_000, surname="Naik")
    moves_away = family(350_000, surname="Pindah")
    falls = family(500_000, surname="Turun")
    returns = family(300_000, surname="Kembali")
    stays = family(200_000, kelurahan=TUGU_KELURAHAN, surname="Tetap")
    family(2_000_000, surname="Mampu")
    spend(returns, 700_000, on=dt.date(2025, 4, 1))
    march = classify(period("2025-03", dt.date(2025, 3, 1), dt.date(2025, 3, 31), "Maret 2025"))
    first = classify(june())
    spend(leaves_better, 1_000_000, on=dt.date(2025, 7, 1))
    spend(falls, 300_000, on=dt.date(2025, 7, 1))
    spend(returns, 250_000, on=dt.date(2025, 7, 1))
    services.finding_record(
        actor=None, household=moves_away, outcome=c.FindingOutcome.MOVED,
        observed_on=dt.date(2025, 9, 1),
    )  # fmt: skip
    family(100_000, registered=dt.date(2025, 8, 1), surname="Baru")
    second = classify(
        period("2025-12", dt.date(2025, 12, 1), dt.date(2025, 12, 31), "Desember 2025")
    )
    assert status_of(first, stays) == ("ekstrem", "pengeluaran")
    return {"march": march, "june": first, "december": second}


def moves_of(row) -> tuple:
    moves, reasons = row
    return (
        moves.code, moves.in_a, moves.in_b, moves.entered, moves.came_back, moves.left,
        moves.stayed, reasons,
    )  # fmt: skip


def test_compare_counts_who_entered_left_stayed_and_came_back(client_for, leader, three_periods):
    # Chosen in reverse order: A is always the older period.
    response = client_for(leader).get(
        reverse("targeting:compare"), {"a": "2025-12", "b": "2025-06"}
    )

    comparison = response.context["comparison"]
    assert response.status_code == 200
    assert (comparison.first.code, comparison.second.code) == ("2025-06", "2025-12")
    assert moves_of(response.context["total"]) == (
        "", 3, 4, 2, 1, 2, 1, "Tidak miskin 1, Keluar dari daftar 1"
    )  # fmt: skip
    assert [moves_of(row) for row in response.context["kecamatan"]] == [
        ("33.74.10", 2, 3, 2, 1, 2, 0, "Tidak miskin 1, Keluar dari daftar 1"),
        ("33.74.16", 1, 1, 0, 0, 0, 1, ""),
    ]
    assert [moves_of(row) for row in response.context["kelurahan"]] == [
        (TEMBALANG_KELURAHAN, 2, 3, 2, 1, 2, 0, "Tidak miskin 1, Keluar dari daftar 1"),
        (TUGU_KELURAHAN, 1, 1, 0, 0, 0, 1, ""),
    ]
    assert "Juni 2025 (A) dibanding Desember 2025 (B)" in response.content.decode()


def test_field_officer_compares_only_their_area(client_for, officer_tembalang, three_periods):
    response = client_for(officer_tembalang).get(
        reverse("targeting:compare"), {"a": "2025-06", "b": "2025-12"}
    )

    assert moves_of(response.context["total"]) == (
        "", 2, 3, 2, 1, 2, 0, "Tidak miskin 1, Keluar dari daftar 1"
    )  # fmt: skip
    assert [row[0].code for row in response.context["kecamatan"]] == ["33.74.10"]
    assert [row[0].code for row in response.context["kelurahan"]] == [TEMBALANG_KELURAHAN]


def test_compare_fragment_for_htmx(client_for, leader, three_periods):
    response = client_for(leader).get(
        reverse("targeting:compare"), {"a": "2025-06", "b": "2025-12"}, HTTP_HX_REQUEST="true"
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'id="compare-kecamatan"' in content
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"a": "2025-06", "b": "2025-06"}, "Pilih dua periode yang berbeda untuk dibandingkan."),
        ({"a": "2025-06", "b": "2031-01"}, "Periode 2031-01 tidak ada atau belum diklasifikasi."),
        ({"a": "2025-06"}, "Pilih periode B."),
    ],
)
def test_compare_refuses_bad_choices(client_for, leader, three_periods, query, message):
    response = client_for(leader).get(reverse("targeting:compare"), query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["comparison"] is None


def test_compare_export_holds_the_same_tables(client_for, leader, three_periods):
    client = client_for(leader)
    query = {"a": "2025-06", "b": "2025-12"}

    workbook = xlsx_rows(
        client.get(reverse("targeting:compare_export"), query | {"format": "xlsx"})
    )
    text = csv_rows(client.get(reverse("targeting:compare_export"), query | {"format": "csv"}))

    assert workbook[0] == (
        "Tingkat", "Kode wilayah", "Wilayah", "Di periode A", "Di periode B", "Masuk (baru)",
        "Kembali masuk", "Keluar", "Tetap", "Keluar: Miskin", "Keluar: Rentan miskin",
        "Keluar: Tidak miskin", "Keluar: Belum dapat dinilai", "Keluar: Keluar dari daftar",
        "Keluar: Tidak tercatat di periode B",
    )  # fmt: skip
    assert workbook[1:] == [
        ("Kecamatan", "33.74.10", "Tembalang", 2, 3, 2, 1, 2, 0, 0, 0, 1, 0, 1, 0),
        ("Kecamatan", "33.74.16", "Tugu", 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0),
        ("Kelurahan", TEMBALANG_KELURAHAN, "Meteseh", 2, 3, 2, 1, 2, 0, 0, 0, 1, 0, 1, 0),
        ("Kelurahan", TUGU_KELURAHAN, "Jerakah", 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0),
        ("Jumlah", None, "Seluruh wilayah", 3, 4, 2, 1, 2, 1, 0, 0, 1, 0, 1, 0),
    ]
    assert text == [[str(cell) if cell is not None else "" for cell in row] for row in workbook]
    assert AuditEvent.objects.filter(action="targeting.compare_export").count() == 2


def test_compare_export_refuses_an_unknown_format(client_for, leader, three_periods):
    response = client_for(leader).get(
        reverse("targeting:compare_export"), {"a": "2025-06", "b": "2025-12", "format": "pdf"}
    )

    assert response.status_code == 400
    assert "Format pdf tidak dikenal; pilih XLSX atau CSV." in response.content.decode()
    assert not AuditEvent.objects.filter(action="targeting.compare_export").exists()


# --- the BNBA export of a period -----------------------------------------------------------

EXPORT_HEADER = (
    "ID keluarga", "No. KK", "Kepala keluarga", "Alamat", "RT", "RW", "Kelurahan", "Kecamatan",
    "Status", "Aturan", "Pengeluaran per kapita (Rp/bulan)", "Desil", "Skor proksi",
    "Peringkat skor (0 termiskin)", "Kandidat verval", "Penyebab", "Penjelasan",
)  # fmt: skip
EXPLAINED_300K = (
    "Pengeluaran per kapita Rp300.000/bulan (sumber DTSEN, data per 2025-02-01). "
    "Di bawah Garis kemiskinan ekstrem Rp391.000/orang/bulan (USD 2.15 PPP 2017, Indonesia, "
    "berlaku sejak 2025-01-01, versi 1). Aturan: Aturan bawaan versi 1; periode Juni 2025 "
    "(acuan 2025-06-30)."
)


def test_export_lists_the_extremely_poor_by_name_and_address(
    client_for, admin_dinsos, classified, city
):
    extreme_a = city["extreme_a"]

    response = client_for(admin_dinsos).get(
        reverse("targeting:period_export", args=["2025-06"]),
        {"format": "xlsx", "status": "ekstrem"},
    )

    rows = xlsx_rows(response)
    assert response["Content-Disposition"].startswith(
        'attachment; filename="sasaran-2025-06-ekstrem-'
    )
    assert response["Cache-Control"] == "no-store"
    assert rows[0] == EXPORT_HEADER
    assert [row[0] for row in rows[1:]] == [extreme_a.pk, city["extreme_b"].pk, city["tugu"].pk]
    first = rows[1]
    assert first[:12] == (
        extreme_a.pk, extreme_a.kk_number, "Slamet Riyadi A", "Jl. Mulawarman 5", "003", "001",
        "Meteseh", "Tembalang", "Miskin ekstrem", "Pengeluaran per kapita dibanding garis",
        300_000, None,
    )  # fmt: skip
    # No housing data, so no proxy-means score (and no step about it).
    assert first[12:15] == (None, None, "Tidak")
    assert first[15] == "Tidak ada anggota yang bekerja"
    assert first[16] == EXPLAINED_300K
    event = AuditEvent.objects.get(action="targeting.period_export")
    assert (event.actor, event.target_id) == (admin_dinsos, str(classified.pk))
    assert event.changes == {"status": "ekstrem", "format": "xlsx", "count": 3}


def test_export_of_a_field_officer_holds_only_their_area_as_csv(
    client_for, officer_tugu, classified, city
):
    response = client_for(officer_tugu).get(
        reverse("targeting:period_export", args=["2025-06"]), {"format": "csv"}
    )

    rows = csv_rows(response)
    assert rows[0] == list(EXPORT_HEADER)
    assert [(row[0], row[1], row[6], row[8]) for row in rows[1:]] == [
        (str(city["tugu"].pk), city["tugu"].kk_number, "Jerakah", "Miskin ekstrem")
    ]
    assert AuditEvent.objects.get(action="targeting.period_export").changes == {
        "status": "", "format": "csv", "count": 1,
    }  # fmt: skip


def test_export_queries_do_not_grow_with_the_rows(client_for, admin_dinsos, classified):
    client = client_for(admin_dinsos)
    url = reverse("targeting:period_export", args=["2025-06"])

    with CaptureQueriesContext(connection) as few:
        body(client.get(url, {"format": "csv"}))
    for surname in ("H", "I", "J", "K"):
        family(100_000, surname=surname)
    classify(classified)
    with CaptureQueriesContext(connection) as more:
        response = client.get(url, {"format": "csv"})
        rows = csv_rows(response)

    assert len(rows) == 1 + 7 + 4
    assert len(more.captured_queries) == len(few.captured_queries)


def test_export_masks_the_kk_for_roles_that_may_not_see_it(partner_csr, classified, city):
    # A partner's scope holds no family yet (referrals come with interventions), so the rows
    # are those of the whole period here, to see the masking itself.
    everyone = period_export_queryset(user=partner_csr, period=classified, status="ekstrem")
    assert not everyone.exists()
    rows = Classification.objects.filter(period=classified, household=city["tugu"]).select_related(
        "household", "finding", "extreme_line", "poverty_line"
    )

    exported = list(period_export_rows(user=partner_csr, period=classified, rows=rows))

    kk = city["tugu"].kk_number
    assert [row[1] for row in exported] == [kk[:4] + "********" + kk[12:]]


def test_export_refuses_an_unknown_format(client_for, admin_dinsos, classified):
    response = client_for(admin_dinsos).get(
        reverse("targeting:period_export", args=["2025-06"]), {"format": "pdf", "status": "x"}
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "Format pdf tidak dikenal; pilih XLSX atau CSV." in content
    assert "Status x tidak dikenal." in content
    assert not AuditEvent.objects.filter(action="targeting.period_export").exists()


# --- a family: statuses, causes, findings --------------------------------------------------


def test_household_page_explains_each_period(client_for, officer_tembalang, classified, city):
    household = city["extreme_a"]

    response = client_for(officer_tembalang).get(
        reverse("targeting:household", args=[household.pk])
    )

    [(row, explanation)] = response.context["classifications"]
    assert (row.period, explanation.status_label) == (classified, "Miskin ekstrem")
    assert (
        explanation.steps[0]
        == "Pengeluaran per kapita Rp300.000/bulan (sumber DTSEN, data per 2025-02-01)."
    )
    assert [cause.cause for cause in response.context["causes"]] == [c.Cause.NO_WORKER]
    event = AuditEvent.objects.get(action="household.view", trail=household.trail)
    assert (event.actor, event.summary) == (officer_tembalang, "Membuka status sasaran keluarga")


def test_registry_household_page_links_to_targeting(client_for, admin_dinsos, city):
    household = city["extreme_a"]

    response = client_for(admin_dinsos).get(reverse("registry:household", args=[household.pk]))

    assert reverse("targeting:household", args=[household.pk]) in response.content.decode()


def test_the_cause_and_finding_notes_have_their_own_ids_and_labels(client_for, admin_dinsos, city):
    household = city["extreme_a"]

    page = client_for(admin_dinsos).get(reverse("targeting:household", args=[household.pk]))

    html = page.content.decode()
    for form in ("cause", "finding"):
        assert html.count(f'id="{form}_note"') == 1
        assert html.count(f'for="{form}_note"') == 1
    assert 'id="id_note"' not in html


def test_officer_edits_causes_audited_and_kept_through_reclassification(
    client_for, officer_tembalang, classified, city
):
    household = city["extreme_a"]
    client = client_for(officer_tembalang)
    url = reverse("targeting:household_cause", args=[household.pk])

    removed = post_for_messages(
        client, url, {"cause": c.Cause.NO_WORKER, "present": "0", "note": "Anak bekerja harian"}
    )
    added = post_for_messages(
        client, url, {"cause": c.Cause.JOB_LOSS, "present": "1", "note": "PHK pabrik"}
    )
    classify(classified)

    assert removed == ["Penyebab “Tidak ada anggota yang bekerja” dihapus."]
    assert added == ["Penyebab “Kehilangan pekerjaan (PHK)” ditambahkan."]
    assert [cause.cause for cause in causes.household_causes(household.pk)] == [c.Cause.JOB_LOSS]
    assert set(
        FamilyCause.objects.filter(household=household).values_list(
            "cause", "source", "is_present", "note"
        )
    ) == {
        (c.Cause.NO_WORKER, c.CauseSource.MANUAL, False, "Anak bekerja harian"),
        (c.Cause.JOB_LOSS, c.CauseSource.MANUAL, True, "PHK pabrik"),
    }
    events = AuditEvent.objects.filter(action="targeting.cause_set", trail=household.trail)
    assert sorted((e.actor.username, e.changes["is_present"][1], e.reason) for e in events) == [
        ("officer_tembalang", False, "Anak bekerja harian"),
        ("officer_tembalang", True, "PHK pabrik"),
    ]


def test_other_cause_needs_a_note(client_for, officer_tembalang, classified, city):
    household = city["extreme_a"]

    response = client_for(officer_tembalang).post(
        reverse("targeting:household_cause", args=[household.pk]),
        {"cause": c.Cause.OTHER, "present": "1", "note": "  "},
    )

    assert response.status_code == 400
    assert "Jelaskan penyebab “lainnya” di catatan." in response.content.decode()
    assert not FamilyCause.objects.filter(household=household, cause=c.Cause.OTHER).exists()
    assert not AuditEvent.objects.filter(action="targeting.cause_set").exists()


def test_recorded_finding_overrides_the_status_at_the_next_classification(
    client_for, admin_dinsos, classified, city
):
    household = city["extreme_a"]
    client = client_for(admin_dinsos)

    response = client.post(
        reverse("targeting:household_finding", args=[household.pk]),
        {"outcome": c.FindingOutcome.NOW_ABLE, "observed_on": "2025-06-10", "note": "Usaha jalan"},
    )
    client.post(reverse("targeting:period_classify", args=["2025-06"]))
    page = client.get(reverse("targeting:household", args=[household.pk]))

    finding = FieldFinding.objects.get(household=household)
    assert messages_of(response) == [
        "Temuan lapangan dicatat; berlaku pada klasifikasi berikutnya."
    ]
    assert (finding.outcome, finding.source, finding.recorded_by, finding.note) == (
        c.FindingOutcome.NOW_ABLE, c.FindingSource.MANUAL, admin_dinsos, "Usaha jalan"
    )  # fmt: skip
    assert status_of(classified, household) == ("tidak_miskin", "temuan")
    [(_row, explanation)] = page.context["classifications"]
    assert explanation.steps[0] == (
        "Temuan lapangan “Sudah mampu” pada 2025-06-10 (Dicatat petugas Dinsos) "
        "mengesampingkan data."
    )
    assert (
        AuditEvent.objects.filter(action="targeting.finding_record", trail=household.trail).count()
        == 1
    )


def test_finding_in_the_future_is_refused(client_for, admin_dinsos, classified, city):
    household = city["extreme_a"]
    tomorrow = timezone.localdate() + dt.timedelta(days=2)

    response = client_for(admin_dinsos).post(
        reverse("targeting:household_finding", args=[household.pk]),
        {"outcome": c.FindingOutcome.MOVED, "observed_on": tomorrow.isoformat()},
    )

    assert response.status_code == 400
    assert "Tanggal kunjungan tidak boleh di masa depan." in response.content.decode()
    assert not FieldFinding.objects.exists()


# --- graduation, reappearance, alerts -----------------------------------------------------


@pytest.fixture
def reappeared(regions) -> Alert:
    """Extreme in March; found "sudah mampu" in June, so better off in June and September
    and graduated in September; found "layak" again in November: extreme in December."""
    household = family(300_000, surname="Graduasi")
    classify(period("2025-03", dt.date(2025, 3, 1), dt.date(2025, 3, 31), "Maret 2025"))
    services.finding_record(
        actor=None, household=household, outcome=c.FindingOutcome.NOW_ABLE,
        observed_on=dt.date(2025, 6, 10),
    )  # fmt: skip
    classify(june())
    september = period("2025-09", dt.date(2025, 9, 1), dt.date(2025, 9, 30), "September 2025")
    classify(september)
    services.finding_record(
        actor=None, household=household, outcome=c.FindingOutcome.ELIGIBLE,
        observed_on=dt.date(2025, 11, 1),
    )  # fmt: skip
    classify(period("2025-12", dt.date(2025, 12, 1), dt.date(2025, 12, 31), "Desember 2025"))
    return Alert.objects.get(household=household)


def test_graduation_and_alert_show_on_the_pages(client_for, admin_dinsos, reappeared):
    client = client_for(admin_dinsos)

    september = client.get(reverse("targeting:period", args=["2025-09"]))
    household = client.get(reverse("targeting:household", args=[reappeared.household_id]))
    index = client.get(reverse("targeting:index"))
    alerts = client.get(reverse("targeting:alerts"))

    assert september.context["graduations"] == 1
    assert [g.period.code for g in household.context["graduations"]] == ["2025-09"]
    assert list(household.context["alerts"]) == [reappeared]
    assert index.context["open_alerts"] == 1
    assert list(alerts.context["page"].object_list) == [reappeared]
    assert reappeared.message == (
        "Keluarga ini graduasi pada periode September 2025, tetapi muncul lagi di klasifikasi "
        "periode Desember 2025."
    )
    assert reappeared.message in alerts.content.decode()


def test_alert_resolved_with_a_note(client_for, admin_dinsos, reappeared):
    client = client_for(admin_dinsos)
    url = reverse("targeting:alert_resolve", args=[reappeared.pk])

    empty = post_for_messages(client, url, {"note": "   "})
    still_open = Alert.objects.get(pk=reappeared.pk).resolved_at
    done = post_for_messages(client, url, {"note": "Dikunjungi; usaha tutup, kembali ke daftar."})
    again = post_for_messages(client, url, {"note": "Lagi"})

    alert = Alert.objects.get(pk=reappeared.pk)
    assert empty == ["Tuliskan apa yang dilakukan terhadap peringatan ini."]
    assert still_open is None
    assert done == ["Peringatan ditandai sudah ditangani."]
    assert (alert.resolved_by, alert.resolution_note) == (
        admin_dinsos, "Dikunjungi; usaha tutup, kembali ke daftar."
    )  # fmt: skip
    assert again == ["Peringatan ini sudah ditangani."]
    assert AuditEvent.objects.filter(action="targeting.alert_resolve").count() == 1
    assert client.get(reverse("targeting:alerts")).context["open_count"] == 0


def test_alert_outside_the_users_scope_is_404(client_for, admin_dinsos, reappeared, settings):
    settings.ENTAS_REGION_CODE = "33.71"  # another city: its admin sees none of Semarang

    response = client_for(admin_dinsos).post(
        reverse("targeting:alert_resolve", args=[reappeared.pk]), {"note": "x"}
    )

    assert response.status_code == 404
    assert Alert.objects.get(pk=reappeared.pk).resolved_at is None
