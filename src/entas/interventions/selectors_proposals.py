"""Reads behind a bulk proposal: the places and rupiah a programme's allocation still has
for new proposals, the order in which its open recommendations are proposed, and the
rows of the recommendations page that offer a bulk proposal per programme.

Only Dinsos admins read these (`access.can_manage_interventions`): the order names families.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from entas.interventions import choices as c
from entas.interventions.models import Programme, ProgrammeAllocation, Recommendation, Referral
from entas.interventions.selectors_referrals import programme_usage
from entas.targeting.choices import Status as WelfareStatus
from entas.targeting.models import Classification, Period


@dataclass
class Places:
    """What the allocation still has for new proposals; None where it sets no limit."""

    quantity: int | None
    amount: Decimal | None

    def units(self, cost: Decimal) -> int | None:
        """How many units costing `cost` each still fit; None when nothing limits them."""
        fits = [] if self.quantity is None else [self.quantity]
        if self.amount is not None and cost > 0:
            fits.append(int(self.amount // cost))
        return min(fits) if fits else None

    def short_of(self, cost: Decimal) -> str:
        """ "quota" or "budget" when one more unit costing `cost` does not fit, else ""."""
        if self.quantity is not None and self.quantity < 1:
            return "quota"
        if self.amount is not None and self.amount < cost:
            return "budget"
        return ""

    def hold(self, cost: Decimal) -> bool:
        """Take one unit costing `cost`, if there is room."""
        if self.short_of(cost):
            return False
        if self.quantity is not None:
            self.quantity -= 1
        if self.amount is not None:
            self.amount -= cost
        return True

    def release(self, cost: Decimal) -> None:
        """Give back a unit taken by `hold`."""
        if self.quantity is not None:
            self.quantity += 1
        if self.amount is not None:
            self.amount += cost


def _places(
    allocation: ProgrammeAllocation | None, *, period: Period, waiting: tuple[int, Decimal]
) -> Places:
    """The allocation minus committed use (`programme_usage`) and `waiting`, the quantity and
    rupiah of proposals not yet decided."""
    if allocation is None or (allocation.quota is None and allocation.budget is None):
        return Places(None, None)
    used = programme_usage(programme_id=allocation.programme_id, period_id=period.pk)
    quantity = amount = None
    if allocation.quota is not None:
        quantity = max(allocation.quota - used.quantity - waiting[0], 0)
    if allocation.budget is not None:
        amount = max(allocation.budget - used.amount - waiting[1], Decimal(0))
    return Places(quantity, amount)


def _waiting(period: Period) -> dict[int, tuple[int, Decimal]]:
    """Per programme: quantity and rupiah of the period's proposals not yet decided."""
    rows = (
        Referral.objects.filter(period=period, status=c.ReferralStatus.PROPOSED)
        .values("programme_id")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        .values_list("programme_id", "quantity", "amount")
    )
    return {pk: (quantity or 0, Decimal(amount or 0)) for pk, quantity, amount in rows}


def places_left(*, period: Period, programme: Programme) -> Places:
    """The allocation minus what committed referrals hold and what is proposed and not yet
    decided, so a bulk proposal never hands an OPD more families than it can take."""
    allocation = ProgrammeAllocation.objects.filter(programme=programme, period=period).first()
    waiting = _waiting(period).get(programme.pk, (0, Decimal(0)))
    return _places(allocation, period=period, waiting=waiting)


def proposal_order(
    *, period: Period, programme: Programme, kelurahan_code: str = ""
) -> QuerySet[Recommendation]:
    """Open recommendations of a programme: extremely poor families first, then poor, then
    any other, each by proxy-score rank (0 is the poorest; unranked last), then by family
    and member."""
    classification = Classification.objects.filter(
        period=period, household_id=OuterRef("household_id")
    )
    found = Recommendation.objects.filter(
        period=period, programme=programme, status=c.RecommendationStatus.OPEN
    )
    if kelurahan_code:
        found = found.filter(household__kelurahan_id=kelurahan_code)
    return found.annotate(
        welfare=Subquery(classification.values("status")[:1]),
        rank=Subquery(classification.values("score_rank")[:1]),
        welfare_order=Case(
            When(welfare=WelfareStatus.EXTREME, then=Value(0)),
            When(welfare=WelfareStatus.POOR, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
    ).order_by("welfare_order", F("rank").asc(nulls_last=True), "household_id", "person_id", "pk")


@dataclass
class ProposalRow:
    """A programme with open recommendations, what its allocation still has, and how many
    to propose by default: the open ones, as far as the places left allow."""

    programme: Programme
    open: int
    places: Places
    suggested: int


def proposal_rows(*, period: Period, kelurahan_code: str, most: int) -> list[ProposalRow]:
    """Per programme with open recommendations in the period (and kelurahan, if given).
    Four queries, and one more per programme with a quota or budget."""
    found = Recommendation.objects.filter(period=period, status=c.RecommendationStatus.OPEN)
    if kelurahan_code:
        found = found.filter(household__kelurahan_id=kelurahan_code)
    open_counts = dict(
        found.order_by()
        .values_list("programme_id")
        .annotate(n=Count("pk"))
        .values_list("programme_id", "n")
    )
    programmes = Programme.objects.select_related("owner").in_bulk(list(open_counts))
    allocations = ProgrammeAllocation.objects.filter(period=period, programme__in=programmes)
    allocated = {allocation.programme_id: allocation for allocation in allocations}
    waiting = _waiting(period)
    rows = []
    for pk, programme in programmes.items():
        places = _places(allocated.get(pk), period=period, waiting=waiting.get(pk, (0, Decimal(0))))
        fits = places.units(programme.unit_cost)
        suggested = min(open_counts[pk], most, open_counts[pk] if fits is None else fits)
        rows.append(ProposalRow(programme, open_counts[pk], places, suggested))
    return sorted(rows, key=lambda row: (row.programme.owner.name, row.programme.name))
