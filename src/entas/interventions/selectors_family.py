"""The family card: every organisation's referrals to one family, its needs and plan
goals with the referrals answering each, and the period's double-dipping alerts. Only
for users who may see families by name, within their scope (404 otherwise).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.accounts.models import User
from entas.interventions.models import Delivery, Referral
from entas.interventions.selectors_convergence import (
    COMMITTED,
    convergence_period,
    head_name_subquery,
)
from entas.interventions.selectors_gaps import (
    Alert,
    ReferralFact,
    exclusive_pairs,
    family_alerts,
)
from entas.registry.models import Household
from entas.registry.selectors import household_scope
from entas.targeting.models import Classification, Period
from entas.verval import choices as vc
from entas.verval.models import Companionship, FamilyPlan, Need, PlanGoal
from entas.verval.selectors_companions import need_label

# --- the family card -------------------------------------------------------------------


@dataclass(frozen=True)
class NeedCard:
    need: Need
    label: str
    referrals: list[Referral]


@dataclass(frozen=True)
class GoalCard:
    goal: PlanGoal
    need_label: str
    referrals: list[Referral]


@dataclass
class FamilyCard:
    household: Household
    head_name: str
    members: int
    period: Period | None
    classification: Classification | None
    referrals: list[Referral]
    needs: list[NeedCard]
    companion: Companionship | None
    plan: FamilyPlan | None
    goals: list[GoalCard]
    alerts: list[Alert]

    @property
    def open_needs(self) -> int:
        return sum(1 for row in self.needs if row.need.status == vc.NeedStatus.OPEN)

    @property
    def unanswered_needs(self) -> int:
        return sum(
            1
            for row in self.needs
            if row.need.status == vc.NeedStatus.OPEN
            and not any(referral.status in COMMITTED for referral in row.referrals)
        )


def access_family_card(*, user: User, household_id: int | str) -> Household:
    """The family, for a user who may see families by name and has it in scope; else 404."""
    if not access.can_view_convergence_names(user):
        raise Http404(_("Keluarga tidak ditemukan."))
    try:
        return (
            household_scope(user)
            .select_related("kelurahan__parent")
            .annotate(head=head_name_subquery())
            .get(pk=household_id)
        )
    except (Household.DoesNotExist, ValueError, TypeError):
        raise Http404(_("Keluarga tidak ditemukan.")) from None


def family_card(*, user: User, household_id: int | str, period: Period | None = None) -> FamilyCard:
    """Every referral of every organisation to the family (all periods, newest first, with
    deliveries), its open and met needs with the referrals answering each, its companion,
    its active plan's goals, and the period's double-dipping alerts."""
    household = access_family_card(user=user, household_id=household_id)
    period = period or convergence_period()
    referrals = list(
        Referral.objects.filter(household=household)
        .select_related("programme", "organization", "period", "person", "need")
        .prefetch_related(
            Prefetch("deliveries", queryset=Delivery.objects.order_by("-delivered_on"))
        )
        .order_by("-period__ends_on", "-created_at", "-pk")
    )
    by_need: dict[int, list[Referral]] = defaultdict(list)
    by_goal: dict[int, list[Referral]] = defaultdict(list)
    for referral in referrals:
        if referral.need_id:
            by_need[referral.need_id].append(referral)
        if referral.goal_id:
            by_goal[referral.goal_id].append(referral)
    needs = (
        Need.objects.filter(household=household, status__in=[vc.NeedStatus.OPEN, vc.NeedStatus.MET])
        .select_related("person")
        .order_by("status", "created_at", "pk")
    )
    plan = FamilyPlan.objects.filter(household=household, status=vc.PlanStatus.ACTIVE).first()
    goals = list(PlanGoal.objects.filter(plan=plan).select_related("need__person")) if plan else []
    classification = (
        Classification.objects.filter(period=period, household=household).first()
        if period
        else None
    )
    return FamilyCard(
        household=household,
        head_name=household.head or "",  # type: ignore[attr-defined]
        members=household.memberships.filter(end_date__isnull=True).count(),
        period=period,
        classification=classification,
        referrals=referrals,
        needs=[NeedCard(need, need_label(need), by_need.get(need.pk, [])) for need in needs],
        companion=Companionship.objects.filter(household=household, ended_on__isnull=True)
        .select_related("companion")
        .first(),
        plan=plan,
        goals=[
            GoalCard(goal, need_label(goal.need) if goal.need else "", by_goal.get(goal.pk, []))
            for goal in goals
        ],
        alerts=_family_card_alerts(referrals, period),
    )


def _family_card_alerts(referrals: list[Referral], period: Period | None) -> list[Alert]:
    facts = [
        ReferralFact(
            r.pk, r.household_id, r.person_id, r.programme_id, r.programme.name,
            r.programme.kind, r.organization_id, r.organization.name, r.need_id,
        )
        for r in referrals
        if period is not None and r.period_id == period.pk and r.status in COMMITTED
    ]  # fmt: skip
    if len(facts) < 2:
        return []
    return family_alerts(facts, exclusive_pairs({fact.programme_id for fact in facts}))
