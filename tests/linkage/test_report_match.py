"""Matching a citizen's report to the registry: the page (who may use it, what they see,
the form's Indonesian errors, the audit) and `entas linkage match`."""

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.factories import make_household, members_of

from entas.core.models import AuditEvent
from entas.linkage.commands import match as match_command
from entas.registry.models import Household

pytestmark = pytest.mark.django_db

TEMBALANG_KELURAHAN = "33.74.10.1001"
TUGU_KELURAHAN = "33.74.16.1001"
SITI_BORN = "1972-08-02"  # Siti Aminah of tests.factories


@pytest.fixture
def family(regions) -> Household:
    """Slamet Riyadi, Siti Aminah and Dwi Lestari in Tembalang."""
    return make_household(
        kelurahan_code=TEMBALANG_KELURAHAN, members=3, address="Jl. Mulawarman 5", rt="3", rw="2"
    )


@pytest.fixture
def siti(family: Household):
    return next(p for p in members_of(family) if p.full_name == "Siti Aminah")


def report(client, **fields):
    return client.post(reverse("linkage:report"), fields)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin_dinsos", 200),
        ("officer_tembalang", 200),
        ("officer_tugu", 200),
        ("opd_dinkes", 403),
        ("partner_csr", 403),
        ("leader", 403),
        ("auditor", 403),
    ],
)
def test_only_admins_and_field_officers_may_match_reports(cast, client_for, role, status) -> None:
    response = client_for(cast[role]).get(reverse("linkage:report"))

    assert response.status_code == status


def test_a_misspelt_name_with_the_birth_date_finds_the_registered_person(
    admin_dinsos, client_for, siti
) -> None:
    # given "Bu Sitti Aminah", born 2 August 1972, reported without a NIK
    client = client_for(admin_dinsos)

    # when the officer looks her up
    response = report(client, nama="Bu Sitti Aminah", tanggal_lahir=SITI_BORN, jenis_kelamin="P")

    # then Siti Aminah is the best candidate, with a link to her page
    assert response.status_code == 200
    candidates = response.context["candidates"]
    assert candidates[0].person == siti
    assert candidates[0].percent >= 50
    page = response.content.decode()
    assert reverse("registry:person", args=[siti.pk]) in page
    assert "Siti Aminah" in page


def test_an_unknown_person_is_not_registered(admin_dinsos, client_for, family) -> None:
    response = report(client_for(admin_dinsos), nama="Bambang Sutrisno", tanggal_lahir="1981-11-23")

    assert response.status_code == 200
    assert response.context["candidates"] == []
    page = response.content.decode()
    assert "Belum terdaftar" in page
    assert "diusulkan untuk verval" in page


def test_an_officer_of_another_area_does_not_see_the_candidate(
    officer_tugu, officer_tembalang, client_for, siti
) -> None:
    values = {"nama": "Siti Aminah", "tanggal_lahir": SITI_BORN}

    elsewhere = report(client_for(officer_tugu), **values)
    in_area = report(client_for(officer_tembalang), **values)

    assert elsewhere.context["candidates"] == []
    assert [c.person for c in in_area.context["candidates"]][:1] == [siti]


def test_the_reported_age_is_only_a_hint(admin_dinsos, client_for, siti) -> None:
    response = report(client_for(admin_dinsos), nama="Siti Aminah", umur="52")

    assert response.context["reported_age"] == 52
    assert "umurnya sekitar 52 tahun" in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"nama": "Siti", "nik": "33741042"}, "nik", "NIK harus terdiri dari 16 angka."),
        (
            {"nama": "Siti", "nik": "9974104208720001"},
            "nik",
            "Dua angka pertama NIK bukan kode provinsi yang dikenal.",
        ),
        ({"nama": "  "}, "nama", "Nama wajib diisi."),
        (
            {"nama": "Siti", "tanggal_lahir": "2999-01-01"},
            "tanggal_lahir",
            "Tanggal lahir tidak boleh di masa depan.",
        ),
        (
            {"nama": "Siti", "kelurahan": TUGU_KELURAHAN},
            "kelurahan",
            "Kode kelurahan 33.74.16.1001 tidak dikenal atau di luar wilayah tugas Anda.",
        ),
    ],
)
def test_bad_input_is_explained_in_indonesian(
    officer_tembalang, client_for, family, fields, field, message
) -> None:
    response = report(client_for(officer_tembalang), **fields)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert response.context["candidates"] is None
    assert not AuditEvent.objects.filter(action="linkage.report_match").exists()


def test_the_lookup_is_audited_without_the_reported_name(admin_dinsos, client_for, siti) -> None:
    report(client_for(admin_dinsos), nama="Siti Aminah", tanggal_lahir=SITI_BORN)

    event = AuditEvent.objects.get(action="linkage.report_match")
    assert event.actor == admin_dinsos
    assert "Aminah" not in event.summary
    assert event.changes["fields"] == ["birth_date", "full_name"]
    assert siti.pk in event.changes["result_ids"]


# --- the command ----------------------------------------------------------------------


def run_match(**options) -> tuple[int, str]:
    stdout = io.StringIO()
    defaults = {"limit": 10, "json": False}
    return match_command.run({**defaults, **options}, stdout), stdout.getvalue()


def test_command_finds_the_person_and_exits_0(siti) -> None:
    status, output = run_match(name="Sitti Aminah", birth_date=SITI_BORN, json=True)

    assert status == 0
    first = json.loads(output.splitlines()[0])
    assert (first["person_id"], first["full_name"], first["birth_date"]) == (
        siti.pk,
        "Siti Aminah",
        SITI_BORN,
    )


def test_command_exits_1_when_nobody_matches(family) -> None:
    status, output = run_match(name="Bambang Sutrisno", birth_date="1981-11-23")

    assert status == 1
    assert output.startswith("Belum terdaftar")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"name": "Siti", "nik": "123"}, "NIK harus terdiri dari 16 angka."),
        ({"name": ""}, "Nama wajib diisi."),
        ({"name": "Siti", "birth_date": "2.8.1972"}, "Tanggal lahir harus ditulis YYYY-MM-DD"),
        ({"name": "Siti", "sex": "X"}, "Jenis kelamin harus L atau P."),
        ({"name": "Siti", "limit": 0}, "--limit harus antara 1 dan 100."),
    ],
)
def test_command_exits_2_on_bad_input(regions, capsys, options, message) -> None:
    status, output = run_match(**options)

    assert (status, output) == (2, "")
    assert message in capsys.readouterr().err


def test_dates_in_the_future_are_refused_by_the_command(regions, capsys) -> None:
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()

    status, _output = run_match(name="Siti", birth_date=future)

    assert status == 2
    assert "masa depan" in capsys.readouterr().err
