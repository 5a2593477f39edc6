"""Pendampingan through the services: one current companion, bulk assignment from the last
verval officer, notes by the companion only, one active family plan, goals for the family's
own needs, and an audit event for every change."""

import datetime as dt

import pytest
from django.utils import timezone
from tests.factories import head_of, make_household

from entas.accounts.models import User
from entas.core.models import AuditEvent
from entas.registry.models import Household
from entas.targeting import services as targeting
from entas.targeting.models import Period
from entas.verval import choices as c
from entas.verval import selectors_companions as selectors
from entas.verval.exceptions import VervalError
from entas.verval.models import CompanionNote, Companionship, FamilyPlan, Need, PlanGoal
from entas.verval.services import campaigns
from entas.verval.services import companions as services
from entas.verval.services.visits import NeedInput, visit_approve

from .builders import KELURAHAN, assigned, campaign, kelurahan_officer, submitted

pytestmark = pytest.mark.django_db

EXTREME_SPENDING = {"expenditure_per_capita": 300_000}  # below the extreme line (Rp391.000)
WHEELCHAIR = NeedInput(kind=c.NeedKind.ASSISTIVE_DEVICE, detail="kursi_roda")
CAPITAL = NeedInput(kind=c.NeedKind.BUSINESS_CAPITAL, detail="warung")
START = dt.date(2025, 2, 1)


# --- builders --------------------------------------------------------------------------


def approved_family(admin: User, officer: User, reviewer: User, **visit: object) -> Household:
    """A family of Meteseh whose verval visit by `officer` was approved by `reviewer`."""
    (assignment,) = assigned(admin, officer)
    visit_approve(actor=reviewer, visit=submitted(officer, assignment, **visit))
    return assignment.household


def visited_again(admin: User, household: Household, officer: User, reviewer: User) -> None:
    """A later campaign's approved visit of the same family by another officer."""
    later = campaign(admin, households=[household])
    campaigns.campaign_assign_balanced(actor=admin, campaign=later, officers=[officer])
    assignment = later.assignments.get()
    visited_at = dt.datetime(2025, 1, 25, 10, 0, tzinfo=dt.UTC)
    visit_approve(actor=reviewer, visit=submitted(officer, assignment, visited_at=visited_at))


def classified_period(code: str = "2025-01") -> Period:
    period = targeting.period_create(
        actor=None, code=code, name="Januari 2025", starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 1, 31),
    )  # fmt: skip
    targeting.period_classify(actor=None, period=period)
    period.refresh_from_db()
    return period


def actions(household: Household) -> list[str]:
    trail = AuditEvent.objects.filter(
        trail=f"household:{household.pk}", action__startswith="verval."
    )
    return list(trail.order_by("pk").values_list("action", flat=True))


def current(household: Household) -> Companionship:
    return Companionship.objects.get(household=household, ended_on__isnull=True)


@pytest.fixture
def psm(regions) -> User:
    return kelurahan_officer("psm_meteseh")


@pytest.fixture
def family(regions) -> Household:
    return make_household(kelurahan_code=KELURAHAN)


@pytest.fixture
def accompanied(admin_dinsos, psm, family) -> Household:
    services.companion_assign(actor=admin_dinsos, household=family, companion=psm, started_on=START)
    return family


# --- one current companion -------------------------------------------------------------


def test_assigning_a_new_companion_ends_the_current_one_on_its_start(
    admin_dinsos, psm, officer_tembalang, family
):
    services.companion_assign(actor=admin_dinsos, household=family, companion=psm, started_on=START)
    changed_on = dt.date(2025, 3, 10)
    services.companion_assign(
        actor=admin_dinsos, household=family, companion=officer_tembalang, started_on=changed_on
    )
    rows = list(Companionship.objects.filter(household=family).order_by("pk"))
    assert [(row.companion, row.started_on, row.ended_on) for row in rows] == [
        (psm, START, changed_on),
        (officer_tembalang, changed_on, None),
    ]
    assert rows[1].assigned_by == admin_dinsos
    assert actions(family) == ["verval.companion_assign", "verval.companion_assign"]


@pytest.mark.parametrize("who", ["officer_tugu", "admin_dinsos", "inactive"])
def test_only_an_active_field_officer_covering_the_family_may_accompany_it(
    who, admin_dinsos, officer_tugu, family
):
    companion = {"officer_tugu": officer_tugu, "admin_dinsos": admin_dinsos}.get(who)
    if companion is None:
        companion = kelurahan_officer("psm_pensiun")
        companion.is_active = False
        companion.save(update_fields=["is_active"])
    with pytest.raises(VervalError) as refused:
        services.companion_assign(
            actor=admin_dinsos, household=family, companion=companion, started_on=START
        )
    assert refused.value.code == "not_eligible"
    assert not Companionship.objects.filter(household=family).exists()
    assert actions(family) == []


