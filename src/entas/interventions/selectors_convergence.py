"""Convergence: is every need of every extreme-poor family met by someone, and is nobody
helped twice? The family card, the family × organisation matrix, coverage gaps and
double-dipping alerts.

The families that count are those classified extreme-poor (`TARGET_STATUSES`) in the
period's snapshot; a referral counts as help once committed (`choices.COMMITTED`).
Counts come from a few GROUP BY queries over referrals and classifications, never from a
loop over families: the city-wide matrix stays under a second (bench/bench_convergence.py).

Scope (ADR 0004): counts cover the user's areas (admins and leaders the whole city, field
officers their kecamatan/kelurahan); families are named only for users who may see names
(`access.can_view_convergence_names`: admins and field officers), through
`registry.selectors.household_scope`. OPD officers and partners see nothing here: they
would see other organisations' work.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.accounts.models import Organization, Role, User
from entas.interventions import choices as c
from entas.interventions.models import Delivery, Programme, Referral
from entas.registry.choices import Relationship
from entas.registry.models import Household, Membership
from entas.registry.selectors import area_count_scope, household_scope
from entas.targeting import choices as tc
from entas.targeting.models import Classification, Period
from entas.verval import choices as vc
from entas.verval.models import Companionship, FamilyPlan, Need, PlanGoal
from entas.verval.selectors_companions import need_label
from entas.wilayah.models import Region
from entas.wilayah.selectors import deployment_code

TARGET_STATUSES = (tc.Status.EXTREME,)
COMMITTED = [status.value for status in c.COMMITTED]
PROPOSED = c.ReferralStatus.PROPOSED.value
KELURAHAN_LEVEL = 4


# --- period and scope ------------------------------------------------------------------


def convergence_periods() -> QuerySet[Period]:
    """Classified periods, newest first: the period chooser's options."""
    return Period.objects.filter(classified_at__isnull=False).order_by("-ends_on", "-pk")


def convergence_period(*, code: str = "") -> Period | None:
    """The classified period `code`, or the latest classified one when empty; None when no
    period is classified yet. An unknown code is a 404."""
    periods = convergence_periods()
    if not code:
        return periods.first()
    found = periods.filter(code=code).first()
    if found is None:
        raise Http404(_("Periode tidak ditemukan."))
    return found


def access_convergence_kelurahan(*, user: User, kelurahan_code: str) -> Region:
    """A kelurahan of the deployment the user may count; 404 otherwise."""
    area = _region_area(user)
    region = (
        None
        if area is None
        else Region.objects.filter(area, code=kelurahan_code, level=KELURAHAN_LEVEL)
        .select_related("parent")
        .first()
    )
    if region is None:
        raise Http404(_("Kelurahan tidak ditemukan."))
    return region


def _region_area(user: User) -> Q | None:
    """The user's areas as a filter on Region itself; None when they may count none."""
    role = access.role_of(user)
    if role in access.CITY_WIDE_ROLES:
        return Q(code__startswith=deployment_code() + ".")
    if role != Role.FIELD_OFFICER:
        return None
    kecamatan, kelurahan = access.area_codes(user)
    area = Q(code__in=kelurahan)
    for code in kecamatan:
        area |= Q(code__startswith=code + ".")
    return area


def _targets(period: Period) -> QuerySet[Classification]:
    return Classification.objects.filter(period=period, status__in=TARGET_STATUSES)


def _target_households(user: User, period: Period, kelurahan_code: str | None) -> QuerySet:
    """Ids of the period's target families in the user's areas (a subquery)."""
    area = area_count_scope(user)
    if area is None:
        return Household.objects.none().values("pk")
    households = Household.objects.filter(area, pk__in=_targets(period).values("household_id"))
    if kelurahan_code:
        households = households.filter(kelurahan_id=kelurahan_code)
    return households.values("pk")


