"""Campaign services: scope from a classified period, the status machine, balanced
assignment, reassignment, removing a household, and a closed campaign refusing changes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import _user
from tests.factories import make_household
from tests.targeting import builders as tb

from entas.accounts.models import Role
from entas.core.models import AuditEvent
from entas.registry import choices as rc
from entas.registry.models import Household
from entas.targeting import choices as tc
from entas.targeting import services as targeting
from entas.targeting.models import Classification
from entas.verval import choices as c
from entas.verval.exceptions import VervalError
from entas.verval.models import Assignment, Campaign
from entas.verval.services import campaigns
from entas.verval.services.campaigns import shares

from .builders import (
    DEADLINE,
    KELURAHAN,
    OTHER_KELURAHAN,
    STARTS,
    campaign,
    kelurahan_officer,
    submitted,
)

TUGU_KELURAHAN = "33.74.16.1001"


def draft(actor, households=()) -> Campaign:
    if not households:
        return campaigns.campaign_create(
            actor=actor, name="Kosong", starts_on=STARTS, deadline=DEADLINE
        )
    return campaign(actor, households=list(households), status=c.CampaignStatus.DRAFT)


def families(count: int, kelurahan: str = KELURAHAN, **fields) -> list[Household]:
    return [make_household(kelurahan_code=kelurahan, **fields) for _ in range(count)]


def loads(made: Campaign) -> dict[str, int]:
    found: dict[str, int] = {}
    for row in Assignment.objects.filter(campaign=made).select_related("officer"):
        key = row.officer.username if row.officer else ""
        found[key] = found.get(key, 0) + 1
    return found


# --- shares ---------------------------------------------------------------------------------


def greedy(loads_now: list[int], count: int) -> list[int]:
    """The obvious one-at-a-time water filling, as the reference."""
    extra = [0] * len(loads_now)
    for _step in range(count):
        best = min(range(len(loads_now)), key=lambda i: (loads_now[i] + extra[i], i))
        extra[best] += 1
    return extra


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=8), st.integers(0, 200))
def test_shares_sum_to_count_and_end_as_even_as_possible(loads_now, count):
    extra = shares(loads_now, count)
    final = [load + add for load, add in zip(loads_now, extra, strict=True)]
    assert sum(extra) == count
    assert min(extra) >= 0
    assert max(final) - min(final) <= max(1, max(loads_now) - min(loads_now))
    # Nobody ends higher than the best any split could reach.
    even_level = -(-(sum(loads_now) + count) // len(loads_now))
    assert max(final) == max(max(loads_now), even_level)
    assert extra == greedy(loads_now, count)


def test_shares_exact_cases():
    assert shares([0, 0, 0], 7) == [3, 2, 2]
    assert shares([10, 0, 0], 4) == [0, 2, 2]
    assert shares([5, 0], 3) == [0, 3]
    assert shares([2, 0], 5) == [2, 3]
    assert shares([], 0) == []
    with pytest.raises(ValueError, match="no officer"):
        shares([], 1)


# --- scope from a period --------------------------------------------------------------------


@pytest.fixture
def classified(admin_dinsos):
    """A June period over eight families: two extreme-poor, and six rentan ones ranked by
    their floor, the poorest of which (rank 0, under the 10 % share) is a candidate."""
    extreme = [tb.household(expenditure=300_000), tb.household(expenditure=350_000)]
    floors = ["tanah", "bambu", "kayu", "semen", "ubin", "keramik"]
    others = [tb.household(expenditure=700_000, floor_type=floor) for floor in floors]
    period = tb.june(admin_dinsos)
    targeting.period_classify(actor=admin_dinsos, period=period)
    return period, extreme, others


@pytest.mark.django_db
def test_period_scope_takes_extreme_and_candidates_only(admin_dinsos, classified):
    period, extreme, others = classified
    rows = Classification.objects.filter(period=period)
    candidates = set(rows.filter(is_candidate=True).values_list("household_id", flat=True))
    left_out = set(
        rows.exclude(status=tc.Status.EXTREME)
        .filter(is_candidate=False)
        .values_list("household_id", flat=True)
    )
    assert candidates == {others[0].pk}
    assert left_out == {h.pk for h in others[1:]}

    scope = campaigns.period_scope(period)

    assert {pk for pk, reason in scope.items() if reason == c.ScopeReason.EXTREME} == {
        h.pk for h in extreme
    }
    assert {pk for pk, reason in scope.items() if reason == c.ScopeReason.CANDIDATE} == candidates
    assert not left_out & set(scope)


@pytest.mark.django_db
def test_create_with_scope_leaves_inactive_out_and_adding_twice_adds_nothing(
    admin_dinsos, classified
):
    period, extreme, _others = classified
    Household.objects.filter(pk=extreme[1].pk).update(status=rc.HouseholdStatus.MOVED_OUT)
    expected = len(campaigns.period_scope(period)) - 1

    made, counts = campaigns.campaign_create_with_scope(
        actor=admin_dinsos, name="Verval Juni", starts_on=STARTS, deadline=DEADLINE, period=period
    )

    assert counts == {"added": expected, "already": 0, "inactive": 1}
    assert not made.assignments.filter(household=extreme[1]).exists()
    assert made.assignments.get(household=extreme[0]).reason == c.ScopeReason.EXTREME
    again = campaigns.campaign_add_households(
        actor=admin_dinsos, campaign=made, reasons=campaigns.period_scope(period)
    )
    assert again == {"added": 0, "already": expected, "inactive": 1}
    assert made.assignments.count() == expected


@pytest.mark.django_db
def test_create_with_scope_refuses_an_unclassified_period_and_writes_nothing(admin_dinsos):
    period = tb.june(admin_dinsos)

    with pytest.raises(VervalError) as refused:
        campaigns.campaign_create_with_scope(
            actor=admin_dinsos, name="Juni", starts_on=STARTS, deadline=DEADLINE, period=period
        )

    assert refused.value.field == "period"
    assert not Campaign.objects.exists()


@pytest.mark.django_db
def test_create_with_scope_of_a_period_without_poor_families_writes_nothing(admin_dinsos):
    tb.household(expenditure=5_000_000)
    period = tb.june(admin_dinsos)
    targeting.period_classify(actor=admin_dinsos, period=period)
    Classification.objects.filter(period=period).update(is_candidate=False)

    with pytest.raises(VervalError) as refused:
        campaigns.campaign_create_with_scope(
            actor=admin_dinsos, name="Juni", starts_on=STARTS, deadline=DEADLINE, period=period
        )

    assert refused.value.code == "empty"
    assert not Campaign.objects.exists()


@pytest.mark.django_db
def test_create_refuses_deadline_before_start(admin_dinsos):
    with pytest.raises(VervalError) as refused:
        campaigns.campaign_create(actor=admin_dinsos, name="X", starts_on=DEADLINE, deadline=STARTS)
    assert refused.value.field == "deadline"
    assert not Campaign.objects.exists()


# --- status ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_status_machine(admin_dinsos):
    empty = draft(admin_dinsos)
    with pytest.raises(VervalError) as refused:
        campaigns.campaign_status_set(
            actor=admin_dinsos, campaign=empty, status=c.CampaignStatus.ACTIVE
        )
    assert refused.value.code == "empty"
    made = draft(admin_dinsos, families(1))
    with pytest.raises(VervalError):
        campaigns.campaign_status_set(
            actor=admin_dinsos, campaign=made, status=c.CampaignStatus.CLOSED
        )

    campaigns.campaign_status_set(actor=admin_dinsos, campaign=made, status=c.CampaignStatus.ACTIVE)
    campaigns.campaign_status_set(actor=admin_dinsos, campaign=made, status=c.CampaignStatus.CLOSED)

    made.refresh_from_db()
    assert made.status == c.CampaignStatus.CLOSED
    with pytest.raises(VervalError) as refused:
        campaigns.campaign_status_set(
            actor=admin_dinsos, campaign=made, status=c.CampaignStatus.ACTIVE
        )
    assert refused.value.code == "transition"
    assert AuditEvent.objects.filter(action="verval.campaign_status").count() == 2


@pytest.mark.django_db
def test_closed_campaign_refuses_every_change(admin_dinsos):
    psm = kelurahan_officer("psm_meteseh")
    made = campaign(admin_dinsos, households=families(2))
    campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made, officers=[psm])
    extra = make_household(kelurahan_code=KELURAHAN)
    campaigns.campaign_status_set(actor=admin_dinsos, campaign=made, status=c.CampaignStatus.CLOSED)
    other = kelurahan_officer("psm_lain")
    row = made.assignments.first()

    attempts = [
        lambda: campaigns.campaign_add_households(
            actor=admin_dinsos, campaign=made, reasons={extra.pk: c.ScopeReason.ADDED}
        ),
        lambda: campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made),
        lambda: campaigns.assignment_reassign(
            actor=admin_dinsos, assignments=[row], officer=other, reason="sakit"
        ),
        lambda: campaigns.campaign_remove_household(
            actor=admin_dinsos, assignment=row, reason="salah data"
        ),
    ]
    for attempt in attempts:
        with pytest.raises(VervalError) as refused:
            attempt()
        assert refused.value.code == "closed"
    assert made.assignments.count() == 2
    assert set(made.assignments.values_list("officer", flat=True)) == {psm.pk}


# --- balanced assignment --------------------------------------------------------------------


@pytest.mark.django_db
def test_assign_shares_a_kelurahan_evenly_and_keeps_neighbours_together(admin_dinsos):
    first, second = kelurahan_officer("psm_a"), kelurahan_officer("psm_b")
    by_rt = {
        "001": families(3, rw="01", rt="001"),
        "002": families(3, rw="01", rt="002"),
        "010": families(1, rw="01", rt="010"),
    }
    made = draft(admin_dinsos, [h for group in by_rt.values() for h in group])

    result = campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made)

    assert result == {"assigned": 7, "unstaffed": 0}
    assert loads(made) == {"psm_a": 4, "psm_b": 3}
    officer_of = dict(made.assignments.values_list("household_id", "officer__username"))
    assert {officer_of[h.pk] for h in by_rt["001"]} == {"psm_a"}
    assert {officer_of[h.pk] for h in by_rt["010"]} == {"psm_b"}  # RT 10 after RT 2
    assert first.verval_assignments.exclude(assigned_at=None).count() == 4
    assert second.verval_assignments.count() == 3


@pytest.mark.django_db
def test_assign_leaves_unstaffed_kelurahan_and_counts_them(admin_dinsos):
    kelurahan_officer("psm_a")
    made = draft(admin_dinsos, families(2) + families(3, kelurahan=TUGU_KELURAHAN))

    result = campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made)

    assert result == {"assigned": 2, "unstaffed": 3}
    assert made.assignments.filter(officer=None, kelurahan_id=TUGU_KELURAHAN).count() == 3
    # Adding an officer for Tugu later and assigning again completes it, moving nobody.
    _user("psm_tugu", Role.FIELD_OFFICER, areas=(TUGU_KELURAHAN,))
    again = campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made)
    assert again == {"assigned": 3, "unstaffed": 0}
    assert loads(made) == {"psm_a": 2, "psm_tugu": 3}


@pytest.mark.django_db
def test_assign_tops_up_existing_loads(admin_dinsos):
    kelurahan_officer("psm_a")
    made = draft(admin_dinsos, families(4))
    campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made)
    kelurahan_officer("psm_b")
    campaigns.campaign_add_households(
        actor=admin_dinsos, campaign=made,
        reasons={h.pk: c.ScopeReason.ADDED for h in families(6)},
    )  # fmt: skip

    campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made)

    assert loads(made) == {"psm_a": 5, "psm_b": 5}


@pytest.mark.django_db
def test_assign_a_coordinator_of_two_kelurahan_gets_a_comparable_total(
    admin_dinsos, officer_tembalang
):
    kelurahan_officer("psm_a", KELURAHAN)
    kelurahan_officer("psm_b", OTHER_KELURAHAN)
    made = draft(admin_dinsos, families(60) + families(60, kelurahan=OTHER_KELURAHAN))

    campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made)

    found = loads(made)
    assert sum(found.values()) == 120
    assert set(found) == {"psm_a", "psm_b", "officer_tembalang"}
    # Filling each kelurahan alone would give 30 / 45 / 45.
    assert max(found.values()) - min(found.values()) <= 10


@pytest.mark.django_db
def test_assign_to_chosen_officers_only_in_chosen_kelurahan(admin_dinsos, officer_tugu):
    kelurahan_officer("psm_a")
    made = draft(admin_dinsos, families(2) + families(2, kelurahan=OTHER_KELURAHAN))

    result = campaigns.campaign_assign_balanced(
        actor=admin_dinsos, campaign=made, kelurahan_codes=[OTHER_KELURAHAN],
        officers=[officer_tugu],
    )  # fmt: skip

    assert result == {"assigned": 2, "unstaffed": 0}
    assert loads(made) == {"": 2, "officer_tugu": 2}


@pytest.mark.django_db
def test_assign_refuses_chosen_officers_who_are_not_active_field_officers(admin_dinsos, leader):
    made = draft(admin_dinsos, families(1))
    with pytest.raises(VervalError) as refused:
        campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made, officers=[leader])
    assert refused.value.field == "officers"
    assert made.assignments.filter(officer=None).count() == 1


# --- reassignment ---------------------------------------------------------------------------


@pytest.fixture
def running(admin_dinsos):
    """An active campaign of three households, all with psm_a."""
    psm = kelurahan_officer("psm_a")
    made = campaign(admin_dinsos, households=families(3))
    campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made, officers=[psm])
    return made, psm, list(made.assignments.order_by("pk"))


@pytest.mark.django_db
def test_reassign_moves_open_households_and_keeps_sent_visits(admin_dinsos, running):
    made, psm, rows = running
    submitted(psm, rows[0])
    new = kelurahan_officer("psm_b")

    moved = campaigns.assignment_reassign(
        actor=admin_dinsos, assignments=rows, officer=new, reason="psm_a sakit"
    )

    assert moved == 2
    assert loads(made) == {"psm_a": 1, "psm_b": 2}
    rows[0].refresh_from_db()
    assert rows[0].officer == psm
    assert rows[0].status == c.AssignmentStatus.SUBMITTED
    events = AuditEvent.objects.filter(action="verval.assignment_reassign")
    assert events.count() == 2
    assert set(events.values_list("reason", flat=True)) == {"psm_a sakit"}


@pytest.mark.django_db
def test_reassign_sees_a_visit_sent_after_the_rows_were_read(admin_dinsos, running):
    _made, psm, rows = running
    stale = list(Assignment.objects.filter(pk=rows[0].pk))  # read before the visit is sent
    submitted(psm, rows[0])

    with pytest.raises(VervalError) as refused:
        campaigns.assignment_reassign(
            actor=admin_dinsos, assignments=stale, officer=kelurahan_officer("psm_b"),
            reason="sakit",
        )  # fmt: skip

    assert refused.value.code == "nothing"
    rows[0].refresh_from_db()
    assert rows[0].officer == psm


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "officer_role", "active", "field"),
    [
        ("  ", Role.FIELD_OFFICER, True, "reason"),
        ("sakit", Role.LEADER, True, "officer"),
        ("sakit", Role.FIELD_OFFICER, False, "officer"),
    ],
)
def test_reassign_refusals_change_nothing(
    admin_dinsos, running, reason, officer_role, active, field
):
    _made, psm, rows = running
    target = _user("penerima", officer_role, areas=(KELURAHAN,))
    target.is_active = active
    target.save(update_fields=["is_active"])

    with pytest.raises(VervalError) as refused:
        campaigns.assignment_reassign(
            actor=admin_dinsos, assignments=rows, officer=target, reason=reason
        )

    assert refused.value.field == field
    assert set(Assignment.objects.values_list("officer", flat=True)) == {psm.pk}


# --- removing a household -------------------------------------------------------------------


@pytest.mark.django_db
def test_remove_household_only_before_a_visit_and_with_a_reason(admin_dinsos, running):
    made, psm, rows = running
    submitted(psm, rows[0])

    with pytest.raises(VervalError) as refused:
        campaigns.campaign_remove_household(actor=admin_dinsos, assignment=rows[1], reason=" ")
    assert refused.value.field == "reason"
    with pytest.raises(VervalError) as refused:
        campaigns.campaign_remove_household(
            actor=admin_dinsos, assignment=rows[0], reason="salah data"
        )
    assert refused.value.code == "visited"
    assert made.assignments.count() == 3

    campaigns.campaign_remove_household(actor=admin_dinsos, assignment=rows[1], reason="pindah")

    assert set(made.assignments.values_list("pk", flat=True)) == {rows[0].pk, rows[2].pk}
    event = AuditEvent.objects.get(action="verval.campaign_remove")
    assert (event.reason, event.trail) == ("pindah", f"household:{rows[1].household_id}")