def test_the_same_companion_or_a_start_before_the_current_one_is_refused(
    admin_dinsos, psm, officer_tembalang, accompanied
):
    with pytest.raises(VervalError) as same:
        services.companion_assign(
            actor=admin_dinsos, household=accompanied, companion=psm, started_on=START
        )
    with pytest.raises(VervalError) as earlier:
        services.companion_assign(
            actor=admin_dinsos, household=accompanied, companion=officer_tembalang,
            started_on=START - dt.timedelta(days=1),
        )  # fmt: skip
    assert (same.value.code, earlier.value.code) == ("same_companion", "before_current")
    assert current(accompanied).companion == psm
    assert Companionship.objects.filter(household=accompanied).count() == 1


def test_a_start_in_the_future_is_refused(admin_dinsos, psm, family):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(VervalError):
        services.companion_assign(
            actor=admin_dinsos, household=family, companion=psm, started_on=tomorrow
        )
    assert not Companionship.objects.filter(household=family).exists()


def test_ending_needs_a_reason_and_leaves_the_family_without_companion(admin_dinsos, accompanied):
    with pytest.raises(VervalError) as no_reason:
        services.companion_end(
            actor=admin_dinsos, household=accompanied, ended_on=dt.date(2025, 6, 1), reason="  "
        )
    assert no_reason.value.field == "reason"
    assert current(accompanied).ended_on is None
    services.companion_end(
        actor=admin_dinsos, household=accompanied, ended_on=dt.date(2025, 6, 1),
        reason="Keluarga pindah ke luar kota",
    )  # fmt: skip
    assert not Companionship.objects.filter(household=accompanied, ended_on__isnull=True).exists()
    event = AuditEvent.objects.get(action="verval.companion_end")
    assert (event.trail, event.reason) == (
        f"household:{accompanied.pk}",
        "Keluarga pindah ke luar kota",
    )
    with pytest.raises(VervalError) as again:
        services.companion_end(
            actor=admin_dinsos, household=accompanied, ended_on=dt.date(2025, 6, 2), reason="x"
        )
    assert again.value.code == "no_companion"


# --- bulk ------------------------------------------------------------------------------


def test_bulk_gives_each_family_the_officer_of_its_latest_approved_visit(
    admin_dinsos, officer_tembalang, psm
):
    second_psm = kelurahan_officer("psm_meteseh_dua")
    revisited = approved_family(admin_dinsos, psm, officer_tembalang)
    visited_again(admin_dinsos, revisited, second_psm, officer_tembalang)
    once = approved_family(admin_dinsos, psm, officer_tembalang)
    (waiting,) = assigned(admin_dinsos, psm)
    submitted(psm, waiting)  # sent, never approved: no officer to take over
    kept = approved_family(admin_dinsos, psm, officer_tembalang)
    services.companion_assign(
        actor=admin_dinsos, household=kept, companion=officer_tembalang, started_on=START
    )
    families = [revisited, once, waiting.household, kept]

    counts = services.companions_assign_bulk(actor=admin_dinsos, households=families)

    assert counts == {"assigned": 2, "already_accompanied": 1, "no_officer": 1, "out_of_scope": 0}
    assert current(revisited).companion == second_psm
    assert current(once).companion == psm
    assert current(once).started_on == timezone.localdate()
    assert current(kept).companion == officer_tembalang
    assert not Companionship.objects.filter(household=waiting.household).exists()


def test_bulk_leaves_families_whose_officer_no_longer_covers_them(admin_dinsos, officer_tembalang):
    moved_officer = kelurahan_officer("psm_pindah")
    family = approved_family(admin_dinsos, moved_officer, officer_tembalang)
    moved_officer.areas.set([])
    counts = services.companions_assign_bulk(
        actor=admin_dinsos, households=[family], companion=None
    )
    assert counts == {"assigned": 0, "already_accompanied": 0, "no_officer": 0, "out_of_scope": 1}
    assert not Companionship.objects.filter(household=family).exists()


def test_bulk_with_a_chosen_companion_skips_families_outside_their_area(
    admin_dinsos, psm, officer_tugu
):
    meteseh = make_household(kelurahan_code=KELURAHAN)
    tugu = make_household(kelurahan_code="33.74.16.1001")
    counts = services.companions_assign_bulk(
        actor=admin_dinsos, households=[meteseh, tugu], companion=psm
    )
    assert counts == {"assigned": 1, "already_accompanied": 0, "no_officer": 0, "out_of_scope": 1}
    assert current(meteseh).companion == psm
    assert actions(meteseh) == ["verval.companion_assign"]
    assert actions(tugu) == []


