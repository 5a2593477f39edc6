"""Each organisation's progress in a period, from needs to delivered help: per organisation
that owns programmes (OPD, Dinsos, partners) and per programme, the open recommendations,
the referrals in each status, the families reached, the units and rupiah delivered against
the allocation, and the share of the period's extreme-poor families reached.

Counts only, never names. Who sees which organisations (`progress_organizations`): Dinsos
admins and leaders every one, within `area_count_scope` (the matrix's rule); an OPD
officer or a partner only its own organisation, wherever its families live; everyone else
nothing. The city-wide figures that mix every organisation's work (families reached by
anyone, needs nobody has taken on) are for admins and leaders only.

A fixed number of GROUP BY queries (about ten), whatever the number of referrals:
statuses per (organisation, programme), deliveries per (organisation, programme) and per
organisation (families are distinct per organisation, so they are not summed), and open
recommendations per programme.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from entas.accounts import access
from entas.accounts.models import Organization, User
from entas.interventions import choices as c
from entas.interventions.models import (
    Delivery,
    Programme,
    ProgrammeAllocation,
    Recommendation,
    Referral,
)
from entas.interventions.selectors_convergence import TARGET_STATUSES
from entas.interventions.selectors_gaps import coverage_gap_count
from entas.registry.models import Household
from entas.registry.selectors import area_count_scope
from entas.targeting.models import Classification, Period

Status = c.ReferralStatus
STATUS_FILTERS = {
    "proposed": Q(status=Status.PROPOSED),
    "accepted": Q(status=Status.ACCEPTED),
    "declined": Q(status=Status.DECLINED),
    "scheduled": Q(status=Status.SCHEDULED),
    "delivered": Q(status__in=[Status.DELIVERED, Status.CLOSED]),
    "closed": Q(status=Status.CLOSED),
    "cancelled": Q(status=Status.CANCELLED),
}
Key = tuple[int, int]  # (organisation id, programme id)


@dataclass
class Tally:
    """What happened to an organisation's (or a programme's) referrals in the period.
    `delivered` counts tersalurkan and selesai; `closed` the selesai among them (outcome
    recorded). `families` are distinct households with a delivery, `extreme_families`
    those among them classified extreme-poor in the period."""

    recommended: int = 0
    proposed: int = 0
    accepted: int = 0
    declined: int = 0
    scheduled: int = 0
    delivered: int = 0
    closed: int = 0
    cancelled: int = 0
    rupiah: Decimal = Decimal(0)
    families: int = 0
    extreme_families: int = 0

    def add(self, other: "Tally") -> None:
        for name in (item.name for item in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ProgrammeProgress:
    programme: Programme
    tally: Tally = field(default_factory=Tally)
    units: int = 0
    has_allocation: bool = False
    quota: int | None = None
    budget: Decimal | None = None
    share: float | None = None  # percent of the period's extreme-poor families it reached


@dataclass
class OrganizationProgress:
    organization: Organization
    tally: Tally
    programmes: list[ProgrammeProgress]
    budget: Decimal | None
    share: float | None  # percent of the period's extreme-poor families it reached


@dataclass
class Progress:
    """The rows, and the figures above them. `reached_families` and `gap_count` are None
    for users who see only their own organisation."""

    period: Period
    organizations: list[OrganizationProgress] = field(default_factory=list)
    extreme_families: int = 0
    reached_families: int | None = None
    gap_count: int | None = None

    @property
    def share(self) -> float | None:
        if self.reached_families is None:
            return None
        return percent(self.reached_families, self.extreme_families)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- who sees what ---------------------------------------------------------------------


def progress_organizations(*, user: User, period: Period) -> QuerySet[Organization]:
    """The rows the user may see: organisations that own programmes or hold referrals of
    the period (admins and leaders), the user's own organisation (OPD officers and
    partners), none for anyone else."""
    if access.role_of(user) in access.CITY_WIDE_ROLES:
        owners = Programme.objects.values("owner_id")
        holders = Referral.objects.filter(period=period).values("organization_id")
        chosen = Organization.objects.filter(Q(pk__in=owners) | Q(pk__in=holders))
    elif access.works_for_organization(user) and user.organization_id is not None:
        chosen = Organization.objects.filter(pk=user.organization_id)
    else:
        chosen = Organization.objects.none()
    return chosen.order_by("kind", "name")


def _count_area(user: User, through: str = "") -> Q:
    """Rows the counts cover: the matrix's area rule for admins and leaders; everything for
    an organisation's own officers (its own work, wherever the family lives); nothing for
    anyone else."""
    if access.works_for_organization(user):
        return Q()
    if access.role_of(user) in access.CITY_WIDE_ROLES:
        return area_count_scope(user, through=through) or Q(pk__in=[])
    return Q(pk__in=[])


# --- counting --------------------------------------------------------------------------


def _extreme_ids(period: Period) -> QuerySet:
    return Classification.objects.filter(period=period, status__in=TARGET_STATUSES).values(
        "household_id"
    )


def _status_tallies(referrals: QuerySet[Referral]) -> dict[Key, Tally]:
    grouped = (
        referrals.order_by()
        .values_list("organization_id", "programme_id")
        .annotate(**{name: Count("pk", filter=rule) for name, rule in STATUS_FILTERS.items()})
    )
    return {
        (row[0], row[1]): Tally(**dict(zip(STATUS_FILTERS, row[2:], strict=True)))
        for row in grouped
    }


def _delivered(deliveries: QuerySet[Delivery], period: Period, *keys: str) -> QuerySet:
    """Units, rupiah, families and extreme-poor families delivered, grouped by `keys`."""
    family = "referral__household_id"
    extreme = Q(referral__household_id__in=_extreme_ids(period))
    return (
        deliveries.order_by()
        .values_list(*keys)
        .annotate(
            units=Sum("quantity"),
            rupiah=Sum("amount"),
            families=Count(family, distinct=True),
            extreme=Count(family, distinct=True, filter=extreme),
        )
    )


def _recommended(user: User, period: Period, organization_ids: list[int]) -> dict[Key, int]:
    grouped = (
        Recommendation.objects.filter(
            _count_area(user, through="household__"),
            period=period,
            status=c.RecommendationStatus.OPEN,
            programme__owner_id__in=organization_ids,
        )
        .order_by()
        .values_list("programme__owner_id", "programme_id")
        .annotate(n=Count("pk"))
    )
    return {(owner, programme): count for owner, programme, count in grouped}


def _programme_rows(
    organization_ids: list[int], keys: Iterable[Key], period: Period
) -> dict[Key, ProgrammeProgress]:
    """A row per active programme of the organisations, and per (organisation, programme)
    with activity in the period (an inactive programme, or one that changed owner)."""
    keys = set(keys)
    programmes = Programme.objects.filter(
        Q(owner_id__in=organization_ids, is_active=True) | Q(pk__in={key[1] for key in keys})
    )
    by_id = {programme.pk: programme for programme in programmes}
    keys |= {(p.owner_id, p.pk) for p in by_id.values() if p.owner_id in organization_ids}
    allocations = {
        programme_id: (quota, budget)
        for programme_id, quota, budget in ProgrammeAllocation.objects.filter(
            period=period, programme_id__in=by_id
        ).values_list("programme_id", "quota", "budget")
    }
    rows = {key: ProgrammeProgress(by_id[key[1]]) for key in keys if key[1] in by_id}
    for (_owner, programme_id), row in rows.items():
        if programme_id in allocations:
            row.has_allocation = True
            row.quota, row.budget = allocations[programme_id]
    return rows


def _fill_programmes(
    rows: dict[Key, ProgrammeProgress],
    statuses: dict[Key, Tally],
    recommended: dict[Key, int],
    delivered: QuerySet,
) -> None:
    for key, row in rows.items():
        row.tally = statuses.get(key, Tally())
        row.tally.recommended = recommended.get(key, 0)
    for organization_id, programme_id, units, rupiah, families, extreme in delivered:
        row = rows[(organization_id, programme_id)]
        row.units, row.tally.rupiah = units or 0, rupiah or Decimal(0)
        row.tally.families, row.tally.extreme_families = families, extreme


def _organization_row(
    organization: Organization,
    programmes: list[ProgrammeProgress],
    reached: tuple[int, int],
    extreme_total: int,
) -> OrganizationProgress:
    tally = Tally()
    for row in programmes:
        tally.add(row.tally)
        row.share = percent(row.tally.extreme_families, extreme_total)
    tally.families, tally.extreme_families = reached
    budgets = [row.budget for row in programmes if row.budget is not None]
    return OrganizationProgress(
        organization=organization,
        tally=tally,
        programmes=sorted(programmes, key=lambda row: row.programme.name.casefold()),
        budget=sum(budgets, Decimal(0)) if budgets else None,
        share=percent(reached[1], extreme_total),
    )


def _programme_progress(
    user: User, period: Period, organization_ids: list[int]
) -> dict[Key, ProgrammeProgress]:
    referrals = Referral.objects.filter(
        _count_area(user, through="household__"),
        period=period,
        organization_id__in=organization_ids,
    )
    statuses = _status_tallies(referrals)
    recommended = _recommended(user, period, organization_ids)
    rows = _programme_rows(organization_ids, [*statuses, *recommended], period)
    delivered = _delivered(
        _deliveries(user, period, organization_ids), period,
        "referral__organization_id", "referral__programme_id",
    )  # fmt: skip
    _fill_programmes(rows, statuses, recommended, delivered)
    return rows


def _deliveries(
    user: User, period: Period, organization_ids: list[int] | None = None
) -> QuerySet[Delivery]:
    """The period's deliveries the user may count, of `organization_ids` (None: all)."""
    area = _count_area(user, through="referral__household__")
    deliveries = Delivery.objects.filter(area, referral__period=period)
    if organization_ids is None:
        return deliveries
    return deliveries.filter(referral__organization_id__in=organization_ids)


