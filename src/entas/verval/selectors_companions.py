"""Reading pendampingan: a companion's families, the extreme-poor families of a period with
or without a companion, and everything the family's verval page shows.

Families are always reached through `registry.selectors.household_scope` (ADR 0004).
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from entas.accounts.models import Role, User
from entas.registry import choices as rc
from entas.registry.models import Household, Membership
from entas.registry.selectors import household_scope
from entas.targeting import choices as tc
from entas.targeting.models import Classification, Period
from entas.targeting.selectors import household_classifications
from entas.verval import choices as c
from entas.verval.models import (
    CompanionNote,
    Companionship,
    FamilyPlan,
    Need,
    PlanGoal,
    PlanStep,
    Visit,
)
from entas.verval.services.companions import may_write_for
from entas.wilayah.models import Region

NOTES_SHOWN = 50


def _current_companionship() -> QuerySet[Companionship]:
    return Companionship.objects.filter(household_id=OuterRef("pk"), ended_on__isnull=True)


def _with_companion(households: QuerySet[Household]) -> QuerySet[Household]:
    current = _current_companionship()
    return households.annotate(
        companion_id=Subquery(current.values("companion_id")[:1]),
        companion_name=Subquery(current.values("companion__full_name")[:1]),
        companion_username=Subquery(current.values("companion__username")[:1]),
    )


def _with_head(households: QuerySet[Household]) -> QuerySet[Household]:
    head = Membership.objects.filter(
        household_id=OuterRef("pk"), end_date__isnull=True, relationship=rc.Relationship.HEAD
    )
    return households.annotate(head_name=Subquery(head.values("person__full_name")[:1]))


def my_families(*, user: User) -> QuerySet[Household]:
    """The families `user` accompanies now, with the last note date, the active plan's
    agreement date and the count of open needs; never visited first, then the oldest note."""
    current = Companionship.objects.filter(companion=user, ended_on__isnull=True)
    last_note = CompanionNote.objects.filter(household_id=OuterRef("pk")).order_by(
        "-visited_on", "-pk"
    )
    active_plan = FamilyPlan.objects.filter(household_id=OuterRef("pk"), status=c.PlanStatus.ACTIVE)
    families = (
        household_scope(user)
        .filter(pk__in=current.values("household_id"))
        .select_related("kelurahan")
        .annotate(
            last_note_on=Subquery(last_note.values("visited_on")[:1]),
            plan_agreed_on=Subquery(active_plan.values("agreed_on")[:1]),
            open_needs=Count("needs", filter=Q(needs__status=c.NeedStatus.OPEN)),
        )
    )
    waited_longest = F("last_note_on").asc(nulls_first=True)
    return _with_head(families).order_by(waited_longest, "kelurahan__code", "pk")


def latest_classified_period() -> Period | None:
    return Period.objects.filter(classified_at__isnull=False).order_by("-ends_on", "-pk").first()


def classified_periods() -> QuerySet[Period]:
    return Period.objects.filter(classified_at__isnull=False).order_by("-ends_on", "-pk")


def extreme_families(
    *,
    user: User,
    period: Period,
    kelurahan_code: str = "",
    without_companion: bool = False,
) -> QuerySet[Household]:
    """Families classified extreme-poor in `period` within the user's scope, in a kelurahan
    when given, each with its current companion (`companion_id`, `companion_name`)."""
    extreme = Classification.objects.filter(period=period, status=tc.Status.EXTREME)
    families = household_scope(user).filter(pk__in=extreme.values("household_id"))
    if kelurahan_code:
        families = families.filter(kelurahan__code=kelurahan_code)
    if without_companion:
        current = Companionship.objects.filter(ended_on__isnull=True)
        families = families.exclude(pk__in=current.values("household_id"))
    families = _with_companion(_with_head(families.select_related("kelurahan")))
    return families.order_by("kelurahan__code", "kk_number", "pk")


@dataclass(frozen=True)
class AreaRow:
    kelurahan: Region
    families: int
    accompanied: int

    @property
    def without_companion(self) -> int:
        return self.families - self.accompanied


def extreme_kelurahan(*, user: User, period: Period) -> list[AreaRow]:
    """Kelurahan with extreme-poor families in the period, with how many have a companion,
    in code order."""
    families = extreme_families(user=user, period=period)
    rows = (
        families.order_by()
        .values("kelurahan_id")
        .annotate(total=Count("pk"), accompanied=Count("companion_id"))
    )
    counts = {row["kelurahan_id"]: (row["total"], row["accompanied"]) for row in rows}
    regions = Region.objects.filter(pk__in=counts).order_by("code")
    return [AreaRow(region, *counts[region.pk]) for region in regions]


def companion_options(*, kelurahan_code: str) -> list[User]:
    """Who may accompany a family of the kelurahan: active field officers covering it."""
    kecamatan_code = kelurahan_code.rsplit(".", 1)[0]
    officers = User.objects.filter(
        role=Role.FIELD_OFFICER, is_active=True, areas__code__in=[kelurahan_code, kecamatan_code]
    )
    return list(officers.distinct().order_by("full_name", "username", "pk"))


def field_officers() -> list[User]:
    """Every active field officer, for the bulk form before a kelurahan is chosen."""
    officers = User.objects.filter(role=Role.FIELD_OFFICER, is_active=True)
    return list(officers.order_by("full_name", "username", "pk"))


# --- the family's verval page ---------------------------------------------------------


def need_label(need: Need) -> str:
    """ "Alat bantu disabilitas: Kursi roda (Slamet)": the kind, its detail, the member."""
    label = str(need.get_kind_display())
    details = c.NEED_DETAILS.get(c.NeedKind(need.kind)) if need.kind in c.NeedKind.values else None
    if need.detail:
        detail = dict(details.choices).get(need.detail, need.detail) if details else need.detail
        label = f"{label}: {detail}"
    if need.person is not None:
        label = f"{label} ({need.person.full_name})"
    return label


@dataclass(frozen=True)
class NeedRow:
    need: Need
    label: str


@dataclass(frozen=True)
class GoalRow:
    goal: PlanGoal
    need_label: str
    steps: list[PlanStep]


@dataclass(frozen=True)
class PlanRow:
    plan: FamilyPlan
    goals: list[GoalRow]

    @property
    def steps_total(self) -> int:
        return sum(len(goal.steps) for goal in self.goals)

    @property
    def steps_done(self) -> int:
        return sum(1 for goal in self.goals for step in goal.steps if step.done_on)


@dataclass
class FamilyView:
    household: Household
    members: list[Membership]
    classification: Classification | None
    visits: list[Visit]
    needs: list[NeedRow]
    companion: Companionship | None
    past_companions: list[Companionship]
    notes: list[CompanionNote]
    plan: PlanRow | None
    older_plans: list[PlanRow]
    may_write: bool
    companion_options: list[User] = field(default_factory=list)

    @property
    def open_needs(self) -> list[Need]:
        return [row.need for row in self.needs if row.need.status == c.NeedStatus.OPEN]


def _plans(household: Household) -> list[PlanRow]:
    steps = Prefetch("steps", queryset=PlanStep.objects.order_by("pk"))
    goals = Prefetch(
        "goals",
        queryset=PlanGoal.objects.select_related("need__person").prefetch_related(steps),
    )
    plans = FamilyPlan.objects.filter(household=household).select_related("created_by")
    return [
        PlanRow(
            plan=plan,
            goals=[
                GoalRow(
                    goal=goal,
                    need_label=need_label(goal.need) if goal.need else "",
                    steps=list(goal.steps.all()),
                )
                for goal in plan.goals.all()
            ],
        )
        for plan in plans.prefetch_related(goals).order_by("-agreed_on", "-pk")
    ]


def family_view(*, user: User, household: Household) -> FamilyView:
    """Everything the family's page shows; `household` was loaded through the user's scope."""
    companionships = list(
        Companionship.objects.filter(household=household).select_related("companion")
    )
    current = next((row for row in companionships if row.ended_on is None), None)
    plans = _plans(household)
    active = next((row for row in plans if row.plan.status == c.PlanStatus.ACTIVE), None)
    members = household.memberships.filter(end_date__isnull=True).select_related("person")
    visits = Visit.objects.filter(household=household).select_related("officer", "reviewed_by")
    needs = household_needs(household=household)
    notes = CompanionNote.objects.filter(household=household).select_related("author")
    return FamilyView(
        household=household,
        members=list(members.order_by("start_date", "pk")),
        classification=household_classifications(household.pk).first(),
        visits=list(visits),
        needs=[
            NeedRow(need=need, label=need_label(need))
            for need in sorted(needs, key=lambda n: (n.status != c.NeedStatus.OPEN, n.kind, n.pk))
        ],
        companion=current,
        past_companions=[row for row in companionships if row.ended_on is not None],
        notes=list(notes[:NOTES_SHOWN]),
        plan=active,
        older_plans=[row for row in plans if row is not active],
        may_write=may_write_for(user, household.pk),
        companion_options=(
            companion_options(kelurahan_code=household.kelurahan.code)
            if user.role == Role.ADMIN
            else []
        ),
    )


def plan_goal(*, household: Household, goal_id: int) -> PlanGoal:
    """A goal of the family's active plan, else 404."""
    try:
        return PlanGoal.objects.select_related("plan").get(
            pk=goal_id, plan__household=household, plan__status=c.PlanStatus.ACTIVE
        )
    except PlanGoal.DoesNotExist:
        raise Http404("Tujuan tidak ditemukan.") from None


def plan_step(*, household: Household, step_id: int) -> PlanStep:
    """A step of the family's active plan, else 404."""
    try:
        return PlanStep.objects.select_related("goal__plan").get(
            pk=step_id,
            goal__plan__household=household,
            goal__plan__status=c.PlanStatus.ACTIVE,
        )
    except PlanStep.DoesNotExist:
        raise Http404("Langkah tidak ditemukan.") from None


def active_plan(*, household: Household) -> FamilyPlan:
    found = FamilyPlan.objects.filter(household=household, status=c.PlanStatus.ACTIVE).first()
    if found is None:
        raise Http404("Rencana aktif tidak ditemukan.")
    return found


def household_needs(*, household: Household) -> QuerySet[Need]:
    return Need.objects.filter(household=household).select_related("person")