def test_candidates_are_the_period_s_extreme_families_without_companion(
    admin_dinsos, officer_tembalang, psm
):
    poor = approved_family(admin_dinsos, psm, officer_tembalang, welfare=EXTREME_SPENDING)
    taken = approved_family(admin_dinsos, psm, officer_tembalang, welfare=EXTREME_SPENDING)
    approved_family(
        admin_dinsos, psm, officer_tembalang, outcome=c.Outcome.NOW_ABLE
    )  # "sudah mampu": not extreme
    services.companion_assign(actor=admin_dinsos, household=taken, companion=psm, started_on=START)
    period = classified_period()

    everyone = selectors.extreme_families(
        user=admin_dinsos, period=period, kelurahan_code=KELURAHAN
    )
    waiting = selectors.extreme_families(
        user=admin_dinsos, period=period, kelurahan_code=KELURAHAN, without_companion=True
    )
    areas = selectors.extreme_kelurahan(user=admin_dinsos, period=period)

    assert {(row.pk, row.companion_id) for row in everyone} == {(poor.pk, None), (taken.pk, psm.pk)}
    assert [row.pk for row in waiting] == [poor.pk]
    assert [(a.kelurahan.code, a.families, a.accompanied) for a in areas] == [(KELURAHAN, 2, 1)]
    assert selectors.extreme_families(user=psm, period=period).count() == 2
    assert selectors.latest_classified_period() == period


# --- notes -----------------------------------------------------------------------------


def test_the_companion_writes_a_note_and_it_is_audited(psm, accompanied):
    note = services.companion_note_add(
        actor=psm, household=accompanied, visited_on=dt.date(2025, 2, 3),
        note="  Ibu sudah mulai berjualan gorengan.  ",
    )  # fmt: skip
    assert (note.author, note.note) == (psm, "Ibu sudah mulai berjualan gorengan.")
    assert actions(accompanied)[-1] == "verval.companion_note_add"


def test_an_admin_may_write_a_note_but_another_officer_may_not(
    admin_dinsos, officer_tembalang, accompanied
):
    with pytest.raises(VervalError) as refused:
        services.companion_note_add(
            actor=officer_tembalang, household=accompanied, visited_on=START, note="Kunjungan"
        )
    assert refused.value.code == "not_companion"
    assert not CompanionNote.objects.exists()
    services.companion_note_add(
        actor=admin_dinsos, household=accompanied, visited_on=START, note="Kunjungan"
    )
    assert CompanionNote.objects.get().author == admin_dinsos


@pytest.mark.parametrize(
    ("days_ahead", "text", "field"), [(1, "Kunjungan", "visited_on"), (0, " \n ", "note")]
)
def test_a_note_in_the_future_or_empty_is_refused(psm, accompanied, days_ahead, text, field):
    with pytest.raises(VervalError) as refused:
        services.companion_note_add(
            actor=psm, household=accompanied,
            visited_on=timezone.localdate() + dt.timedelta(days=days_ahead), note=text,
        )  # fmt: skip
    assert refused.value.field == field
    assert not CompanionNote.objects.exists()


def test_a_note_after_the_companionship_ended_is_refused(admin_dinsos, psm, accompanied):
    services.companion_end(
        actor=admin_dinsos, household=accompanied, ended_on=START, reason="Graduasi"
    )
    with pytest.raises(VervalError):
        services.companion_note_add(actor=psm, household=accompanied, visited_on=START, note="x")


# --- family plans ----------------------------------------------------------------------


def test_one_active_plan_at_a_time(psm, accompanied):
    plan = services.plan_create(actor=psm, household=accompanied, agreed_on=START)
    with pytest.raises(VervalError) as refused:
        services.plan_create(actor=psm, household=accompanied, agreed_on=START)
    assert refused.value.code == "active_plan"
    assert FamilyPlan.objects.filter(household=accompanied).count() == 1
    services.plan_complete(actor=psm, plan=plan)
    services.plan_create(actor=psm, household=accompanied, agreed_on=dt.date(2025, 6, 1))
    statuses = FamilyPlan.objects.filter(household=accompanied).values_list("status", flat=True)
    assert sorted(statuses) == [c.PlanStatus.ACTIVE, c.PlanStatus.COMPLETED]


def test_a_plan_by_another_officer_is_refused(officer_tembalang, accompanied):
    with pytest.raises(VervalError):
        services.plan_create(actor=officer_tembalang, household=accompanied, agreed_on=START)
    assert not FamilyPlan.objects.exists()


