"""Proposing a programme's open recommendations in one go: extremely poor families first,
then the poorest by proxy score, up to the places and rupiah its allocation still has.

Each proposal goes through `referral_propose`, so every rule (exclusions, one live referral
per family and programme, the person's membership) holds exactly as for one proposal; a
recommendation the rules refuse is counted under the refusal's message and left open.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.core.services import audit_record
from entas.interventions import choices as c
from entas.interventions.models import Programme, ProgrammeAllocation, Recommendation, Referral
from entas.interventions.selectors_referrals import programme_usage
from entas.interventions.services.referrals import ReferralError, referral_propose
from entas.targeting.choices import Status as WelfareStatus
from entas.targeting.models import Classification, Period

PROPOSALS_MAX = 2000  # one click; a larger programme is proposed in several


@dataclass
class Places:
    """What the allocation still has for new proposals; None where it sets no limit."""

    quantity: int | None
    amount: Decimal | None

    def hold(self, cost: Decimal) -> bool:
        """Take one unit costing `cost`, if there is room."""
        if self.quantity is not None and self.quantity < 1:
            return False
        if self.amount is not None and self.amount < cost:
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


@dataclass
class ProposalResult:
    proposed: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    allocation_full: bool = False
    left_open: int = 0  # open recommendations not reached (limit or allocation)


def places_left(*, period: Period, programme: Programme) -> Places:
    """The allocation minus what committed referrals hold and what is proposed and not yet
    decided, so a bulk proposal never hands an OPD more families than it can take."""
    allocation = ProgrammeAllocation.objects.filter(programme=programme, period=period).first()
    if allocation is None:
        return Places(None, None)
    used = programme_usage(programme_id=programme.pk, period_id=period.pk)
    waiting = Referral.objects.filter(
        programme=programme, period=period, status=c.ReferralStatus.PROPOSED
    ).aggregate(quantity=Sum("quantity"), amount=Sum("amount"))
    quantity = amount = None
    if allocation.quota is not None:
        quantity = max(allocation.quota - used.quantity - (waiting["quantity"] or 0), 0)
    if allocation.budget is not None:
        amount = max(allocation.budget - used.amount - (waiting["amount"] or 0), Decimal(0))
    return Places(quantity, amount)


def proposal_order(*, period: Period, programme: Programme, kelurahan_code: str = "") -> QuerySet:
    """Open recommendations of a programme, extremely poor first, then by proxy-score rank
    (0 is the poorest), then by family and member."""
    classification = Classification.objects.filter(
        period=period, household_id=OuterRef("household_id")
    )
    found = Recommendation.objects.filter(
        period=period, programme=programme, status=c.RecommendationStatus.OPEN
    ).select_related("household", "person", "need")
    if kelurahan_code:
        found = found.filter(household__kelurahan__code=kelurahan_code)
    return found.annotate(
        welfare=Subquery(classification.values("status")[:1]),
        rank=Subquery(classification.values("score_rank")[:1]),
        extreme_first=Case(
            When(welfare=WelfareStatus.EXTREME, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    ).order_by("extreme_first", F("rank").asc(nulls_last=True), "household_id", "person_id")


def recommendations_propose(
    *,
    actor: Any,
    period: Period,
    programme: Programme,
    kelurahan_code: str = "",
    limit: int = PROPOSALS_MAX,
) -> ProposalResult:
    """Propose up to `limit` of the programme's open recommendations for the period, each
    as one unit at the programme's unit cost, in `proposal_order`, while the allocation
    has room. One audit record sums the run; each referral has its own."""
    if not access.can_manage_interventions(actor):
        raise ReferralError(_("Hanya admin Dinsos yang dapat mengusulkan rujukan."))
    if not programme.is_active:
        raise ReferralError(_("Program %(programme)s tidak aktif.") % {"programme": programme.name})
    limit = max(1, min(limit, PROPOSALS_MAX))
    places = places_left(period=period, programme=programme)
    result = ProposalResult()
    candidates = list(
        proposal_order(period=period, programme=programme, kelurahan_code=kelurahan_code)
    )
    for index, recommendation in enumerate(candidates):
        if result.proposed >= limit:
            result.left_open = len(candidates) - index
            break
        if not places.hold(programme.unit_cost):
            result.allocation_full = True
            result.left_open = len(candidates) - index
            break
        try:
            referral_propose(
                actor=actor, period=period, programme=programme,
                household=recommendation.household, person=recommendation.person,
                need=recommendation.need, recommendation=recommendation,
            )  # fmt: skip
        except ReferralError as error:
            places.release(programme.unit_cost)
            result.refused[error.message] += 1
            continue
        result.proposed += 1
    audit_record(
        actor=actor, action="referral.propose_bulk", target=programme,
        summary=f"{result.proposed} rujukan diusulkan dari rekomendasi {period.code}",
        changes={"period": period.code, "kelurahan": kelurahan_code,
                 "proposed": result.proposed, "refused": sum(result.refused.values()),
                 "allocation_full": result.allocation_full},
    )  # fmt: skip
    return result
