"""Proposing a programme's open recommendations in one go: extremely poor families first,
then the poorest by proxy score, up to the places and rupiah its allocation still has
(`selectors_proposals`).

Each proposal goes through `referral_propose`, so every rule (exclusions, one live referral
per family and programme, the person's membership) holds exactly as for one proposal; a
recommendation the rules refuse is counted under the refusal's message and left open.
The run is one transaction with the period and the allocation row locked, so two runs (or
a run and an OPD accepting) cannot both count the same places; a failure leaves nothing
written.
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from entas.core.services import audit_record
from entas.interventions.models import Programme, ProgrammeAllocation, Recommendation
from entas.interventions.selectors_proposals import Places, places_left, proposal_order
from entas.interventions.services import referral_rules as rules
from entas.interventions.services.referrals import ReferralError, referral_propose
from entas.targeting.models import Period

__all__ = ["PROPOSALS_MAX", "ProposalResult", "places_left", "recommendations_propose"]

PROPOSALS_MAX = 2000  # one click; a larger programme is proposed in several
CHUNK = 200  # recommendations read at a time


@dataclass
class ProposalResult:
    proposed: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # refusal message → how many
    short_of: str = ""  # "quota" or "budget" when the allocation stopped the run
    left_open: int = 0  # open recommendations not reached (limit or allocation)

    @property
    def allocation_full(self) -> bool:
        return bool(self.short_of)


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
    rules.require_admin(actor)
    rules.check_active(programme)
    if not 1 <= limit <= PROPOSALS_MAX:
        raise ReferralError(
            _("Jumlah yang diusulkan harus antara 1 dan %(most)d.") % {"most": PROPOSALS_MAX},
            code="limit",
            field="limit",
        )
    with transaction.atomic():
        _lock(period, programme)
        places = places_left(period=period, programme=programme)
        order = list(
            proposal_order(
                period=period, programme=programme, kelurahan_code=kelurahan_code
            ).values_list("pk", flat=True)
        )
        result = _propose_each(actor, period, programme, order, places, limit)
        _audit(actor, period, programme, kelurahan_code, result)
    return result


def _lock(period: Period, programme: Programme) -> None:
    """One run per period at a time, and none while recommendations are run again (that
    locks the period too and replaces open recommendations); the allocation row so that
    acceptances wait for the run. NO KEY: single proposals (their foreign key to the
    period) need not wait."""
    Period.objects.select_for_update(no_key=True).filter(pk=period.pk).first()
    ProgrammeAllocation.objects.select_for_update().filter(
        programme=programme, period=period
    ).first()


def _propose_each(
    actor: Any, period: Period, programme: Programme, order: list[int], places: Places, limit: int
) -> ProposalResult:
    result = ProposalResult()
    cost = programme.unit_cost
    for index, recommendation in enumerate(_read(order)):
        if result.proposed >= limit:
            result.left_open = len(order) - index
            break
        if not places.hold(cost):
            result.short_of = places.short_of(cost)
            result.left_open = len(order) - index
            break
        try:
            referral_propose(
                actor=actor, period=period, programme=programme,
                household=recommendation.household, person=recommendation.person,
                need=recommendation.need, recommendation=recommendation,
            )  # fmt: skip
        except ReferralError as error:
            places.release(cost)
            result.refused[error.message] += 1
        else:
            result.proposed += 1
    return result


def _read(order: list[int]) -> Iterator[Recommendation]:
    """The recommendations of `order`, in that order, read a chunk at a time."""
    for start in range(0, len(order), CHUNK):
        chunk = order[start : start + CHUNK]
        found = Recommendation.objects.select_related("household", "person", "need").in_bulk(chunk)
        yield from (found[pk] for pk in chunk if pk in found)


def _audit(
    actor: Any, period: Period, programme: Programme, kelurahan_code: str, result: ProposalResult
) -> None:
    audit_record(
        actor=actor, action="referral.propose_bulk", target=programme,
        summary=f"{result.proposed} rujukan diusulkan dari rekomendasi {period.code}",
        changes={"period": period.code, "kelurahan": kelurahan_code,
                 "proposed": result.proposed, "refused": dict(result.refused),
                 "short_of": result.short_of, "left_open": result.left_open},
    )  # fmt: skip