def convergence_progress(*, user: User, period: Period) -> Progress:
    """Every organisation the user may see, with its programmes, for `period`."""
    if not access.can_view_progress(user):
        return Progress(period=period)
    organizations = list(progress_organizations(user=user, period=period))
    ids = [organization.pk for organization in organizations]
    rows = _programme_progress(user, period, ids)
    by_organization = _delivered(
        _deliveries(user, period, ids), period, "referral__organization_id"
    )
    reached = {row[0]: (row[3], row[4]) for row in by_organization}
    extreme_total = Household.objects.filter(_count_area(user), pk__in=_extreme_ids(period)).count()
    city_wide = access.role_of(user) in access.CITY_WIDE_ROLES
    return Progress(
        period=period,
        organizations=[
            _organization_row(
                organization, [row for key, row in rows.items() if key[0] == organization.pk],
                reached.get(organization.pk, (0, 0)), extreme_total,
            )
            for organization in organizations
        ],
        extreme_families=extreme_total,
        reached_families=_reached(_deliveries(user, period), period) if city_wide else None,
        gap_count=coverage_gap_count(user=user, period=period) if city_wide else None,
    )  # fmt: skip


def _reached(deliveries: QuerySet[Delivery], period: Period) -> int:
    """Extreme-poor families with at least one delivery, by any organisation."""
    return (
        deliveries.filter(referral__household_id__in=_extreme_ids(period))
        .values("referral__household_id")
        .distinct()
        .count()
    )
