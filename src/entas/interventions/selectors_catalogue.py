"""Reads of the programme catalogue and of a period's recommendations.

The catalogue (programmes, conditions, costs, quotas) holds no personal data. The
recommendation list names families and members: only Dinsos admins read it
(`access.can_manage_interventions`), so it is not scoped further.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from entas.accounts.models import Organization
from entas.interventions import choices as c
from entas.interventions.eligibility import eligibility_explain
from entas.interventions.models import Programme, ProgrammeAllocation, Recommendation, Referral
from entas.interventions.services.catalogue import OWNER_KINDS
from entas.targeting.models import Period
from entas.wilayah.models import Region

RECOMMENDATIONS_SHOWN = 200


def organization_owners() -> QuerySet[Organization]:
    """Organisations that may own programmes: Dinsos, OPDs, partners."""
    return Organization.objects.filter(kind__in=OWNER_KINDS).order_by("kind", "name")


def programme_scope() -> QuerySet[Programme]:
    return Programme.objects.select_related("owner")


def programme_list(*, owner_code: str = "", strategy: str = "") -> list[Programme]:
    found = programme_scope().order_by("owner__name", "name")
    if owner_code:
        found = found.filter(owner__code=owner_code)
    if strategy:
        found = found.filter(strategy=strategy)
    return list(found)


def period_list() -> QuerySet[Period]:
    return Period.objects.order_by("-ends_on")


def period_chosen(code: str) -> Period | None:
    """The period named by `code`, else the newest classified one, else the newest."""
    periods = period_list()
    if code:
        return periods.filter(code=code).first()
    return periods.filter(classified_at__isnull=False).first() or periods.first()


@dataclass
class CatalogueRow:
    programme: Programme
    allocation: ProgrammeAllocation | None
    used_quantity: int
    used_amount: Decimal
    open_recommendations: int

    @property
    def quota_left(self) -> int | None:
        if self.allocation is None or self.allocation.quota is None:
            return None
        return self.allocation.quota - self.used_quantity

    @property
    def budget_left(self) -> Decimal | None:
        if self.allocation is None or self.allocation.budget is None:
            return None
        return self.allocation.budget - self.used_amount


def catalogue_rows(
    *, period: Period | None, owner_code: str = "", strategy: str = ""
) -> list[CatalogueRow]:
    """Programmes with, for `period`, their allocation, committed use (quantity and rupiah
    of referrals in `choices.COMMITTED`) and open recommendations. Four queries."""
    programmes = programme_list(owner_code=owner_code, strategy=strategy)
    if period is None:
        return [CatalogueRow(p, None, 0, Decimal(0), 0) for p in programmes]
    allocations = {a.programme_id: a for a in ProgrammeAllocation.objects.filter(period=period)}
    used: dict[int, tuple[int, Decimal]] = {
        programme_id: (quantity or 0, Decimal(amount or 0))
        for programme_id, quantity, amount in Referral.objects.filter(
            period=period, status__in=c.COMMITTED
        )
        .values("programme_id")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        .values_list("programme_id", "quantity", "amount")
    }
    open_counts = dict(
        Recommendation.objects.filter(period=period, status=c.RecommendationStatus.OPEN)
        .values_list("programme_id")
        .annotate(count=Count("pk"))
        .values_list("programme_id", "count")
    )
    return [
        CatalogueRow(
            programme=programme,
            allocation=allocations.get(programme.pk),
            used_quantity=used.get(programme.pk, (0, Decimal(0)))[0],
            used_amount=used.get(programme.pk, (0, Decimal(0)))[1],
            open_recommendations=open_counts.get(programme.pk, 0),
        )
        for programme in programmes
    ]


@dataclass
class ProgrammeDetail:
    programme: Programme
    conditions: list[str]
    excludes: list[Programme]
    rows: list[CatalogueRow]  # one per period with an allocation or committed use


def programme_detail(*, programme: Programme) -> ProgrammeDetail:
    periods = Period.objects.filter(
        Q(pk__in=ProgrammeAllocation.objects.filter(programme=programme).values("period_id"))
        | Q(pk__in=Referral.objects.filter(programme=programme).values("period_id"))
    ).order_by("-ends_on")
    rows: list[CatalogueRow] = []
    for period in periods[:12]:
        rows.extend(
            row for row in catalogue_rows(period=period) if row.programme.pk == programme.pk
        )
    return ProgrammeDetail(
        programme=programme,
        conditions=eligibility_explain(programme.eligibility),
        excludes=list(programme.excludes.order_by("name")),
        rows=rows,
    )


@dataclass
class RecommendationCount:
    programme: Programme
    open: int
    referred: int
    dismissed: int


def recommendation_counts(*, period: Period) -> list[RecommendationCount]:
    """Per programme with any recommendation in the period: counts by status."""
    statuses = c.RecommendationStatus
    totals = (
        Recommendation.objects.filter(period=period)
        .values("programme_id")
        .annotate(
            open=Count("pk", filter=Q(status=statuses.OPEN)),
            referred=Count("pk", filter=Q(status=statuses.REFERRED)),
            dismissed=Count("pk", filter=Q(status=statuses.DISMISSED)),
        )
    )
    programmes = programme_scope().in_bulk([row["programme_id"] for row in totals])
    counts = [
        RecommendationCount(
            programmes[row["programme_id"]], row["open"], row["referred"], row["dismissed"]
        )
        for row in totals
    ]
    return sorted(counts, key=lambda count: (count.programme.owner.name, count.programme.name))


def recommendation_list(
    *, period: Period, programme_code: str = "", kelurahan_code: str = ""
) -> QuerySet[Recommendation]:
    """Open recommendations of the period, filtered; at most RECOMMENDATIONS_SHOWN."""
    found = Recommendation.objects.filter(
        period=period, status=c.RecommendationStatus.OPEN
    ).select_related("programme__owner", "household__kelurahan", "person", "need")
    if programme_code:
        found = found.filter(programme__code=programme_code)
    if kelurahan_code:
        found = found.filter(household__kelurahan__code=kelurahan_code)
    return found.order_by("household__kelurahan__name", "household_id", "programme__name", "pk")[
        :RECOMMENDATIONS_SHOWN
    ]


def recommendation_kelurahan(*, period: Period) -> QuerySet[Region]:
    """Kelurahan that have open recommendations in the period, for the filter."""
    codes = Recommendation.objects.filter(period=period, status=c.RecommendationStatus.OPEN).values(
        "household__kelurahan_id"
    )
    return Region.objects.filter(pk__in=codes).order_by("name")


def recommendation_open(*, pk: int) -> Recommendation:
    """An open recommendation; raises Recommendation.DoesNotExist otherwise."""
    return Recommendation.objects.select_related("programme", "period").get(
        pk=pk, status=c.RecommendationStatus.OPEN
    )