def _head_name(path: str = "pk") -> Subquery:
    """The current head's name, else the last head's (a family whose head died)."""
    heads = Membership.objects.filter(
        household_id=OuterRef(path), relationship=Relationship.HEAD
    ).order_by(F("end_date").desc(nulls_first=True), "-start_date", "-pk")
    return Subquery(heads.values("person__full_name")[:1])


def _region_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def _named_households(user: User, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """id → (head name, address) of the families the user may name; empty for leaders."""
    if not access.can_view_convergence_names(user):
        return {}
    rows = (
        household_scope(user)
        .filter(pk__in=list(ids))
        .annotate(head=_head_name())
        .values_list("pk", "head", "address")
    )
    return {pk: (head or "", address) for pk, head, address in rows}


# --- the matrix ------------------------------------------------------------------------


@dataclass
class Cell:
    committed: int = 0
    proposed: int = 0


@dataclass
class MatrixRow:
    """A kelurahan (city level: `families` counted) or a family (kelurahan level: one)."""

    key: str
    name: str
    families: int = 0
    untouched: int = 0
    cells: dict[int, Cell] = field(default_factory=dict)
    household_id: int | None = None
    address: str = ""
    cell_list: list[Cell] = field(default_factory=list)

    @property
    def committed(self) -> int:
        return sum(cell.committed for cell in self.cells.values())

    @property
    def proposed(self) -> int:
        return sum(cell.proposed for cell in self.cells.values())

    @property
    def touched(self) -> int:
        return self.families - self.untouched

    def add(self, other: "MatrixRow") -> None:
        self.families += other.families
        self.untouched += other.untouched
        for organization_id, cell in other.cells.items():
            mine = self.cells.setdefault(organization_id, Cell())
            mine.committed += cell.committed
            mine.proposed += cell.proposed


@dataclass
class Matrix:
    """Rows × organisations, with the total row. At kelurahan level `rows` lists families
    only when the user may name them (`names_shown`); the total is there for everyone."""

    period: Period
    organizations: list[Organization]
    rows: list[MatrixRow]
    total: MatrixRow
    kelurahan: Region | None = None
    names_shown: bool = False


def matrix_organizations() -> list[Organization]:
    """The matrix's columns: organisations (OPD and partners) that have programmes."""
    owners = Programme.objects.values("owner_id")
    return list(Organization.objects.filter(pk__in=owners).order_by("kind", "name"))


def _cells(referrals: QuerySet[Referral], key: str) -> dict[object, dict[int, Cell]]:
    found: dict[object, dict[int, Cell]] = defaultdict(dict)
    grouped = (
        referrals.order_by()
        .values_list(key, "organization_id")
        .annotate(
            committed=Count("pk", filter=Q(status__in=COMMITTED)),
            proposed=Count("pk", filter=Q(status=PROPOSED)),
        )
    )
    for group, organization_id, committed, proposed in grouped:
        found[group][organization_id] = Cell(committed, proposed)
    return found


def convergence_matrix(*, user: User, period: Period, kelurahan_code: str | None = None) -> Matrix:
    """City level (no `kelurahan_code`): one row per kelurahan with its target families,
    the committed and proposed referrals per organisation, and the families with no
    committed referral ("belum tersentuh"). Kelurahan level: one row per family (named
    families only), the same total. Four GROUP BY queries plus names."""
    kelurahan = (
        access_convergence_kelurahan(user=user, kelurahan_code=kelurahan_code)
        if kelurahan_code
        else None
    )
    targets = _target_households(user, period, kelurahan_code)
    referrals = Referral.objects.filter(
        period=period, household_id__in=targets, status__in=[*COMMITTED, PROPOSED]
    )
    organizations = matrix_organizations()
    if kelurahan is None:
        rows = _kelurahan_rows(targets, referrals)
    else:
        rows = _family_rows(user, targets, referrals)
    total = MatrixRow(key="", name=_("Jumlah"))
    if kelurahan is not None:
        total.families = Household.objects.filter(pk__in=targets).count()
        total.untouched = total.families - _touched(referrals, None).get(None, 0)
        total.cells = _cells(referrals, "period_id").get(period.pk, {})
    else:
        for row in rows:
            total.add(row)
    for row in [*rows, total]:
        row.cell_list = [row.cells.get(org.pk, Cell()) for org in organizations]
    return Matrix(
        period=period,
        organizations=organizations,
        rows=rows,
        total=total,
        kelurahan=kelurahan,
        names_shown=kelurahan is not None and access.can_view_convergence_names(user),
    )


def _touched(referrals: QuerySet[Referral], key: str | None) -> dict[object, int]:
    """Families with at least one committed referral, per `key` (or in all: key None)."""
    committed = referrals.filter(status__in=COMMITTED).order_by()
    if key is None:
        return {None: committed.values("household_id").distinct().count()}
    return dict(
        committed.values_list(key)
        .annotate(n=Count("household_id", distinct=True))
        .values_list(key, "n")
    )


def _kelurahan_rows(targets: QuerySet, referrals: QuerySet[Referral]) -> list[MatrixRow]:
    families = dict(
        Household.objects.filter(pk__in=targets)
        .order_by()
        .values_list("kelurahan_id")
        .annotate(n=Count("pk"))
        .values_list("kelurahan_id", "n")
    )
    cells = _cells(referrals, "household__kelurahan_id")
    touched = _touched(referrals, "household__kelurahan_id")
    names = _region_names(families)
    return [
        MatrixRow(
            key=code,
            name=names.get(code, code),
            families=count,
            untouched=count - touched.get(code, 0),
            cells=cells.get(code, {}),
        )
        for code, count in sorted(families.items())
    ]


def _family_rows(user: User, targets: QuerySet, referrals: QuerySet[Referral]) -> list[MatrixRow]:
    if not access.can_view_convergence_names(user):
        return []
    families = (
        household_scope(user)
        .filter(pk__in=targets)
        .annotate(head=_head_name())
        .values_list("pk", "head", "address")
    )
    cells = _cells(referrals, "household_id")
    rows = []
    for pk, head, address in families:
        row_cells = cells.get(pk, {})
        committed = sum(cell.committed for cell in row_cells.values())
        rows.append(
            MatrixRow(
                key=str(pk), name=head or "—", families=1, untouched=0 if committed else 1,
                cells=row_cells, household_id=pk, address=address,
            )
        )  # fmt: skip
    return sorted(rows, key=lambda row: (row.untouched == 0, row.name.casefold(), row.key))


# --- coverage gaps ---------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """An open need with no committed referral answering it."""

    need_id: int
    household_id: int
    head_name: str
    kelurahan_code: str
    kelurahan_name: str
    kind: str
    label: str
    created_at: dt.datetime
    days_waiting: int
    programmes: list[str]
    is_proposed: bool


def _gap_needs(
    user: User, period: Period, kelurahan_code: str | None, kind: str | None
) -> QuerySet[Need]:
    targets = _target_households(user, period, kelurahan_code)
    answered = Referral.objects.filter(need_id=OuterRef("pk"), status__in=COMMITTED)
    needs = Need.objects.filter(status=vc.NeedStatus.OPEN, household_id__in=targets).exclude(
        Exists(answered)
    )
    return needs.filter(kind=kind) if kind else needs


def coverage_gap_count(
    *, user: User, period: Period, kelurahan_code: str | None = None, kind: str | None = None
) -> int:
    """How many open needs of target families in the user's areas nobody has committed to."""
    return _gap_needs(user, period, kelurahan_code, kind).count()


def _need_labels() -> dict[tuple[str, str], str]:
    """(kind, detail) → "Kind: detail" with labels translated once: `need_label` for
    thousands of gaps spent most of its time translating the same choices."""
    labels: dict[tuple[str, str], str] = {}
    for kind, kind_label in vc.NeedKind.choices:
        labels[(kind, "")] = str(kind_label)
        details = vc.NEED_DETAILS.get(vc.NeedKind(kind))
        for detail, detail_label in details.choices if details else []:
            labels[(kind, detail)] = f"{kind_label}: {detail_label}"
    return labels


def _gap_label(kind: str, detail: str, member: str | None, labels: dict) -> str:
    label = labels.get((kind, detail)) or (
        f"{labels.get((kind, ''), kind)}: {detail}" if detail else labels.get((kind, ""), kind)
    )
    return f"{label} ({member})" if member else label


def _programmes_by_kind() -> dict[str, list[str]]:
    """Need kind → names of active programmes that answer it (the catalogue is small)."""
    found: dict[str, list[str]] = defaultdict(list)
    for name, needs in Programme.objects.filter(is_active=True).values_list("name", "needs"):
        for kind in needs or []:
            found[kind].append(name)
    return {kind: sorted(names, key=str.casefold) for kind, names in found.items()}


def coverage_gaps(
    *,
    user: User,
    period: Period,
    kelurahan_code: str | None = None,
    kind: str | None = None,
    today: dt.date | None = None,
) -> list[Gap]:
    """Open needs (terbuka) of the period's target families the user may name, with no
    committed referral answering them (`referral.need`), oldest first; each with the
    active programmes that could answer it and whether a referral is already proposed.
    Empty for users who may not see names (they get `coverage_gap_count`)."""
    if not access.can_view_convergence_names(user):
        return []
    today = today or timezone.localdate()
    proposed = Referral.objects.filter(need_id=OuterRef("pk"), status=PROPOSED)
    needs = (
        _gap_needs(user, period, kelurahan_code, kind)
        .filter(household_id__in=household_scope(user).values("pk"))
        .annotate(head=_head_name("household_id"), is_proposed=Exists(proposed))
        .order_by("created_at", "pk")
        .values_list(
            "pk", "household_id", "head", "household__kelurahan_id", "household__kelurahan__name",
            "kind", "detail", "person__full_name", "created_at", "is_proposed",
        )
    )  # fmt: skip
    programmes, labels = _programmes_by_kind(), _need_labels()
    return [
        Gap(
            need_id=pk, household_id=household_id, head_name=head or "",
            kelurahan_code=kelurahan_code, kelurahan_name=kelurahan_name, kind=need_kind,
            label=_gap_label(need_kind, detail, member, labels), created_at=created_at,
            days_waiting=(today - timezone.localtime(created_at).date()).days,
            programmes=programmes.get(need_kind, []), is_proposed=is_proposed,
        )
        for (
            pk, household_id, head, kelurahan_code, kelurahan_name, need_kind, detail, member,
            created_at, is_proposed,
        ) in needs
    ]  # fmt: skip


# --- double-dipping --------------------------------------------------------------------

EXCLUSIVE, SAME_NEED, TWO_CASH = "saling_meniadakan", "kebutuhan_sama", "dua_tunai"


@dataclass(frozen=True)
class ReferralFact:
    pk: int
    household_id: int
    person_id: int | None
    programme_id: int
    programme_name: str
    programme_kind: str
    organization_id: int
    organization_name: str
    need_id: int | None


@dataclass(frozen=True)
class Alert:
    """Help given twice: `rule` is EXCLUSIVE, SAME_NEED or TWO_CASH; `explanation` says
    why in plain Indonesian. `head_name` is empty for users who may not see names."""

    rule: str
    household_id: int
    referrals: tuple[ReferralFact, ...]
    explanation: str
    head_name: str = ""
    address: str = ""


def _committed_facts(user: User, period: Period) -> list[ReferralFact]:
    """Committed referrals of the period for families in the user's areas that have two or
    more of them (only those can be double-dipping)."""
    area = area_count_scope(user, through="household__")
    if area is None:
        return []
    committed = Referral.objects.filter(area, period=period, status__in=COMMITTED).order_by()
    several = committed.values("household_id").annotate(n=Count("pk")).filter(n__gt=1)
    rows = committed.filter(household_id__in=several.values("household_id")).values_list(
        "pk", "household_id", "person_id", "programme_id", "programme__name", "programme__kind",
        "organization_id", "organization__name", "need_id",
    )  # fmt: skip
    return [ReferralFact(*row) for row in rows.order_by("household_id", "pk")]


def _exclusive_pairs(programme_ids: set[int]) -> set[tuple[int, int]]:
    through = Programme.excludes.through
    return {
        (low, high)
        for low, high in through.objects.filter(
            from_programme_id__in=programme_ids, to_programme_id__in=programme_ids
        ).values_list("from_programme_id", "to_programme_id")
    }


def _same_target(first: ReferralFact, second: ReferralFact) -> bool:
    """A family programme overlaps every member's; two members' programmes do not."""
    return (
        first.person_id is None or second.person_id is None or (first.person_id == second.person_id)
    )


def _family_alerts(facts: list[ReferralFact], exclusive: set[tuple[int, int]]) -> list[Alert]:
    household_id = facts[0].household_id
    alerts = []
    for index, first in enumerate(facts):
        for second in facts[index + 1 :]:
            pair = (first.programme_id, second.programme_id)
            if pair in exclusive and _same_target(first, second):
                alerts.append(
                    Alert(EXCLUSIVE, household_id, (first, second), _(
                        "%(first)s dan %(second)s tidak boleh diterima bersamaan dalam satu "
                        "periode, tetapi keduanya sudah disetujui untuk keluarga ini."
                    ) % {"first": first.programme_name, "second": second.programme_name})
                )  # fmt: skip
    by_need: dict[int, list[ReferralFact]] = defaultdict(list)
    for fact in facts:
        if fact.need_id is not None:
            by_need[fact.need_id].append(fact)
    for same in by_need.values():
        if len({fact.organization_id for fact in same}) > 1:
            names = ", ".join(sorted({fact.organization_name for fact in same}))
            alerts.append(
                Alert(SAME_NEED, household_id, tuple(same), _(
                    "Satu kebutuhan yang sama dijawab oleh lebih dari satu organisasi (%(names)s)."
                    " Cukup satu; yang lain dapat dialihkan ke keluarga lain."
                ) % {"names": names})
            )  # fmt: skip
    cash = [fact for fact in facts if fact.programme_kind == c.ProgrammeKind.CASH]
    if len({fact.programme_id for fact in cash}) > 1:
        names = ", ".join(sorted({fact.programme_name for fact in cash}))
        alerts.append(
            Alert(TWO_CASH, household_id, tuple(cash), _(
                "Keluarga ini menerima dua bantuan tunai atau lebih dalam periode yang sama"
                " (%(names)s). Periksa apakah memang diperlukan."
            ) % {"names": names})
        )  # fmt: skip
    return alerts


def double_dipping(*, user: User, period: Period) -> list[Alert]:
    """Alerts of the period in the user's areas: (a) a family (or the same member) with
    committed referrals to two programmes that exclude each other; (b) one need answered
    by committed referrals of two organisations; (c) two committed cash programmes for
    one family. Families are named only for users who may see names."""
    facts = _committed_facts(user, period)
    exclusive = _exclusive_pairs({fact.programme_id for fact in facts})
    by_family: dict[int, list[ReferralFact]] = defaultdict(list)
    for fact in facts:
        by_family[fact.household_id].append(fact)
    alerts = [alert for rows in by_family.values() for alert in _family_alerts(rows, exclusive)]
    names = _named_households(user, by_family)
    return [
        Alert(
            alert.rule, alert.household_id, alert.referrals, alert.explanation,
            *names.get(alert.household_id, ("", "")),
        )
        for alert in alerts
    ]  # fmt: skip


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
            .annotate(head=_head_name())
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
    return _family_alerts(facts, _exclusive_pairs({fact.programme_id for fact in facts}))
