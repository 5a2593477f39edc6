"""Referrals through their lifecycle: proposed by Dinsos, accepted or declined by the OPD,
scheduled, delivered, and closed with an outcome (`choices.REFERRAL_TRANSITIONS`).

Rules are enforced here, when written, with a message the user can act on: a programme's
quota and budget for the period (the allocation row is locked while counting), programmes
that exclude each other, one live referral per family (member) and programme. While a
referral is live its OPD may see the family (`registry.HouseholdGrant`); a declined or
cancelled referral revokes that. Every write is audited on the family's trail.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.core.exceptions import EntasError
from entas.core.services import audit_record
from entas.interventions import choices as c
from entas.interventions.models import (
    Delivery,
    Programme,
    ProgrammeAllocation,
    Recommendation,
    Referral,
)
from entas.interventions.selectors_referrals import Usage, delivered_total, programme_usage
from entas.registry.models import Household, HouseholdGrant, Membership, Person
from entas.targeting.models import Period
from entas.verval import choices as vc
from entas.verval.models import Need, PlanGoal
from entas.verval.services.needs import need_met

NOTE_MAX = 2000
EVIDENCE_MAX = 200
Status = c.ReferralStatus


class ReferralError(EntasError):
    """A referral change that cannot be made; nothing was written. The message says why."""


def rupiah(value: Decimal) -> str:
    """Rp 1.500.000: rupiah as Indonesians write it (no cents)."""
    return "Rp " + f"{int(value):,}".replace(",", ".")


# --- checks --------------------------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if not access.can_manage_interventions(actor):
        raise ReferralError(
            _("Hanya petugas Dinas Sosial yang dapat mengusulkan atau membatalkan rujukan."),
            code="forbidden",
        )


def _require_handler(actor: Any, referral: Referral) -> None:
    if not access.can_handle_referral(actor, referral.organization_id):
        raise ReferralError(_("Rujukan ini bukan untuk organisasi Anda."), code="forbidden")


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


def _check_person(programme: Programme, household: Household, person: Person | None) -> None:
    if programme.target == c.Target.PERSON and person is None:
        raise ReferralError(
            _("Program %(programme)s untuk perorangan: pilih anggota keluarga.")
            % {"programme": programme.name},
            field="person",
        )
    if programme.target == c.Target.HOUSEHOLD and person is not None:
        raise ReferralError(
            _("Program %(programme)s untuk keluarga: jangan pilih anggota.")
            % {"programme": programme.name},
            field="person",
        )
    current = Membership.objects.filter(household=household, end_date__isnull=True)
    if person is not None and not current.filter(person=person).exists():
        raise ReferralError(
            _("%(name)s bukan anggota keluarga ini saat ini.") % {"name": person.full_name},
            field="person",
        )


def _check_need_and_goal(household: Household, need: Need | None, goal: PlanGoal | None) -> None:
    if need is not None and need.household_id != household.pk:
        raise ReferralError(_("Kebutuhan itu bukan milik keluarga ini."), field="need")
    if need is not None and need.status != vc.NeedStatus.OPEN:
        raise ReferralError(
            _("Kebutuhan itu sudah tidak terbuka (%(status)s).")
            % {"status": need.get_status_display()},
            field="need",
        )
    if goal is not None and goal.plan.household_id != household.pk:
        raise ReferralError(_("Tujuan rencana itu bukan milik keluarga ini."), field="goal")


def _live_for(period: Period, household: Household, person: Person | None, target: str) -> Any:
    """Live referrals of the family in the period that concern the same beneficiary: for a
    person-targeted programme, that member's and the whole family's."""
    live = Referral.objects.filter(period=period, household=household, status__in=c.LIVE)
    if target == c.Target.PERSON:
        live = live.filter(Q(person=person) | Q(person__isnull=True))
    return live


def _check_not_referred(
    period: Period, programme: Programme, household: Household, person: Person | None
) -> None:
    live = Referral.objects.filter(
        period=period, programme=programme, household=household, person=person, status__in=c.LIVE
    )
    if live.exists():
        raise ReferralError(
            _("Keluarga ini sudah dirujuk ke %(programme)s pada periode ini.")
            % {"programme": programme.name},
            code="duplicate",
            field="programme",
        )


def _check_exclusions(
    period: Period, programme: Programme, household: Household, person: Person | None
) -> None:
    excluded = programme.excludes.values("pk")
    clash = (
        _live_for(period, household, person, programme.target)
        .filter(programme__in=excluded)
        .select_related("programme")
        .first()
    )
    if clash is not None:
        raise ReferralError(
            _(
                "Keluarga ini sudah diusulkan/menerima %(other)s, yang tidak boleh bersamaan "
                "dengan %(programme)s."
            )
            % {"other": clash.programme.name, "programme": programme.name},
            code="excluded",
            field="programme",
        )


def _check_amounts(quantity: int, amount: Decimal | None) -> None:
    if quantity < 1:
        raise ReferralError(_("Jumlah paling sedikit 1."), field="quantity")
    if amount is not None and amount < 0:
        raise ReferralError(_("Nilai tidak boleh negatif."), field="amount")


def _check_allocation(referral: Referral, *, quantity: int, amount: Decimal) -> None:
    """`quantity` and `amount` are what this referral would hold; the others' committed use
    is counted with the allocation row locked, so two acceptances cannot both take the
    last place."""
    allocation = (
        ProgrammeAllocation.objects.select_for_update()
        .filter(programme_id=referral.programme_id, period_id=referral.period_id)
        .first()
    )
    if allocation is None:
        return
    used: Usage = programme_usage(
        programme_id=referral.programme_id, period_id=referral.period_id, excluding=referral.pk
    )
    programme = referral.programme
    if allocation.quota is not None and used.quantity + quantity > allocation.quota:
        raise ReferralError(
            _(
                "Kuota %(programme)s periode ini %(quota)s %(unit)s; sudah terpakai %(used)s. "
                "Rujukan ini memerlukan %(quantity)s."
            )
            % {
                "programme": programme.name,
                "quota": allocation.quota,
                "unit": programme.unit,
                "used": used.quantity,
                "quantity": quantity,
            },  # fmt: skip
            code="quota",
        )
    if allocation.budget is not None and used.amount + amount > allocation.budget:
        raise ReferralError(
            _(
                "Anggaran %(programme)s periode ini %(budget)s; sudah terpakai %(used)s. "
                "Rujukan ini memerlukan %(amount)s."
            )
            % {
                "programme": programme.name,
                "budget": rupiah(allocation.budget),
                "used": rupiah(used.amount),
                "amount": rupiah(amount),
            },  # fmt: skip
            code="budget",
        )


def _reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ReferralError(_("Tulis alasan %(what)s.") % {"what": what}, field="reason")
    if len(reason) > NOTE_MAX:
        raise ReferralError(_("Alasan terlalu panjang."), field="reason")
    return reason


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
    """Refer a family (or member) to a programme; its owner's officers may then see it."""
    _require_admin(actor)
    if not programme.is_active:
        raise ReferralError(
            _("Program %(programme)s tidak aktif.") % {"programme": programme.name},
            field="programme",
        )
    _check_amounts(quantity, amount)
    if len(note) > NOTE_MAX:
        raise ReferralError(_("Catatan terlalu panjang."), field="note")
    _check_person(programme, household, person)
    _check_need_and_goal(household, need, goal)
    if recommendation is not None:
        _check_recommendation(recommendation, period, programme, household)
    Household.objects.select_for_update().filter(pk=household.pk).first()  # one at a time
    _check_not_referred(period, programme, household, person)
    _check_exclusions(period, programme, household, person)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                period=period, programme=programme, organization_id=programme.owner_id,
                household=household, person=person, need=need, goal=goal, quantity=quantity,
                amount=quantity * programme.unit_cost if amount is None else amount,
                note=note.strip(), proposed_by=actor,
            )  # fmt: skip
    except IntegrityError:  # proposed at the same moment by someone else
        _check_not_referred(period, programme, household, person)
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


