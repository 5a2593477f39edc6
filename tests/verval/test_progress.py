"""Campaign progress: counts per kecamatan, kelurahan and officer, overdue families, scope.

The city of these tests (`build_city`), one campaign from 2 to 31 January 2025:

    kelurahan                officer       families and their state
    Meteseh 33.74.10.1001    psm_meteseh   layak (after a return as "mampu"), mampu,
                                           dikembalikan, menunggu, belum
    33.74.10.1002            psm_second    pindah, belum
    Jerakah 33.74.16.1001    officer_tugu  belum
    33.74.16.1002            nobody        belum

Tembalang: 7 families, 2 belum, 1 menunggu, 1 dikembalikan, 3 disetujui; Tugu: 2 belum.
Open after the deadline (overdue): Tembalang 3, Tugu 2.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from tests.factories import make_household

from entas.accounts.models import User
from entas.registry.models import Household
from entas.verval import choices as c
from entas.verval.models import Assignment, Campaign
from entas.verval.selectors_progress import (
    KECAMATAN,
    KELURAHAN,
    OFFICER,
    UNASSIGNED,
    campaign_progress,
    kelurahan_families,
    overdue_list,
)
from entas.verval.services import campaigns
from entas.verval.services.visits import visit_approve, visit_return

from .builders import DEADLINE, OTHER_KELURAHAN, STARTS, kelurahan_officer, submitted
from .builders import KELURAHAN as METESEH

TEMBALANG, TUGU = "33.74.10", "33.74.16"
JERAKAH, TUGU_OTHER = "33.74.16.1001", "33.74.16.1002"
BEFORE_DEADLINE = dt.date(2025, 1, 20)
AFTER_DEADLINE = dt.date(2025, 2, 3)
SURNAMES = ["Layak", "Mampu", "Kembali", "Tunggu", "Belum"]


@dataclass
class City:
    campaign: Campaign
    psm: User
    psm_second: User
    meteseh: dict[str, Household]  # by surname
    other: list[Household]
    tugu: list[Household]


def make_campaign(actor: User, households: list[Household], *, deadline: dt.date = DEADLINE):
    made = campaigns.campaign_create(
        actor=actor, name="Verval Januari 2025", starts_on=STARTS, deadline=deadline
    )
    campaigns.campaign_add_households(
        actor=actor, campaign=made, reasons={h.pk: c.ScopeReason.EXTREME for h in households}
    )
    return made


def _assignment(campaign: Campaign, household: Household) -> Assignment:
    return Assignment.objects.get(campaign=campaign, household=household)


def build_city(
    admin: User, coordinator: User, tugu_officer: User, *, deadline: dt.date = DEADLINE
) -> City:
    """The table of the module docstring, made through the services."""
    psm = kelurahan_officer("psm_meteseh")
    psm_second = kelurahan_officer("psm_second", OTHER_KELURAHAN)
    meteseh = {
        name: make_household(kelurahan_code=METESEH, surname=name, rt="001", rw=f"00{i + 1}")
        for i, name in enumerate(SURNAMES)
    }
    other = [make_household(kelurahan_code=OTHER_KELURAHAN, surname=s) for s in ("Pindah", "Dua")]
    tugu = [
        make_household(kelurahan_code=JERAKAH, surname="Jerakah"),
        make_household(kelurahan_code=TUGU_OTHER, surname="Sendiri"),
    ]
    campaign = make_campaign(admin, [*meteseh.values(), *other, *tugu], deadline=deadline)
    campaigns.campaign_status_set(actor=admin, campaign=campaign, status=c.CampaignStatus.ACTIVE)
    for code, officer in ((METESEH, psm), (OTHER_KELURAHAN, psm_second), (JERAKAH, tugu_officer)):
        campaigns.campaign_assign_balanced(
            actor=admin, campaign=campaign, kelurahan_codes=[code], officers=[officer]
        )

    def visit(household: Household, officer: User, **fields):
        return submitted(officer, _assignment(campaign, household), **fields)

    first = visit(meteseh["Layak"], psm, outcome=c.Outcome.NOW_ABLE)
    visit_return(actor=coordinator, visit=first, note="Foto rumah belum ada")
    visit_approve(actor=coordinator, visit=visit(meteseh["Layak"], psm))
    visit_approve(actor=admin, visit=visit(meteseh["Mampu"], psm, outcome=c.Outcome.NOW_ABLE))
    visit_return(actor=coordinator, visit=visit(meteseh["Kembali"], psm), note="Ulangi")
    visit(meteseh["Tunggu"], psm)
    moved = visit(
        other[0], psm_second, outcome=c.Outcome.MOVED, consent=c.Consent.NOT_APPLICABLE,
        respondent="", moved_to="Kendal",
    )  # fmt: skip
    visit_approve(actor=coordinator, visit=moved)
    return City(campaign, psm, psm_second, meteseh, other, tugu)


@pytest.fixture
def city(admin_dinsos, officer_tembalang, officer_tugu) -> City:
    return build_city(admin_dinsos, officer_tembalang, officer_tugu)


def counts(row) -> tuple[int, ...]:
    """total, belum, menunggu, dikembalikan, disetujui, visited, done %, overdue."""
    return (
        row.total, row.pending, row.submitted, row.returned, row.approved, row.visited,
        row.done_percent, row.overdue,
    )  # fmt: skip


@pytest.mark.django_db
def test_kecamatan_counts_after_the_deadline(city, admin_dinsos):
    progress = campaign_progress(campaign=city.campaign, user=admin_dinsos, today=AFTER_DEADLINE)
    assert [(row.key, row.name) for row in progress.rows] == [
        (TEMBALANG, "Tembalang"),
        (TUGU, "Tugu"),
    ]
    tembalang, tugu = progress.rows
    assert counts(tembalang) == (7, 2, 1, 1, 3, 5, 42, 3)
    assert counts(tugu) == (2, 2, 0, 0, 0, 0, 0, 2)
    assert counts(progress.total) == (9, 4, 1, 1, 3, 5, 33, 5)
    assert progress.days_to_deadline == -3
    assert progress.is_past_deadline
    assert progress.days_overdue == 3


@pytest.mark.django_db
def test_nothing_is_overdue_before_the_deadline(city, admin_dinsos):
    progress = campaign_progress(campaign=city.campaign, user=admin_dinsos, today=BEFORE_DEADLINE)
    assert [row.overdue for row in progress.rows] == [0, 0]
    assert progress.total.overdue == 0
    assert progress.total.open == 5  # still open, just not late
    assert progress.days_to_deadline == 11
    assert not progress.is_past_deadline
    assert overdue_list(campaign=city.campaign, user=admin_dinsos, today=BEFORE_DEADLINE) == []


@pytest.mark.django_db
def test_deadline_day_itself_is_not_overdue(city, admin_dinsos):
    progress = campaign_progress(campaign=city.campaign, user=admin_dinsos, today=DEADLINE)
    assert progress.days_to_deadline == 0
    assert progress.total.overdue == 0


@pytest.mark.django_db
def test_outcomes_count_approved_visits_only(city, admin_dinsos):
    progress = campaign_progress(campaign=city.campaign, user=admin_dinsos, today=AFTER_DEADLINE)
    tembalang = progress.rows[0]
    # The returned "mampu" visit of the first family and the waiting visit are not counted.
    assert tembalang.outcomes == {c.Outcome.ELIGIBLE: 1, c.Outcome.NOW_ABLE: 1, c.Outcome.MOVED: 1}
    assert progress.total.outcome_counts == [1, 1, 1, 0, 0, 0]
    assert progress.rows[1].outcomes == {}


@pytest.mark.django_db
def test_kelurahan_level_of_one_kecamatan(city, admin_dinsos):
    progress = campaign_progress(
        campaign=city.campaign, user=admin_dinsos, level=KELURAHAN, kecamatan_code=TEMBALANG,
        today=AFTER_DEADLINE,
    )  # fmt: skip
    assert [row.key for row in progress.rows] == [METESEH, OTHER_KELURAHAN]
    meteseh, other = progress.rows
    assert (meteseh.name, meteseh.parent) == ("Meteseh", "Tembalang")
    assert counts(meteseh) == (5, 1, 1, 1, 2, 4, 40, 2)
    assert counts(other) == (2, 1, 0, 0, 1, 1, 50, 1)
    assert other.outcomes == {c.Outcome.MOVED: 1}
    assert counts(progress.total) == (7, 2, 1, 1, 3, 5, 42, 3)


@pytest.mark.django_db
def test_officer_level_lists_unassigned_last(city, admin_dinsos, officer_tugu):
    progress = campaign_progress(
        campaign=city.campaign, user=admin_dinsos, level=OFFICER, today=AFTER_DEADLINE
    )
    keys = [row.key for row in progress.rows]
    assert keys == [str(officer_tugu.pk), str(city.psm.pk), str(city.psm_second.pk), UNASSIGNED]
    assert [row.name for row in progress.rows] == [
        "Officer Tugu",
        "Psm Meteseh",
        "Psm Second",
        "Belum ditugaskan",
    ]
    assert counts(progress.rows[1]) == (5, 1, 1, 1, 2, 4, 40, 2)
    assert progress.rows[1].outcomes == {c.Outcome.ELIGIBLE: 1, c.Outcome.NOW_ABLE: 1}
    assert counts(progress.rows[3]) == (1, 1, 0, 0, 0, 0, 0, 1)
    assert progress.total.total == 9


@pytest.mark.django_db
def test_progress_takes_three_queries_for_an_admin(city, admin_dinsos, django_assert_num_queries):
    with django_assert_num_queries(3):
        campaign_progress(campaign=city.campaign, user=admin_dinsos, level=KECAMATAN)
    with django_assert_num_queries(3):
        campaign_progress(campaign=city.campaign, user=admin_dinsos, level=OFFICER)


@pytest.mark.django_db
def test_a_tugu_officer_sees_nothing_of_tembalang(city, officer_tugu):
    progress = campaign_progress(campaign=city.campaign, user=officer_tugu, today=AFTER_DEADLINE)
    assert [row.key for row in progress.rows] == [TUGU]
    assert counts(progress.total) == (2, 2, 0, 0, 0, 0, 0, 2)
    tembalang = campaign_progress(
        campaign=city.campaign, user=officer_tugu, level=KELURAHAN, kecamatan_code=TEMBALANG
    )
    assert tembalang.rows == []
    families = overdue_list(campaign=city.campaign, user=officer_tugu, today=AFTER_DEADLINE)
    assert {f.household_id for f in families} == {h.pk for h in city.tugu}


@pytest.mark.django_db
def test_a_kelurahan_officer_counts_only_their_kelurahan(city):
    progress = campaign_progress(campaign=city.campaign, user=city.psm, today=AFTER_DEADLINE)
    assert [row.key for row in progress.rows] == [TEMBALANG]
    assert counts(progress.total) == (5, 1, 1, 1, 2, 4, 40, 2)


@pytest.mark.django_db
def test_leader_counts_the_city_but_gets_no_names(city, leader):
    progress = campaign_progress(campaign=city.campaign, user=leader, today=AFTER_DEADLINE)
    assert progress.total.total == 9
    assert progress.total.overdue == 5
    assert overdue_list(campaign=city.campaign, user=leader, today=AFTER_DEADLINE) == []
    assert kelurahan_families(campaign=city.campaign, user=leader, kelurahan_code=METESEH) == []


@pytest.mark.django_db
def test_overdue_list_names_open_families_past_the_deadline(city, admin_dinsos):
    families = overdue_list(campaign=city.campaign, user=admin_dinsos, today=AFTER_DEADLINE)
    assert [(f.kelurahan_code, f.head_name, f.status) for f in families] == [
        (METESEH, "Slamet Riyadi Kembali", c.AssignmentStatus.RETURNED),
        (METESEH, "Slamet Riyadi Belum", c.AssignmentStatus.PENDING),
        (OTHER_KELURAHAN, "Slamet Riyadi Dua", c.AssignmentStatus.PENDING),
        (JERAKAH, "Slamet Riyadi Jerakah", c.AssignmentStatus.PENDING),
        (TUGU_OTHER, "Slamet Riyadi Sendiri", c.AssignmentStatus.PENDING),
    ]
    assert families[0].officer_name == "Psm Meteseh"
    assert families[-1].officer_name == ""
    assert families[0].kk_number == city.meteseh["Kembali"].kk_number  # admins see it in full


@pytest.mark.django_db
def test_kelurahan_families_carry_approved_results(city, admin_dinsos):
    families = kelurahan_families(campaign=city.campaign, user=admin_dinsos, kelurahan_code=METESEH)
    assert [(f.head_name, f.outcome, f.members) for f in families] == [
        ("Slamet Riyadi Layak", c.Outcome.ELIGIBLE, 3),
        ("Slamet Riyadi Mampu", c.Outcome.NOW_ABLE, 3),
        ("Slamet Riyadi Kembali", "", 3),
        ("Slamet Riyadi Tunggu", "", 3),
        ("Slamet Riyadi Belum", "", 3),
    ]
    assert families[0].outcome_label == "Ditemukan dan masih layak"
    assert families[0].approved_at is not None
    assert families[2].approved_at is None
    assert families[2].status_label == "Dikembalikan untuk diperbaiki"