def test_a_goal_links_only_a_need_of_the_same_family(admin_dinsos, officer_tembalang, psm):
    family = approved_family(admin_dinsos, psm, officer_tembalang, needs=[CAPITAL])
    other = approved_family(admin_dinsos, psm, officer_tembalang, needs=[WHEELCHAIR])
    services.companion_assign(actor=admin_dinsos, household=family, companion=psm, started_on=START)
    plan = services.plan_create(actor=psm, household=family, agreed_on=START)
    foreign = Need.objects.get(household=other)
    with pytest.raises(VervalError) as refused:
        services.goal_add(actor=psm, plan=plan, title="Kursi roda", need=foreign)
    assert refused.value.field == "need"
    assert not PlanGoal.objects.exists()
    own = Need.objects.get(household=family)
    goal = services.goal_add(
        actor=psm, plan=plan, title="  Warung  berjalan ", need=own, target_on=dt.date(2025, 6, 30)
    )
    assert (goal.title, goal.need, goal.status) == (
        "Warung berjalan",
        own,
        c.GoalStatus.IN_PROGRESS,
    )
    assert list(own.goals.all()) == [goal]


def test_steps_are_added_and_done_once(psm, accompanied):
    plan = services.plan_create(actor=psm, household=accompanied, agreed_on=START)
    goal = services.goal_add(actor=psm, plan=plan, title="Anak kembali sekolah")
    with pytest.raises(VervalError) as no_owner:
        services.step_add(actor=psm, goal=goal, description="Daftar ulang", owner="tetangga")
    assert no_owner.value.field == "owner"
    step = services.step_add(
        actor=psm, goal=goal, description="Daftar ulang ke SD", owner=c.StepOwner.FAMILY,
        due_on=dt.date(2025, 3, 1),
    )  # fmt: skip
    with pytest.raises(VervalError):
        services.step_done(
            actor=psm, step=step, done_on=timezone.localdate() + dt.timedelta(days=1)
        )
    with pytest.raises(VervalError):
        services.step_done(actor=psm, step=step, done_on=START - dt.timedelta(days=1))
    services.step_done(actor=psm, step=step, done_on=dt.date(2025, 2, 20))
    step.refresh_from_db()
    assert step.done_on == dt.date(2025, 2, 20)
    with pytest.raises(VervalError) as twice:
        services.step_done(actor=psm, step=step, done_on=dt.date(2025, 2, 21))
    assert twice.value.code == "done"


def test_goal_status_and_plan_completion_close_the_plan_for_changes(psm, accompanied):
    plan = services.plan_create(actor=psm, household=accompanied, agreed_on=START, note="Awal")
    goal = services.goal_add(actor=psm, plan=plan, title="Punya BPJS PBI")
    services.goal_status_set(actor=psm, goal=goal, status=c.GoalStatus.ACHIEVED)
    goal.refresh_from_db()
    assert goal.status == c.GoalStatus.ACHIEVED
    with pytest.raises(VervalError):
        services.step_add(actor=psm, goal=goal, description="x", owner=c.StepOwner.DINSOS)
    services.plan_complete(actor=psm, plan=plan)
    with pytest.raises(VervalError) as closed:
        services.goal_add(actor=psm, plan=plan, title="Tujuan baru")
    assert closed.value.code == "closed"
    assert actions(accompanied) == [
        "verval.companion_assign",
        "verval.plan_create",
        "verval.goal_add",
        "verval.goal_status_set",
        "verval.plan_complete",
    ]


def test_my_families_counts_open_needs_and_shows_the_last_note(
    admin_dinsos, officer_tembalang, psm
):
    family = approved_family(admin_dinsos, psm, officer_tembalang, needs=[CAPITAL, WHEELCHAIR])
    approved_family(admin_dinsos, psm, officer_tembalang)  # not accompanied: not listed
    services.companion_assign(actor=admin_dinsos, household=family, companion=psm, started_on=START)
    services.companion_note_add(actor=psm, household=family, visited_on=START, note="a")
    services.companion_note_add(
        actor=psm, household=family, visited_on=dt.date(2025, 3, 1), note="b"
    )
    services.plan_create(actor=psm, household=family, agreed_on=START)
    (row,) = selectors.my_families(user=psm)
    assert (row.pk, row.open_needs, row.last_note_on, row.plan_agreed_on) == (
        family.pk,
        2,
        dt.date(2025, 3, 1),
        START,
    )
    assert row.head_name == head_of(family).full_name
    assert list(selectors.my_families(user=officer_tembalang)) == []
