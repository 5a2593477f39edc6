"""What the interventions demo made in a period, and removing it (`--replace`).

The demo's rows are what demo-admin did in the period: the referrals it proposed (with
their deliveries and the organisations' grants), the allocations it created (found by
their audit events) and the pledges it recorded (with their adoptions and grants).
Removing them also reopens what they changed elsewhere: the recommendations they turned
into referrals and the needs they marked met, so the next run starts where the first
did. Audit events stay, as history; so do the demo officers and the CSR example
programme, which the next run resets or reuses. The grants are deleted, where a real
withdrawal revokes them: like `entas synth --replace`, this removes demo data.
"""

from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from entas.accounts.models import User
from entas.core.models import AuditEvent
from entas.core.services import audit_record
from entas.interventions import choices as ic
from entas.interventions.models import (
    Adoption,
    Delivery,
    Pledge,
    ProgrammeAllocation,
    Recommendation,
    Referral,
)
from entas.registry.models import HouseholdGrant
from entas.targeting.models import Period
from entas.verval import choices as vc
from entas.verval.models import Need

CHUNK = 500  # ids per IN (...) list


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def demo_allocations(*, period: Period, admin: User) -> QuerySet[ProgrammeAllocation]:
    """Allocations of the period that `admin` created (an `allocation_set` event with
    nothing before it)."""
    created = AuditEvent.objects.filter(
        action="allocation_set", actor=admin, changes__before=None,
        target_type=ProgrammeAllocation._meta.label_lower,
    ).values_list("target_id", flat=True)  # fmt: skip
    return ProgrammeAllocation.objects.filter(period=period, pk__in=[int(pk) for pk in created])


def demo_made_anything(*, period: Period, admin: User) -> bool:
    return (
        Referral.objects.filter(period=period, proposed_by=admin).exists()
        or Pledge.objects.filter(period=period, created_by=admin).exists()
        or demo_allocations(period=period, admin=admin).exists()
    )


def interventions_demo_delete(*, period: Period, admin: User) -> dict[str, int]:
    """Remove what the demo made in the period and reopen what it used; counts by kind."""
    referrals = Referral.objects.filter(period=period, proposed_by=admin)
    pledges = Pledge.objects.filter(period=period, created_by=admin)
    adoptions = Adoption.objects.filter(pledge__in=pledges)
    with transaction.atomic():
        deleted = {
            "needs_reopened": _needs_reopen(referrals, adoptions),
            "recommendations_reopened": _recommendations_reopen(period, referrals),
            "grants": _grants_delete(referrals, adoptions),
            "deliveries": Delivery.objects.filter(referral__in=referrals).delete()[0],
            "referrals": referrals.delete()[0],
            "adoptions": adoptions.delete()[0],
            "pledges": pledges.delete()[0],
            "allocations": demo_allocations(period=period, admin=admin).delete()[0],
        }
        audit_record(
            actor=admin, action="interventions.demo_delete", target=period,
            summary=f"Demo intervensi periode {period.code} dihapus", changes=deleted,
        )  # fmt: skip
    return deleted


def _needs_reopen(referrals: QuerySet[Referral], adoptions: QuerySet[Adoption]) -> int:
    """Needs the demo's outcomes or handed-over adoptions marked met are open again."""
    helped = referrals.filter(outcome=ic.Outcome.HELPED).values("need_id")
    handed_over = adoptions.filter(delivered_on__isnull=False).values("need_id")
    met = Need.objects.filter(Q(pk__in=helped) | Q(pk__in=handed_over), status=vc.NeedStatus.MET)
    return met.update(
        status=vc.NeedStatus.OPEN, closed_at=None, closed_note="", updated_at=timezone.now()
    )


def _recommendations_reopen(period: Period, referrals: QuerySet[Referral]) -> int:
    """Recommendations the demo's referrals came from (same programme, family and member)
    are open again."""
    referred = set(referrals.values_list("programme_id", "household_id", "person_id"))
    candidates = Recommendation.objects.filter(
        period=period, status=ic.RecommendationStatus.REFERRED
    ).values_list("pk", "programme_id", "household_id", "person_id")
    ids = [pk for pk, *key in candidates if tuple(key) in referred]
    for chunk in _chunks(ids):
        Recommendation.objects.filter(pk__in=chunk).update(
            status=ic.RecommendationStatus.OPEN, updated_at=timezone.now()
        )
    return len(ids)


def _grants_delete(referrals: QuerySet[Referral], adoptions: QuerySet[Adoption]) -> int:
    references = [f"referral:{pk}" for pk in referrals.values_list("pk", flat=True)]
    references += [f"adoption:{pk}" for pk in adoptions.values_list("pk", flat=True)]
    return sum(
        HouseholdGrant.objects.filter(reference__in=chunk).delete()[0]
        for chunk in _chunks(references)
    )
