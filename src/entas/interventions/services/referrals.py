"""Referrals through their lifecycle: proposed by Dinsos, accepted or declined by the OPD,
scheduled, delivered, and closed with an outcome (`choices.REFERRAL_TRANSITIONS`).

Rules are enforced when written, with a message the user can act on (the checks are in
`services.referral_rules`): a programme's quota and budget for the period (the allocation
row is locked while counting), programmes that exclude each other, one live referral per
family (member) and programme. While a referral is live its OPD may see the family
(`registry.HouseholdGrant`); a declined or cancelled referral revokes that. Every write is
audited on the family's trail; reasons for a decline or cancellation are kept on the row.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.core.services import audit_record
from entas.interventions import choices as c
from entas.interventions.models import Delivery, Programme, Recommendation, Referral
from entas.interventions.selectors_referrals import delivered_total
from entas.interventions.services import referral_rules as rules
from entas.interventions.services.referral_rules import ReferralError
from entas.registry.models import Household, HouseholdGrant, Person
from entas.targeting.models import Period
from entas.verval import choices as vc
from entas.verval.models import Need, PlanGoal
from entas.verval.services.needs import need_met

__all__ = [
    "ReferralError",
    "delivery_record",
    "referral_accept",
    "referral_cancel",
    "referral_decline",
    "referral_outcome",
    "referral_propose",
    "referral_schedule",
]
Status = c.ReferralStatus


def _move(referral: Referral, target: str) -> None:
    if target not in c.REFERRAL_TRANSITIONS[Status(referral.status)]:
        raise ReferralError(
            _("Rujukan berstatus “%(now)s” tidak dapat menjadi “%(target)s”.")
            % {"now": referral.get_status_display(), "target": Status(target).label},
            code="transition",
        )
    referral.status = target


def _locked(referral: Referral) -> Referral:
    """The referral as it is now in the database, locked until the transaction ends."""
    return Referral.objects.select_for_update().select_related("programme").get(pk=referral.pk)


def _recommendation_locked(recommendation: Recommendation) -> Recommendation:
    """The recommendation as it is now: it may have been dismissed, or replaced by a new
    recommendation run, since the page was opened."""
    found = Recommendation.objects.select_for_update().filter(pk=recommendation.pk).first()
    if found is None:
        raise ReferralError(
            _("Rekomendasi itu sudah tidak ada: rekomendasi dijalankan ulang. Muat ulang halaman.")
        )
    return found


def _grant_revoke(referral: Referral) -> None:
    HouseholdGrant.objects.filter(
        reference=f"referral:{referral.pk}", revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


def _audit(actor: Any, referral: Referral, action: str, summary: str, **extra: Any) -> None:
    audit_record(
        actor=actor, action=f"referral.{action}", target=referral,
        trail=f"household:{referral.household_id}", summary=summary,
        changes={"status": referral.status, **extra.get("changes", {})},
        reason=extra.get("reason", ""),
    )  # fmt: skip


# --- lifecycle -----------------------------------------------------------------------


@transaction.atomic
def referral_propose(
    *,
    actor: Any,
    period: Period,
    programme: Programme,
    household: Household,
    person: Person | None = None,
    need: Need | None = None,
    goal: PlanGoal | None = None,
    quantity: int = 1,
    amount: Decimal | None = None,
    note: str = "",
    recommendation: Recommendation | None = None,
) -> Referral:
    """Refer a family (or member) to a programme; its owner's officers may then see it.
    When it comes from a recommendation, that recommendation is marked referred."""
    rules.require_admin(actor)
    rules.check_active(programme)
    rules.check_amounts(quantity, amount)
    rules.check_note(note)
    rules.check_person(programme, household, person)
    rules.check_need_and_goal(household, need, goal)
    rules.check_need_answered(programme, need)
    if recommendation is not None:
        recommendation = _recommendation_locked(recommendation)
        rules.check_recommendation(recommendation, period, programme, household)
    Household.objects.select_for_update().filter(pk=household.pk).first()  # one at a time
    rules.check_not_referred(period, programme, household, person)
    rules.check_exclusions(period, programme, household, person)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                period=period, programme=programme, organization_id=programme.owner_id,
                household=household, person=person, need=need, goal=goal, quantity=quantity,
                amount=quantity * programme.unit_cost if amount is None else amount,
                note=note.strip(), proposed_by=actor,
            )  # fmt: skip
    except IntegrityError:  # proposed at the same moment by someone else
        rules.check_not_referred(period, programme, household, person)
        raise
    HouseholdGrant.objects.create(
        household=household, organization_id=programme.owner_id, reference=f"referral:{referral.pk}"
    )
    if recommendation is not None:
        recommendation.status = c.RecommendationStatus.REFERRED
        recommendation.save(update_fields=["status", "updated_at"])
    _audit(
        actor, referral, "propose",
        f"Diusulkan ke {programme.name} ({referral.quantity} {programme.unit})",
        changes={"programme": programme.code, "amount": str(referral.amount)},
    )  # fmt: skip
    return referral


@transaction.atomic
def referral_accept(*, actor: Any, referral: Referral) -> Referral:
    """The OPD takes the referral: it now holds a place in the quota and budget."""
    referral = _locked(referral)
    rules.require_handler(actor, referral)
    _move(referral, Status.ACCEPTED)
    rules.check_allocation(referral, quantity=referral.quantity, amount=referral.amount)
    referral.decided_by, referral.decided_at = actor, timezone.now()
    referral.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    _audit(actor, referral, "accept", f"Diterima {referral.programme.name}")
    return referral


@transaction.atomic
def referral_decline(*, actor: Any, referral: Referral, reason: str) -> Referral:
    """The OPD declines, saying why; it may no longer see the family for this referral."""
    referral = _locked(referral)
    rules.require_handler(actor, referral)
    reason = rules.checked_reason(reason, _("penolakan"))
    _move(referral, Status.DECLINED)
    referral.decline_reason = reason
    referral.decided_by, referral.decided_at = actor, timezone.now()
    referral.save(
        update_fields=["status", "decline_reason", "decided_by", "decided_at", "updated_at"]
    )
    _grant_revoke(referral)
    _audit(actor, referral, "decline", f"Ditolak {referral.programme.name}", reason=reason)
    return referral


@transaction.atomic
def referral_schedule(*, actor: Any, referral: Referral, scheduled_on: dt.date) -> Referral:
    referral = _locked(referral)
    rules.require_handler(actor, referral)
    if scheduled_on < timezone.localdate(referral.created_at):
        raise ReferralError(
            _("Jadwal tidak boleh sebelum tanggal usulan (%(date)s).")
            % {"date": timezone.localdate(referral.created_at).strftime("%d-%m-%Y")},
            field="scheduled_on",
        )
    _move(referral, Status.SCHEDULED)
    referral.scheduled_on = scheduled_on
    referral.save(update_fields=["status", "scheduled_on", "updated_at"])
    _audit(
        actor, referral, "schedule", f"Dijadwalkan {scheduled_on:%d-%m-%Y}",
        changes={"scheduled_on": scheduled_on.isoformat()},
    )  # fmt: skip
    return referral


@transaction.atomic
def delivery_record(
    *,
    actor: Any,
    referral: Referral,
    delivered_on: dt.date,
    quantity: int,
    amount: Decimal | None,
    evidence: str,
) -> Delivery:
    """Help handed over (possibly in parts): the budget is checked again with what was
    actually delivered, which may be more than planned."""
    referral = _locked(referral)
    rules.require_handler(actor, referral)
    _move(referral, Status.DELIVERED)
    rules.check_delivery(referral, delivered_on, quantity, amount, evidence)
    value = quantity * referral.programme.unit_cost if amount is None else amount
    so_far = delivered_total(referral_id=referral.pk)
    rules.check_allocation(
        referral,
        quantity=max(referral.quantity, so_far.quantity + quantity),
        amount=max(referral.amount, so_far.amount + value),
    )
    delivery = Delivery.objects.create(
        referral=referral, delivered_on=delivered_on, quantity=quantity, amount=value,
        evidence=evidence.strip(), recorded_by=actor,
    )  # fmt: skip
    referral.save(update_fields=["status", "updated_at"])
    _audit(
        actor, referral, "deliver", f"Disalurkan {delivered_on:%d-%m-%Y}",
        changes={"delivered_on": delivered_on.isoformat(), "quantity": quantity,
                 "amount": str(value), "evidence": delivery.evidence},
    )  # fmt: skip
    return delivery


@transaction.atomic
def referral_outcome(*, actor: Any, referral: Referral, outcome: str, note: str = "") -> Referral:
    """What the help changed. When it met the need it answered, the need is marked met
    here: verval has no service for that yet (issue 7)."""
    referral = _locked(referral)
    rules.require_handler(actor, referral)
    if outcome not in c.Outcome.values:
        raise ReferralError(_("Pilih hasil intervensi."), field="outcome")
    rules.check_note(note)
    _move(referral, Status.CLOSED)
    referral.outcome, referral.outcome_note = outcome, note.strip()
    referral.save(update_fields=["status", "outcome", "outcome_note", "updated_at"])
    _audit(
        actor, referral, "outcome", f"Hasil: {referral.get_outcome_display()}",
        changes={"outcome": outcome},
    )  # fmt: skip
    if outcome == c.Outcome.HELPED and referral.need_id is not None:
        _need_met(actor, referral, referral.need_id)
    return referral


def _need_met(actor: Any, referral: Referral, need_id: int) -> None:
    need = Need.objects.get(pk=need_id)
    if need.status != vc.NeedStatus.OPEN:
        return  # already met by another intervention, or no longer applies
    note = f"Terpenuhi oleh {referral.programme.name} (rujukan {referral.pk})"
    need_met(actor=actor, need=need, note=note)


@transaction.atomic
def referral_cancel(*, actor: Any, referral: Referral, reason: str) -> Referral:
    """Dinsos withdraws a referral not yet delivered, saying why; the OPD no longer sees
    the family for it."""
    rules.require_admin(actor)
    referral = _locked(referral)
    reason = rules.checked_reason(reason, _("pembatalan"))
    _move(referral, Status.CANCELLED)
    referral.cancel_reason = reason
    referral.save(update_fields=["status", "cancel_reason", "updated_at"])
    _grant_revoke(referral)
    _audit(actor, referral, "cancel", f"Dibatalkan {referral.programme.name}", reason=reason)
    return referral
