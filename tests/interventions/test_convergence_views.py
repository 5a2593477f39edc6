"""Convergence pages over HTTP: who may open what, what each role sees, the htmx drill-down
and the gaps export. The city is `test_convergence.build_city`."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from tests.factories import head_of

from entas.core.models import AuditEvent

from .test_convergence import JERAKAH, METESEH, build_city

# role → status of: city page, Meteseh page, gaps, double-dipping, family A's card, export
EXPECTED = {
    "admin_dinsos": (200, 200, 200, 200, 200, 200),
    "officer_tembalang": (200, 200, 200, 200, 200, 403),
    "officer_tugu": (200, 404, 200, 200, 404, 403),
    "leader": (200, 200, 403, 403, 403, 403),
    "opd_dinkes": (403, 403, 403, 403, 403, 403),
    "partner_csr": (403, 403, 403, 403, 403, 403),
    "auditor": (403, 403, 403, 403, 403, 403),
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(EXPECTED))
def test_who_may_open_which_convergence_page(who, cast, client_for):
    city = build_city(cast["admin_dinsos"])
    client = client_for(cast[who])
    paths = [
        reverse("interventions:convergence_index"),
        reverse("interventions:convergence_kelurahan", args=[METESEH]),
        reverse("interventions:convergence_gaps"),
        reverse("interventions:convergence_double_dipping"),
        reverse("interventions:convergence_family", args=[city.families["A"].pk]),
        reverse("interventions:convergence_gaps_export"),
    ]
    assert tuple(client.get(path).status_code for path in paths) == EXPECTED[who]


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("interventions:convergence_index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_city_page_counts_and_drills_down_with_htmx(admin_dinsos, client_for):
    city = build_city(admin_dinsos)
    client = client_for(admin_dinsos)
    page = client.get(reverse("interventions:convergence_index"))
    assert page.context["period"] == city.period
    assert [row.key for row in page.context["matrix"].rows] == [METESEH, "33.74.10.1002", JERAKAH]
    assert (page.context["gap_count"], page.context["alert_count"]) == (3, 3)
    assert page.context["kelurahan_matrix"] is None
    fragment = client.get(
        reverse("interventions:convergence_index"),
        {"periode": city.period.code, "kelurahan": METESEH},
        headers={"HX-Request": "true"},
    )
    assert [t.name for t in fragment.templates][0] == (
        "interventions/convergence_kelurahan_matrix.html"
    )
    content = fragment.content.decode()
    assert "<html" not in content
    assert head_of(city.families["B"]).full_name in content
    assert reverse("interventions:convergence_family", args=[city.families["A"].pk]) in content
    assert (
        AuditEvent.objects.filter(
            action="interventions.convergence_view", actor=admin_dinsos
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_leader_sees_counts_without_a_name(admin_dinsos, leader, client_for):
    city = build_city(admin_dinsos)
    page = client_for(leader).get(reverse("interventions:convergence_kelurahan", args=[METESEH]))
    content = page.content.decode()
    assert page.context["kelurahan_matrix"].total.families == 2
    for family in city.families.values():
        assert head_of(family).full_name not in content
    assert "hanya jumlah" in content
    assert not AuditEvent.objects.filter(action="interventions.convergence_view").exists()


@pytest.mark.django_db
def test_officer_tugu_sees_nothing_of_tembalang(admin_dinsos, officer_tugu, client_for):
    city = build_city(admin_dinsos)
    client = client_for(officer_tugu)
    page = client.get(reverse("interventions:convergence_index"))
    assert [row.key for row in page.context["matrix"].rows] == [JERAKAH]
    assert (
        client.get(reverse("interventions:convergence_index"), {"kelurahan": METESEH}).status_code
        == 404
    )
    gaps = client.get(reverse("interventions:convergence_gaps"))
    assert [gap.need_id for gap in gaps.context["page"]] == [city.needs["F1"].pk]
    assert client.get(reverse("interventions:convergence_double_dipping")).context["alerts"] == []


@pytest.mark.django_db
def test_gaps_filter_and_export(admin_dinsos, client_for):
    city = build_city(admin_dinsos)
    client = client_for(admin_dinsos)
    filtered = client.get(reverse("interventions:convergence_gaps"), {"kind": "pangan"})
    assert [gap.need_id for gap in filtered.context["page"]] == [
        city.needs["B1"].pk, city.needs["F1"].pk,
    ]  # fmt: skip
    wrong = client.get(reverse("interventions:convergence_gaps"), {"kind": "tidak-ada"})
    assert wrong.status_code == 400
    response = client.get(reverse("interventions:convergence_gaps_export"), {"kelurahan": METESEH})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("No.", "ID keluarga", "Kepala keluarga")
    assert [(row[1], row[4], row[8]) for row in rows[1:]] == [
        (city.families["B"].pk, "Bantuan pangan", "belum"),
        (city.families["A"].pk, "Perbaikan rumah (RTLH)", "ya"),
    ]
    assert AuditEvent.objects.filter(action="interventions.gaps_download").count() == 1
    outside = client.get(reverse("interventions:convergence_gaps"), {"kelurahan": "99.99"})
    assert outside.status_code == 404


@pytest.mark.django_db
def test_family_card_page_lists_interventions_and_is_audited(admin_dinsos, client_for):
    city = build_city(admin_dinsos)
    family = city.families["E"]
    page = client_for(admin_dinsos).get(
        reverse("interventions:convergence_family", args=[family.pk])
    )
    content = page.content.decode()
    assert "PBI JKN" in content
    assert "KIS Daerah" in content
    assert "tidak boleh diterima bersamaan" in content
    event = AuditEvent.objects.get(action="interventions.family_card_view")
    assert event.target_id == str(family.pk)


@pytest.mark.django_db
def test_unknown_period_is_not_found(admin_dinsos, client_for):
    build_city(admin_dinsos)
    response = client_for(admin_dinsos).get(
        reverse("interventions:convergence_index"), {"periode": "1999-01"}
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_no_classified_period_yet(admin_dinsos, client_for):
    response = client_for(admin_dinsos).get(reverse("interventions:convergence_index"))
    assert response.status_code == 200
    assert "Belum ada periode yang diklasifikasi." in response.content.decode()
