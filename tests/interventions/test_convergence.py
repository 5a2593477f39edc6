"""Convergence selectors: the family × organisation matrix, coverage gaps, double-dipping
and the family card, on a small city with exact counts.

Referrals are written here with the model (the referral services are another part of
issue 7); needs hang on a minimal approved visit. `build_city` is shared with the view
and browser tests.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db.models import Model
from django.http import Http404
from django.utils import timezone
from tests.factories import head_of, make_household, members_of

from entas.accounts.models import Organization, OrganizationKind, User
from entas.interventions import choices as c
from entas.interventions import selectors_convergence as convergence
from entas.interventions import selectors_family, selectors_gaps
from entas.interventions.models import Delivery, Programme, Referral
from entas.registry.models import Household
from entas.targeting import choices as tc
from entas.targeting.models import Classification, Period
from entas.verval import choices as vc
from entas.verval.models import (
    Assignment,
    Campaign,
    Companionship,
    FamilyPlan,
    Need,
    PlanGoal,
    Visit,
)

from .builders import dinkes, disperkim, organization, period, programme

METESEH, ROWOSARI, JERAKAH = "33.74.10.1001", "33.74.10.1002", "33.74.16.1001"  # Tugu: Jerakah
CASH = Decimal(300_000)
START = dt.datetime(2025, 1, 10, 8, 0, tzinfo=dt.UTC)


# --- builders --------------------------------------------------------------------------


def classify(chosen: Period, household: Household, status: str = tc.Status.EXTREME) -> None:
    Classification.objects.create(
        period=chosen, household=household, kelurahan_id=household.kelurahan_id,
        status=status, rule=tc.Rule.FINDING,
    )  # fmt: skip
    if chosen.classified_at is None:
        chosen.classified_at = timezone.now()
        chosen.save(update_fields=["classified_at"])


def need(actor: User, household: Household, kind: str, *, days: int, **fields) -> Need:
    """An open need recorded `days` days after START by a minimal approved visit."""
    campaign = Campaign.objects.get_or_create(
        name="Verval uji", defaults={
            "starts_on": dt.date(2025, 1, 2), "deadline": dt.date(2025, 1, 31),
            "created_by": actor, "status": vc.CampaignStatus.ACTIVE,
        },
    )[0]  # fmt: skip
    assignment = Assignment.objects.get_or_create(
        campaign=campaign, household=household,
        defaults={"kelurahan_id": household.kelurahan_id, "reason": vc.ScopeReason.EXTREME},
    )[0]  # fmt: skip
    visit = Visit.objects.create(
        assignment=assignment, household=household, officer=actor, visited_at=START,
        outcome=vc.Outcome.ELIGIBLE, consent=vc.Consent.GIVEN, status=vc.VisitStatus.APPROVED,
        submitted_at=START,
    )  # fmt: skip
    made = Need.objects.create(household=household, kind=kind, visit=visit, **fields)
    Need.objects.filter(pk=made.pk).update(created_at=START + dt.timedelta(days=days))
    made.refresh_from_db()
    return made


def refer(
    actor: User, chosen: Period, offer: Programme, household: Household, status: str, **fields
) -> Referral:
    return Referral.objects.create(
        period=chosen, programme=offer, organization=offer.owner, household=household,
        status=status, proposed_by=actor, **fields,
    )  # fmt: skip


@dataclass
class City:
    period: Period
    dinkes: Organization
    disperkim: Organization
    baznas: Organization
    pbi: Programme
    kis: Programme
    cash_dinkes: Programme
    rtlh: Programme
    bedah: Programme
    zakat: Programme
    families: dict[str, Household]
    needs: dict[str, Need]
    referrals: dict[str, Referral]


def build_city(admin: User) -> City:
    """Five extreme-poor families in Tembalang (A, B in Meteseh; C, D, E in Rowosari), one
    in Tugu (F, Jerakah) and one poor family (G, Meteseh, not a target).

    A: needs PBI (answered, accepted) and RTLH (proposed only); B: needs food, only a
    declined referral (untouched); C: one RTLH need answered by Disperkim and Baznas (rule
    b); D: two cash programmes (rule c); E: PBI and KIS daerah, which exclude each other
    (rule a); F: PBI accepted, needs food; G: PBI accepted, needs food (not counted).
    """
    chosen = period()
    health, housing = dinkes(), disperkim()
    baznas = organization("baznas", "Baznas Kota", OrganizationKind.PARTNER)
    pbi = programme(
        "pbi-jkn", health, name="PBI JKN", needs=["pbi_jkn"], kind=c.ProgrammeKind.INSURANCE
    )
    kis = programme(
        "kis-daerah", health, name="KIS Daerah", needs=["pbi_jkn"], kind=c.ProgrammeKind.INSURANCE
    )
    pbi.excludes.add(kis)
    cash_dinkes = programme(
        "santunan-sakit", health, name="Santunan Sakit", kind=c.ProgrammeKind.CASH
    )
    rtlh = programme(
        "rtlh", housing, name="Bedah RTLH", needs=["rtlh"], kind=c.ProgrammeKind.HOUSING
    )
    bedah = programme(
        "bedah-baznas",
        baznas,
        name="Bedah Rumah Baznas",
        needs=["rtlh"],
        kind=c.ProgrammeKind.HOUSING,
    )
    zakat = programme(
        "zakat-tunai", baznas, name="Zakat Tunai", needs=["pangan"], kind=c.ProgrammeKind.CASH
    )
    programme("tidak-aktif", baznas, name="Paket Lama", needs=["pangan"], is_active=False)
    families = {
        "A": make_household(kelurahan_code=METESEH, surname="Aminah"),
        "B": make_household(kelurahan_code=METESEH, surname="Budiman"),
        "C": make_household(kelurahan_code=ROWOSARI, surname="Cahyono"),
        "D": make_household(kelurahan_code=ROWOSARI, surname="Darmaji"),
        "E": make_household(kelurahan_code=ROWOSARI, surname="Endah"),
        "F": make_household(kelurahan_code=JERAKAH, surname="Fauzi"),
        "G": make_household(kelurahan_code=METESEH, surname="Gunawan"),
    }
    for key, family in families.items():
        classify(chosen, family, tc.Status.POOR if key == "G" else tc.Status.EXTREME)
    needs = {
        "A1": need(admin, families["A"], "pbi_jkn", days=1),
        "A2": need(admin, families["A"], "rtlh", days=9),
        "B1": need(admin, families["B"], "pangan", days=2),
        "C1": need(admin, families["C"], "rtlh", days=3),
        "F1": need(admin, families["F"], "pangan", days=5),
        "G1": need(admin, families["G"], "pangan", days=0),
    }
    s = c.ReferralStatus
    referrals = {
        "A-pbi": refer(admin, chosen, pbi, families["A"], s.ACCEPTED, need=needs["A1"]),
        "A-rtlh": refer(admin, chosen, rtlh, families["A"], s.PROPOSED, need=needs["A2"]),
        "B-zakat": refer(admin, chosen, zakat, families["B"], s.DECLINED, need=needs["B1"]),
        "C-rtlh": refer(admin, chosen, rtlh, families["C"], s.DELIVERED, need=needs["C1"]),
        "C-bedah": refer(admin, chosen, bedah, families["C"], s.ACCEPTED, need=needs["C1"]),
        "D-cash": refer(admin, chosen, cash_dinkes, families["D"], s.ACCEPTED, amount=CASH),
        "D-zakat": refer(admin, chosen, zakat, families["D"], s.SCHEDULED, amount=CASH),
        "E-pbi": refer(admin, chosen, pbi, families["E"], s.ACCEPTED),
        "E-kis": refer(admin, chosen, kis, families["E"], s.CLOSED),
        "F-pbi": refer(admin, chosen, pbi, families["F"], s.ACCEPTED),
        "G-pbi": refer(admin, chosen, pbi, families["G"], s.ACCEPTED),
    }  # fmt: skip
    Delivery.objects.create(
        referral=referrals["C-rtlh"], delivered_on=dt.date(2025, 3, 1), recorded_by=admin,
        amount=Decimal(15_000_000),
    )  # fmt: skip
    return City(chosen, health, housing, baznas, pbi, kis, cash_dinkes, rtlh, bedah, zakat,
                families, needs, referrals)  # fmt: skip


def cells(row: convergence.MatrixRow) -> list[tuple[int, int]]:
    return [(cell.committed, cell.proposed) for cell in row.cell_list]


def ids(rows: list[Model] | list[selectors_gaps.Gap]) -> list[int]:
    return [row.need_id if isinstance(row, selectors_gaps.Gap) else row.pk for row in rows]


# --- the matrix ------------------------------------------------------------------------


@pytest.mark.django_db
def test_city_matrix_counts_committed_and_proposed_per_kelurahan(admin_dinsos):
    city = build_city(admin_dinsos)
    matrix = convergence.convergence_matrix(user=admin_dinsos, period=city.period)
    assert [org.code for org in matrix.organizations] == ["dinkes", "disperkim", "baznas"]
    assert [(row.key, row.name, row.families, row.untouched) for row in matrix.rows] == [
        (METESEH, "Meteseh", 2, 1),  # B has only a declined referral; G is not extreme-poor
        (ROWOSARI, "Rowosari", 3, 0),
        (JERAKAH, "Jerakah", 1, 0),
    ]
    assert [cells(row) for row in matrix.rows] == [
        [(1, 0), (0, 1), (0, 0)],
        [(3, 0), (1, 0), (2, 0)],
        [(1, 0), (0, 0), (0, 0)],
    ]
    assert (matrix.total.families, matrix.total.untouched) == (6, 1)
    assert cells(matrix.total) == [(5, 0), (1, 1), (2, 0)]
    assert (matrix.total.committed, matrix.total.proposed) == (8, 1)


@pytest.mark.django_db
def test_city_matrix_takes_a_few_queries(admin_dinsos, django_assert_max_num_queries):
    city = build_city(admin_dinsos)
    for number in range(5):  # more families must not mean more queries
        family = make_household(kelurahan_code=ROWOSARI)
        classify(city.period, family)
        refer(admin_dinsos, city.period, city.rtlh, family, c.ReferralStatus.ACCEPTED)
        if number % 2:
            refer(admin_dinsos, city.period, city.pbi, family, c.ReferralStatus.PROPOSED)
    with django_assert_max_num_queries(7):
        matrix = convergence.convergence_matrix(user=admin_dinsos, period=city.period)
    assert [row.families for row in matrix.rows] == [2, 8, 1]
    assert cells(matrix.rows[1]) == [(3, 2), (6, 0), (2, 0)]


@pytest.mark.django_db
def test_kelurahan_matrix_lists_families_untouched_first(admin_dinsos):
    city = build_city(admin_dinsos)
    matrix = convergence.convergence_matrix(
        user=admin_dinsos, period=city.period, kelurahan_code=METESEH
    )
    a, b = city.families["A"], city.families["B"]
    assert matrix.names_shown
    assert [(row.household_id, row.name, row.untouched) for row in matrix.rows] == [
        (b.pk, head_of(b).full_name, 1),
        (a.pk, head_of(a).full_name, 0),
    ]
    assert [cells(row) for row in matrix.rows] == [
        [(0, 0), (0, 0), (0, 0)],
        [(1, 0), (0, 1), (0, 0)],
    ]
    assert (matrix.total.families, matrix.total.untouched) == (2, 1)
    assert cells(matrix.total) == [(1, 0), (0, 1), (0, 0)]


@pytest.mark.django_db
def test_field_officer_counts_only_their_area(admin_dinsos, officer_tugu, officer_tembalang):
    city = build_city(admin_dinsos)
    tugu = convergence.convergence_matrix(user=officer_tugu, period=city.period)
    assert [(row.key, row.families) for row in tugu.rows] == [(JERAKAH, 1)]
    assert cells(tugu.total) == [(1, 0), (0, 0), (0, 0)]
    with pytest.raises(Http404):
        convergence.convergence_matrix(
            user=officer_tugu, period=city.period, kelurahan_code=METESEH
        )
    tembalang = convergence.convergence_matrix(user=officer_tembalang, period=city.period)
    assert [row.key for row in tembalang.rows] == [METESEH, ROWOSARI]
    assert (tembalang.total.families, tembalang.total.untouched) == (5, 1)


@pytest.mark.django_db
def test_leader_counts_every_kelurahan_but_sees_no_family(admin_dinsos, leader, opd_dinkes):
    city = build_city(admin_dinsos)
    city_wide = convergence.convergence_matrix(user=leader, period=city.period)
    assert cells(city_wide.total) == [(5, 0), (1, 1), (2, 0)]
    meteseh = convergence.convergence_matrix(
        user=leader, period=city.period, kelurahan_code=METESEH
    )
    assert meteseh.rows == []
    assert not meteseh.names_shown
    assert (meteseh.total.families, meteseh.total.untouched) == (2, 1)
    assert cells(meteseh.total) == [(1, 0), (0, 1), (0, 0)]
    assert convergence.convergence_matrix(user=opd_dinkes, period=city.period).rows == []


# --- coverage gaps ---------------------------------------------------------------------


@pytest.mark.django_db
def test_gaps_are_open_needs_nobody_committed_to_oldest_first(admin_dinsos):
    city = build_city(admin_dinsos)
    gaps = selectors_gaps.coverage_gaps(
        user=admin_dinsos, period=city.period, today=dt.date(2025, 1, 31)
    )
    assert ids(gaps) == ids([city.needs["B1"], city.needs["F1"], city.needs["A2"]])
    food, _tugu, house = gaps
    assert (food.programmes, food.is_proposed, food.days_waiting) == (["Zakat Tunai"], False, 19)
    assert (house.programmes, house.is_proposed) == (["Bedah RTLH", "Bedah Rumah Baznas"], True)
    assert house.head_name == head_of(city.families["A"]).full_name
    assert selectors_gaps.coverage_gap_count(user=admin_dinsos, period=city.period) == 3


@pytest.mark.django_db
def test_a_gap_closes_once_a_referral_is_accepted(admin_dinsos):
    city = build_city(admin_dinsos)
    proposed = city.referrals["A-rtlh"]
    proposed.status = c.ReferralStatus.ACCEPTED
    proposed.save(update_fields=["status"])
    Need.objects.filter(pk=city.needs["F1"].pk).update(status=vc.NeedStatus.MET)
    gaps = selectors_gaps.coverage_gaps(user=admin_dinsos, period=city.period)
    assert ids(gaps) == ids([city.needs["B1"]])


@pytest.mark.django_db
def test_gaps_filter_by_kind_kelurahan_and_scope(admin_dinsos, officer_tugu, leader):
    city = build_city(admin_dinsos)
    by_kind = selectors_gaps.coverage_gaps(user=admin_dinsos, period=city.period, kind="pangan")
    assert ids(by_kind) == ids([city.needs["B1"], city.needs["F1"]])
    meteseh = selectors_gaps.coverage_gaps(
        user=admin_dinsos, period=city.period, kelurahan_code=METESEH
    )
    assert ids(meteseh) == ids([city.needs["B1"], city.needs["A2"]])
    assert ids(selectors_gaps.coverage_gaps(user=officer_tugu, period=city.period)) == ids(
        [city.needs["F1"]]
    )
    assert selectors_gaps.coverage_gaps(user=leader, period=city.period) == []
    assert selectors_gaps.coverage_gap_count(user=leader, period=city.period) == 3


# --- double-dipping --------------------------------------------------------------------


@pytest.mark.django_db
def test_double_dipping_finds_each_rule_once(admin_dinsos):
    city = build_city(admin_dinsos)
    alerts = selectors_gaps.double_dipping(user=admin_dinsos, period=city.period)
    found = sorted(
        (alert.rule, alert.household_id, tuple(fact.pk for fact in alert.referrals))
        for alert in alerts
    )
    r = city.referrals
    assert found == sorted([
        (selectors_gaps.SAME_NEED, city.families["C"].pk, (r["C-rtlh"].pk, r["C-bedah"].pk)),
        (selectors_gaps.TWO_CASH, city.families["D"].pk, (r["D-cash"].pk, r["D-zakat"].pk)),
        (selectors_gaps.EXCLUSIVE, city.families["E"].pk, (r["E-pbi"].pk, r["E-kis"].pk)),
    ])  # fmt: skip
    by_rule = {alert.rule: alert for alert in alerts}
    assert by_rule[selectors_gaps.EXCLUSIVE].explanation == (
        "PBI JKN dan KIS Daerah tidak boleh diterima bersamaan dalam satu periode, tetapi "
        "keduanya sudah disetujui untuk keluarga ini."
    )
    assert "Baznas Kota, Dinas Perumahan" in by_rule[selectors_gaps.SAME_NEED].explanation
    assert by_rule[selectors_gaps.TWO_CASH].head_name == head_of(city.families["D"]).full_name


@pytest.mark.django_db
def test_double_dipping_ignores_proposals_other_periods_and_other_members(admin_dinsos):
    city = build_city(admin_dinsos)
    later = period("2025-02")
    family = make_household(kelurahan_code=ROWOSARI, members=2)
    first, second = members_of(family)
    refer(admin_dinsos, city.period, city.pbi, family, c.ReferralStatus.ACCEPTED, person=first)
    refer(admin_dinsos, city.period, city.kis, family, c.ReferralStatus.ACCEPTED, person=second)
    refer(admin_dinsos, city.period, city.zakat, family, c.ReferralStatus.PROPOSED)
    refer(admin_dinsos, later, city.cash_dinkes, family, c.ReferralStatus.ACCEPTED)
    refer(admin_dinsos, city.period, city.cash_dinkes, family, c.ReferralStatus.CANCELLED)
    alerts = selectors_gaps.double_dipping(user=admin_dinsos, period=city.period)
    assert family.pk not in {alert.household_id for alert in alerts}
    refer(admin_dinsos, city.period, city.kis, family, c.ReferralStatus.ACCEPTED)  # the family
    alerts = selectors_gaps.double_dipping(user=admin_dinsos, period=city.period)
    assert [alert.rule for alert in alerts if alert.household_id == family.pk] == [
        selectors_gaps.EXCLUSIVE
    ]


@pytest.mark.django_db
def test_double_dipping_follows_scope(admin_dinsos, officer_tugu, officer_tembalang, leader):
    city = build_city(admin_dinsos)
    assert selectors_gaps.double_dipping(user=officer_tugu, period=city.period) == []
    assert len(selectors_gaps.double_dipping(user=officer_tembalang, period=city.period)) == 3
    counted = selectors_gaps.double_dipping(user=leader, period=city.period)
    assert [alert.head_name for alert in counted] == ["", "", ""]


# --- the family card -------------------------------------------------------------------


@pytest.mark.django_db
def test_family_card_shows_every_organisations_work(admin_dinsos, officer_tembalang):
    city = build_city(admin_dinsos)
    family = city.families["C"]
    Companionship.objects.create(
        household=family, companion=officer_tembalang, started_on=dt.date(2025, 1, 20),
        assigned_by=admin_dinsos,
    )  # fmt: skip
    plan = FamilyPlan.objects.create(
        household=family, agreed_on=dt.date(2025, 1, 25), created_by=admin_dinsos
    )
    goal = PlanGoal.objects.create(plan=plan, title="Rumah layak huni", need=city.needs["C1"])
    Referral.objects.filter(pk=city.referrals["C-rtlh"].pk).update(goal=goal)
    card = selectors_family.family_card(user=officer_tembalang, household_id=family.pk)
    assert card.head_name == head_of(family).full_name
    assert card.classification is not None
    assert card.classification.status == tc.Status.EXTREME
    assert {referral.pk for referral in card.referrals} == {
        city.referrals["C-rtlh"].pk, city.referrals["C-bedah"].pk,
    }  # fmt: skip
    delivered = next(r for r in card.referrals if r.pk == city.referrals["C-rtlh"].pk)
    assert [d.amount for d in delivered.deliveries.all()] == [Decimal(15_000_000)]
    ((answered_need),) = card.needs
    assert answered_need.label == "Perbaikan rumah (RTLH)"
    assert len(answered_need.referrals) == 2
    assert (card.open_needs, card.unanswered_needs) == (1, 0)
    assert card.companion is not None
    assert card.companion.companion == officer_tembalang
    assert [(row.goal.title, len(row.referrals)) for row in card.goals] == [("Rumah layak huni", 1)]
    assert [alert.rule for alert in card.alerts] == [selectors_gaps.SAME_NEED]


@pytest.mark.django_db
def test_family_card_is_for_admins_and_field_officers_in_scope(
    admin_dinsos, officer_tugu, opd_dinkes, leader
):
    city = build_city(admin_dinsos)
    family = city.families["A"]
    card = selectors_family.family_card(user=admin_dinsos, household_id=family.pk)
    assert [row.need.kind for row in card.needs] == ["pbi_jkn", "rtlh"]
    assert (card.open_needs, card.unanswered_needs) == (2, 1)
    for user in (officer_tugu, opd_dinkes, leader):
        with pytest.raises(Http404):
            selectors_family.family_card(user=user, household_id=family.pk)


@pytest.mark.django_db
def test_period_defaults_to_the_latest_classified(admin_dinsos):
    city = build_city(admin_dinsos)
    assert convergence.convergence_period() == city.period
    later = period("2025-02")
    assert convergence.convergence_period() == city.period  # not classified yet
    classify(later, city.families["A"])
    later.ends_on = dt.date(2025, 2, 28)
    later.save(update_fields=["ends_on"])
    assert convergence.convergence_period() == later
    assert convergence.convergence_period(code="2025-01") == city.period
    with pytest.raises(Http404):
        convergence.convergence_period(code="tidak-ada")