def _check_recommendation(
    recommendation: Recommendation, period: Period, programme: Programme, household: Household
) -> None:
    same = (
        recommendation.period_id == period.pk
        and recommendation.programme_id == programme.pk
        and recommendation.household_id == household.pk
    )
    if not same:
        raise ReferralError(_("Rekomendasi itu untuk keluarga atau program lain."))
    if recommendation.status != c.RecommendationStatus.OPEN:
        raise ReferralError(
            _("Rekomendasi itu sudah %(status)s.")
            % {"status": recommendation.get_status_display().lower()}
        )


@transaction.atomic
def referral_accept(*, actor: Any, referral: Referral) -> Referral:
    """The OPD takes the referral: it now holds a place in the quota and budget."""
    referral = _locked(referral)
    _require_handler(actor, referral)
    _move(referral, Status.ACCEPTED)
    _check_allocation(referral, quantity=referral.quantity, amount=referral.amount)
    referral.decided_by, referral.decided_at = actor, timezone.now()
    referral.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    _audit(actor, referral, "accept", f"Diterima {referral.programme.name}")
    return referral


@transaction.atomic
def referral_decline(*, actor: Any, referral: Referral, reason: str) -> Referral:
    """The OPD declines, saying why; it may no longer see the family for this referral."""
    referral = _locked(referral)
    _require_handler(actor, referral)
    reason = _reason(reason, _("penolakan"))
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
    _require_handler(actor, referral)
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
    _require_handler(actor, referral)
    _move(referral, Status.DELIVERED)
    _check_delivery(referral, delivered_on, quantity, amount, evidence)
    value = quantity * referral.programme.unit_cost if amount is None else amount
    so_far = delivered_total(referral_id=referral.pk)
    _check_allocation(
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


def _check_delivery(
    referral: Referral, delivered_on: dt.date, quantity: int, amount: Decimal | None, evidence: str
) -> None:
    if delivered_on > timezone.localdate():
        raise ReferralError(
            _("Tanggal penyaluran tidak boleh di masa depan."), field="delivered_on"
        )
    proposed = timezone.localdate(referral.created_at)
    if delivered_on < proposed:
        raise ReferralError(
            _("Tanggal penyaluran tidak boleh sebelum tanggal usulan (%(date)s).")
            % {"date": proposed.strftime("%d-%m-%Y")},
            field="delivered_on",
        )
    if quantity < 0 or (amount is not None and amount < 0):
        raise ReferralError(_("Jumlah dan nilai tidak boleh negatif."), field="quantity")
    if quantity == 0 and not amount:
        raise ReferralError(_("Isi jumlah atau nilai yang disalurkan."), field="quantity")
    if not evidence.strip():
        raise ReferralError(
            _("Catat bukti penyaluran (nomor tanda terima atau rujukan foto)."), field="evidence"
        )
    if len(evidence) > EVIDENCE_MAX:
        raise ReferralError(_("Bukti terlalu panjang (paling banyak 200 huruf)."), field="evidence")


@transaction.atomic
def referral_outcome(*, actor: Any, referral: Referral, outcome: str, note: str = "") -> Referral:
    """What the help changed. When it met the need it answered, the need is marked met
    here: verval has no service for that yet (issue 7)."""
    referral = _locked(referral)
    _require_handler(actor, referral)
    if outcome not in c.Outcome.values:
        raise ReferralError(_("Pilih hasil intervensi."), field="outcome")
    if len(note) > NOTE_MAX:
        raise ReferralError(_("Catatan terlalu panjang."), field="note")
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
    """Dinsos withdraws a referral not yet delivered; the OPD no longer sees the family
    for it. The reason is kept in the audit trail."""
    _require_admin(actor)
    referral = _locked(referral)
    reason = _reason(reason, _("pembatalan"))
    _move(referral, Status.CANCELLED)
    referral.save(update_fields=["status", "updated_at"])
    _grant_revoke(referral)
    _audit(actor, referral, "cancel", f"Dibatalkan {referral.programme.name}", reason=reason)
    return referral
