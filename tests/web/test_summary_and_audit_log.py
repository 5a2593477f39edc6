"""The aggregate summary (no names) and the auditors' log with its filters."""

import datetime as dt

import pytest
from django.urls import reverse
from tests.factories import head_of, make_household

from entas.core.models import AuditEvent
from entas.core.services import audit_record
from entas.registry import choices as c
from entas.registry.services import welfare_record

pytestmark = pytest.mark.django_db
SUMMARY = reverse("registry:summary")
AUDIT_LOG = reverse("accounts:audit_log")


@pytest.fixture
def families(admin_dinsos, regions):
    """Two families in Tembalang (desil 1 and none), one in Tugu (desil 3)."""
    first = make_household(kelurahan_code="33.74.10.1001", members=3)
    make_household(kelurahan_code="33.74.10.1002", members=2)
    tugu = make_household(kelurahan_code="33.74.16.1001", members=4)
    for household, desil in [(first, 1), (tugu, 3)]:
        welfare_record(
            actor=admin_dinsos,
            household=household,
            as_of=dt.date(2025, 1, 10),
            source=c.Source.DTSEN,
            values={"desil": desil},
        )


def rows_by_code(response) -> dict[str, tuple]:
    return {
        row.code: (row.active_households, row.persons, row.desil_columns)
        for row in response.context["rows"]
    }


def test_leader_sees_every_kecamatan(leader, client_for, families):
    response = client_for(leader).get(SUMMARY)

    rows = rows_by_code(response)
    assert len(rows) == 16
    assert rows["33.74.10"] == (2, 5, [1, 0, 0, 0, 0, 1])
    assert rows["33.74.16"] == (1, 4, [0, 0, 1, 0, 0, 0])
    assert rows["33.74.01"] == (0, 0, [0, 0, 0, 0, 0, 0])
    assert response.context["total"].persons == 9


def test_kecamatan_drills_down_to_kelurahan(admin_dinsos, client_for, families):
    response = client_for(admin_dinsos).get(SUMMARY, {"kecamatan": "33.74.10"})

    rows = rows_by_code(response)
    assert rows["33.74.10.1001"] == (1, 3, [1, 0, 0, 0, 0, 0])
    assert rows["33.74.10.1002"] == (1, 2, [0, 0, 0, 0, 0, 1])
    assert all(code.startswith("33.74.10.") for code in rows)


def test_field_officer_counts_only_their_area(officer_tembalang, client_for, families):
    response = client_for(officer_tembalang).get(SUMMARY)

    assert rows_by_code(response) == {"33.74.10": (2, 5, [1, 0, 0, 0, 0, 1])}


def test_unknown_kecamatan_gets_an_indonesian_reason(leader, client_for, regions):
    response = client_for(leader).get(SUMMARY, {"kecamatan": "33.99.99"})

    assert response.status_code == 200
    assert "Kode kecamatan 33.99.99 tidak dikenal di wilayah ini." in response.text
    assert response.context["rows"] == []


def test_summary_has_no_names(leader, client_for, families):
    response = client_for(leader).get(SUMMARY, {"kecamatan": "33.74.10"})

    assert "Slamet" not in response.text


# --- audit log -----------------------------------------------------------------------


@pytest.fixture
def events(admin_dinsos, officer_tembalang, client_for, tembalang_household):
    client_for(officer_tembalang).get(reverse("registry:household", args=[tembalang_household.pk]))
    client_for(admin_dinsos).get(reverse("registry:person", args=[head_of(tembalang_household).pk]))
    old = audit_record(actor=admin_dinsos, action="registry.search", summary="lama")
    AuditEvent.objects.filter(pk=old.pk).update(at=dt.datetime(2024, 5, 1, 2, tzinfo=dt.UTC))
    return tembalang_household


def logged_actions(response) -> list[str]:
    return [event.action for event in response.context["page"].events]


@pytest.mark.parametrize(
    ("params", "actions"),
    [
        ({"pelaku": "officer_tembalang"}, ["household.view"]),
        ({"tindakan": "person."}, ["person.view"]),
        ({"tindakan": "registry.search"}, ["registry.search"]),
        ({"dari": "2024-05-01", "sampai": "01-05-2024"}, ["registry.search"]),
        ({"sampai": "30/04/2024"}, []),
    ],
)
def test_audit_log_filters(params, actions, auditor, client_for, events):
    response = client_for(auditor).get(AUDIT_LOG, params)

    assert logged_actions(response) == actions


def test_audit_log_target_filter(auditor, client_for, events):
    household_events = client_for(auditor).get(AUDIT_LOG, {"sasaran": f"keluarga:{events.pk}"})
    person_events = client_for(auditor).get(
        AUDIT_LOG, {"sasaran": f"individu:{head_of(events).pk}"}
    )

    assert logged_actions(household_events) == [
        "person.view",
        "household.view",
        "household.register",
    ]
    assert logged_actions(person_events) == ["person.view"]


def test_audit_log_newest_first_and_paginated(auditor, admin_dinsos, client_for, regions):
    for number in range(55):
        audit_record(actor=admin_dinsos, action="registry.search", summary=f"cari {number}")
    client = client_for(auditor)

    first = client.get(AUDIT_LOG, {"tindakan": "registry.search"})
    second = client.get(AUDIT_LOG, {"tindakan": "registry.search", "page": 2})

    assert first.context["page"].events[0].summary == "cari 54"
    assert (len(first.context["page"].events), first.context["page"].has_next) == (50, True)
    assert (len(second.context["page"].events), second.context["page"].has_next) == (5, False)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"dari": "2025-13-01"}, "Tanggal tidak valid; tulis seperti 31-12-2025."),
        (
            {"dari": "2025-02-01", "sampai": "2025-01-01"},
            "Tanggal akhir tidak boleh sebelum tanggal awal.",
        ),
        ({"sasaran": "keluarga"}, "Tulis sasaran seperti keluarga:42 atau individu:17."),
        (
            {"tindakan": "DROP TABLE"},
            "Kode tindakan hanya berisi huruf kecil, titik dan garis bawah.",
        ),
    ],
)
def test_audit_log_bad_filter_gets_an_indonesian_reason(
    params, message, auditor, client_for, regions
):
    response = client_for(auditor).get(AUDIT_LOG, params)

    assert response.status_code == 200
    assert message in response.text
    assert response.context["page"] is None


# --- sign-in -------------------------------------------------------------------------


def test_sign_in_lands_on_the_role_page(officer_tembalang, client):
    response = client.post(
        reverse("accounts:login"),
        {"username": "officer_tembalang", "password": "rahasia-uji-123"},
        follow=True,
    )

    assert response.redirect_chain[-1] == (reverse("registry:search"), 302)


def test_wrong_password_is_explained_in_indonesian(officer_tembalang, client):
    response = client.post(
        reverse("accounts:login"), {"username": "officer_tembalang", "password": "salah"}
    )

    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil." in response.text


def test_sign_out_needs_post_and_ends_the_session(officer_tembalang, client_for):
    client = client_for(officer_tembalang)

    response = client.post(reverse("accounts:logout"))

    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("registry:search")).status_code == 302
