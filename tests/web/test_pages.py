"""Household and person pages: what they show, to whom the NIK is shown in full, and the
audit event each view of personal data writes."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from tests.factories import head_of, make_household, members_of

from entas.accounts.access import mask_nik
from entas.core.models import AuditEvent
from entas.registry import choices as c
from entas.registry.selectors import household_detail
from entas.registry.services import (
    person_move_out,
    programme_receipt_record,
    welfare_record,
)

pytestmark = pytest.mark.django_db


def household_url(household) -> str:
    return reverse("registry:household", args=[household.pk])


def person_url(person) -> str:
    return reverse("registry:person", args=[person.pk])


@pytest.fixture
def documented_household(admin_dinsos, tembalang_household):
    """The Tembalang family with welfare data, a programme, and a member who moved out."""
    welfare_record(
        actor=admin_dinsos,
        household=tembalang_household,
        as_of=dt.date(2025, 1, 10),
        source=c.Source.DTSEN,
        values={
            "desil": 1,
            "expenditure_per_capita": 412000,
            "floor_type": "tanah",
            "assets": {"sepeda_motor": True, "kambing_domba": 2},
        },
    )
    programme_receipt_record(
        actor=admin_dinsos,
        household=tembalang_household,
        programme=c.Programme.PKH,
        source=c.Source.DTSEN,
        as_of=dt.date(2025, 1, 10),
    )
    child = members_of(tembalang_household)[2]
    person_move_out(actor=admin_dinsos, person=child, moved_on=dt.date(2025, 3, 1), reason="Kuliah")
    return tembalang_household


def test_household_page_shows_members_welfare_programmes_and_history(
    admin_dinsos, client_for, documented_household
):
    response = client_for(admin_dinsos).get(household_url(documented_household))

    text = response.text
    assert response.status_code == 200
    for expected in [
        "Slamet Riyadi",
        "Kepala keluarga",
        "Siti Aminah",
        "Istri/suami",
        "Meteseh",
        "Jl. Mulawarman 5",
        "Rp 412.000",
        "Tanah",
        "Sepeda motor, kambing domba: 2",
        "PKH (Program Keluarga Harapan)",
        "Riwayat keanggotaan",
        "household.register",
        "welfare.record",
        "person.move_out",
    ]:
        assert expected in text, expected
    members = [m.person.full_name for m in response.context["detail"].members]
    former = [m.person.full_name for m in response.context["detail"].former_members]
    assert (members, former) == (["Slamet Riyadi", "Siti Aminah"], ["Dwi Lestari"])


def test_household_history_leaves_out_page_views(admin_dinsos, client_for, tembalang_household):
    client = client_for(admin_dinsos)
    client.get(household_url(tembalang_household))

    response = client.get(household_url(tembalang_household))

    actions = [event.action for event in response.context["detail"].history]
    assert actions == ["household.register"]


def test_person_page_shows_their_data_and_families(admin_dinsos, client_for, documented_household):
    moved = documented_household.memberships.get(end_date__isnull=False).person

    response = client_for(admin_dinsos).get(person_url(moved))

    assert response.status_code == 200
    assert "Dwi Lestari" in response.text
    assert "Pindah keluar wilayah" in response.text
    assert documented_household.kk_number in response.text
    assert "person.move_out" in response.text


@pytest.mark.parametrize("role", ["admin_dinsos", "officer_tembalang"])
def test_full_nik_for_roles_that_need_it(role, cast, client_for, tembalang_household):
    head = head_of(tembalang_household)
    client = client_for(cast[role])

    for url in [household_url(tembalang_household), person_url(head)]:
        text = client.get(url).text
        assert head.nik in text
        assert tembalang_household.kk_number in text


@pytest.mark.parametrize(
    ("role", "full_nik"),
    [
        ("admin_dinsos", True),
        ("officer_tembalang", True),
        ("opd_dinkes", True),
        ("partner_csr", False),
    ],
)
def test_search_page_is_told_whether_to_show_full_nik(role, full_nik, cast, client_for, regions):
    response = client_for(cast[role]).get(reverse("registry:search"))

    assert response.context["full_nik"] is full_nik


def test_masked_page_never_contains_the_full_numbers(tembalang_household):
    """What a partner gets once adopted families are in its scope (interventions issue)."""
    head = head_of(tembalang_household)
    detail = household_detail(household=tembalang_household)

    html = render_to_string("registry/household.html", {"detail": detail, "full_nik": False})

    assert head.nik not in html
    assert mask_nik(head.nik) in html
    assert tembalang_household.kk_number not in html
    assert mask_nik(tembalang_household.kk_number) in html


def test_leader_summary_has_no_names_or_numbers(leader, client_for, tembalang_household):
    response = client_for(leader).get(reverse("registry:summary"))

    head = head_of(tembalang_household)
    assert response.status_code == 200
    assert head.full_name not in response.text
    assert head.nik[:6] + head.nik[6:] not in response.text
    assert mask_nik(head.nik) not in response.text


# --- audit of views of personal data -------------------------------------------------


def test_household_view_writes_one_event(officer_tembalang, client_for, tembalang_household):
    before = AuditEvent.objects.count()

    client_for(officer_tembalang).get(household_url(tembalang_household))

    event = AuditEvent.objects.latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert (event.actor, event.action, event.target_type, event.target_id, event.trail) == (
        officer_tembalang,
        "household.view",
        "registry.household",
        str(tembalang_household.pk),
        tembalang_household.trail,
    )


def test_person_view_writes_one_event(officer_tembalang, client_for, tembalang_household):
    head = head_of(tembalang_household)
    before = AuditEvent.objects.count()

    client_for(officer_tembalang).get(person_url(head))

    event = AuditEvent.objects.latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert (event.actor, event.action, event.target_type, event.target_id, event.trail) == (
        officer_tembalang,
        "person.view",
        "registry.person",
        str(head.pk),
        tembalang_household.trail,
    )


def test_search_writes_one_event_with_query_and_results(
    admin_dinsos, client_for, tembalang_household
):
    head = head_of(tembalang_household)
    before = AuditEvent.objects.count()

    client_for(admin_dinsos).get(reverse("registry:search"), {"q": "slamet", "status": "aktif"})

    event = AuditEvent.objects.latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert (event.actor, event.action, event.target_type) == (admin_dinsos, "registry.search", "")
    assert event.changes == {
        "query": "slamet",
        "kelurahan_code": "",
        "status": "aktif",
        "birth_date": None,
        "page": 1,
        "result_ids": [head.pk],
    }


@pytest.mark.parametrize("page", ["household", "person"])
def test_refused_views_write_no_event(page, officer_tugu, leader, client_for, tembalang_household):
    url = (
        household_url(tembalang_household)
        if page == "household"
        else person_url(head_of(tembalang_household))
    )
    before = AuditEvent.objects.count()

    assert client_for(officer_tugu).get(url).status_code == 404
    assert client_for(leader).get(url).status_code == 403
    assert AuditEvent.objects.count() == before


# --- query counts --------------------------------------------------------------------
# session + user, then: search = 2 kelurahan-filter choices + count + page + memberships
# + audit insert; household = household + memberships + welfare + programmes + history
# + audit insert; person = person + memberships + programmes + history + audit insert.
SEARCH_QUERIES = 8
HOUSEHOLD_QUERIES = 8
PERSON_QUERIES = 7


def test_search_query_count_does_not_grow_with_results(
    admin_dinsos, client_for, regions, django_assert_num_queries
):
    client = client_for(admin_dinsos)
    make_household(members=1)
    client.get(reverse("registry:search"))  # warms the per-process region-name cache
    with django_assert_num_queries(SEARCH_QUERIES):
        client.get(reverse("registry:search"), {"q": "slamet"})
    for _ in range(6):
        make_household(members=1, kelurahan_code="33.74.10.1002")

    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(reverse("registry:search"), {"q": "slamet"})
    assert len(response.context["page"].results) == 7


def test_household_page_query_count_does_not_grow_with_members(
    admin_dinsos, client_for, regions, django_assert_num_queries
):
    client = client_for(admin_dinsos)
    small = make_household(members=1)
    large = make_household(members=6)
    welfare_record(
        actor=admin_dinsos,
        household=large,
        as_of=dt.date(2025, 1, 1),
        source=c.Source.DTSEN,
        values={"desil": 2},
    )
    client.get(reverse("registry:search"))  # warms the per-process region-name cache
    with django_assert_num_queries(HOUSEHOLD_QUERIES):
        client.get(household_url(small))

    with django_assert_num_queries(HOUSEHOLD_QUERIES):
        client.get(household_url(large))


def test_person_page_query_count(
    admin_dinsos, client_for, tembalang_household, django_assert_num_queries
):
    client = client_for(admin_dinsos)
    client.get(reverse("registry:search"))  # warms the per-process region-name cache
    url = person_url(head_of(tembalang_household))

    with django_assert_num_queries(PERSON_QUERIES):
        client.get(url)
