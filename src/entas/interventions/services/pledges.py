"""Partners' pledges and the families matched to them (issue 7, point 6).

A pledge promises `quantity` units of help for one kind of need (and detail, when given)
in an area (a kecamatan or kelurahan; none = the whole deployment) for a period.
`pledge_match` adopts open needs for it, in this order: families classified extreme-poor
in the pledge's period first, then the oldest need first. A need is skipped while a
pledge has adopted it (a live `Adoption`), when a committed referral answers it, and when
this pledge adopted and released it before (the partner let that family go).

Each adoption grants the partner sight of the family (`registry.HouseholdGrant`, reference
`adoption:<id>`); releasing it revokes that grant. Pledge lifecycle:
terbuka → penuh (quantity adopted) | ditarik; penuh → terbuka (an adoption released).
Every change writes its audit event in the same transaction.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.accounts.models import Organization, OrganizationKind, User
from entas.core.exceptions import EntasError
from entas.core.services import audit_record
from entas.interventions import choices as c
from entas.interventions.models import Adoption, Pledge, Referral
from entas.registry import choices as rc
from entas.registry.models import HouseholdGrant
from entas.targeting.choices import Status
from entas.targeting.models import Classification, Period
from entas.verval.choices import NEED_DETAILS, NeedKind, NeedStatus
from entas.verval.models import Need
from entas.verval.services.needs import need_met
from entas.wilayah.models import Region, RegionKind

AREA_KINDS = (RegionKind.KECAMATAN, RegionKind.KELURAHAN, RegionKind.DESA)


class PledgeError(EntasError):
    """A pledge or adoption request that cannot be carried out; nothing was written."""


def adoption_reference(adoption: Adoption) -> str:
    return f"adoption:{adoption.pk}"


# --- pledges ---------------------------------------------------------------------------


def pledge_create(
    *,
    actor: User,
    partner: Organization,
    period: Period,
    need_kind: str,
    need_detail: str = "",
    area: Region | None = None,
    quantity: int,
    note: str = "",
) -> Pledge:
    """A new open pledge, by a Dinsos admin or by a partner user for their own organisation."""
    _check_may_pledge(actor, partner)
    if need_kind not in NeedKind.values:
        raise PledgeError(_("Jenis kebutuhan tidak dikenal."), code="need_kind", field="need_kind")
    need_detail = _detail_code(need_kind, need_detail.strip())
    if area is not None and area.kind not in AREA_KINDS:
        message = _("Wilayah komitmen harus kecamatan atau kelurahan.")
        raise PledgeError(message, code="area", field="area")
    if quantity < 1:
        message = _("Jumlah bantuan paling sedikit 1.")
        raise PledgeError(message, code="quantity", field="quantity")
    with transaction.atomic():
        pledge = Pledge.objects.create(
            partner=partner, period=period, need_kind=need_kind,
            need_detail=need_detail, area=area, quantity=quantity, note=note.strip(),
            created_by=actor,
        )  # fmt: skip
        audit_record(
            actor=actor, action="interventions.pledge_create", target=pledge,
            summary=f"{partner.code}: {need_kind} × {quantity}",
            changes={"partner": partner.pk, "period": period.pk, "need_kind": need_kind,
                     "need_detail": pledge.need_detail, "area": area.pk if area else None,
                     "quantity": quantity},
        )  # fmt: skip
    return pledge


def _detail_code(need_kind: str, detail: str) -> str:
    """A detail chosen from a list (an assistive device, a document) as its code, whether
    typed as the code or the label ("Kursi roda" → "kursi_roda"); free text otherwise."""
    details = NEED_DETAILS.get(NeedKind(need_kind))
    if not detail or details is None:
        return detail
    for code, label in details.choices:
        if detail.casefold() in (str(code).casefold(), str(label).casefold()):
            return str(code)
    message = _("Rincian “%(detail)s” tidak dikenal; pilih salah satu: %(options)s.") % {
        "detail": detail,
        "options": ", ".join(str(label) for _code, label in details.choices),
    }
    raise PledgeError(message, code="need_detail", field="need_detail")


def _check_may_pledge(actor: User, partner: Organization) -> None:
    if partner.kind != OrganizationKind.PARTNER:
        message = _("Komitmen hanya dapat dibuat atas nama mitra (CSR, Baznas, LSM).")
        raise PledgeError(message, code="not_partner", field="partner")
    if access.can_manage_interventions(actor):
        return
    if access.works_for_organization(actor) and actor.organization_id == partner.pk:
        return
    raise PledgeError(
        _("Anda hanya dapat membuat komitmen atas nama organisasi Anda sendiri."),
        code="forbidden",
    )


def pledge_withdraw(*, actor: User, pledge: Pledge, reason: str = "") -> Pledge:
    """Withdraw a pledge: no more matching. Families already adopted stay adopted until
    each adoption is released or delivered."""
    _check_may_act_for(actor, pledge)
    with transaction.atomic():
        pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if pledge.status == c.PledgeStatus.WITHDRAWN:
            raise PledgeError(_("Komitmen ini sudah ditarik."), code="withdrawn")
        old = pledge.status
        pledge.status = c.PledgeStatus.WITHDRAWN
        pledge.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action="interventions.pledge_withdraw", target=pledge,
            changes={"status": [old, pledge.status]}, reason=reason,
        )  # fmt: skip
    return pledge


def _check_may_act_for(actor: User, pledge: Pledge) -> None:
    """Admins act on any pledge; a partner's users on their own organisation's only."""
    if access.can_manage_interventions(actor):
        return
    if access.works_for_organization(actor) and actor.organization_id == pledge.partner_id:
        return
    raise PledgeError(_("Komitmen ini bukan milik organisasi Anda."), code="forbidden")


# --- matching --------------------------------------------------------------------------


def pledge_candidates(*, pledge: Pledge) -> QuerySet[Need]:
    """Open needs the pledge may adopt, in matching order (extreme-poor first, oldest first)."""
    needs = Need.objects.filter(
        kind=pledge.need_kind,
        status=NeedStatus.OPEN,
        household__status=rc.HouseholdStatus.ACTIVE,
    )
    if pledge.need_detail:
        needs = needs.filter(detail=pledge.need_detail)
    if pledge.area_id:
        needs = needs.filter(
            Q(household__kelurahan_id=pledge.area_id)
            | Q(household__kelurahan__parent_id=pledge.area_id)
        )
    adopted = Adoption.objects.filter(
        Q(released_at__isnull=True) | Q(pledge_id=pledge.pk), need_id=OuterRef("pk")
    )
    answered = Referral.objects.filter(need_id=OuterRef("pk"), status__in=c.COMMITTED)
    extreme = Classification.objects.filter(
        period_id=pledge.period_id, household_id=OuterRef("household_id"), status=Status.EXTREME
    )
    return (
        needs.exclude(Exists(adopted))
        .exclude(Exists(answered))
        .annotate(is_extreme=Exists(extreme))
        .order_by("-is_extreme", "created_at", "pk")
    )


def pledge_remaining(*, pledge: Pledge) -> int:
    live = pledge.adoptions.filter(released_at__isnull=True).count()
    return max(pledge.quantity - live, 0)


def pledge_match(*, actor: User, pledge: Pledge) -> list[Adoption]:
    """Adopt open needs for the pledge, up to its remaining quantity; return the adoptions
    made (none when nothing fits). Admins only (Dinsos decides who is matched)."""
    if not access.can_manage_interventions(actor):
        raise PledgeError(_("Hanya Dinas Sosial yang mencocokkan komitmen."), code="forbidden")
    with transaction.atomic():
        # The lock makes two matching runs of one pledge wait for each other.
        pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if pledge.status == c.PledgeStatus.WITHDRAWN:
            raise PledgeError(_("Komitmen ini sudah ditarik."), code="withdrawn")
        remaining = pledge_remaining(pledge=pledge)
        needs = list(pledge_candidates(pledge=pledge)[:remaining]) if remaining else []
        made = [_adopt(actor, pledge, need) for need in needs]
        if pledge_remaining(pledge=pledge) == 0 and pledge.status != c.PledgeStatus.FULL:
            pledge.status = c.PledgeStatus.FULL
            pledge.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action="interventions.pledge_match", target=pledge,
            summary=f"{len(made)} keluarga", changes={"adoptions": [a.pk for a in made],
                                                      "status": pledge.status},
        )  # fmt: skip
    return made


def _adopt(actor: User, pledge: Pledge, need: Need) -> Adoption:
    adoption = Adoption.objects.create(pledge=pledge, need=need, household_id=need.household_id)
    HouseholdGrant.objects.create(
        household_id=need.household_id,
        organization_id=pledge.partner_id,
        reference=adoption_reference(adoption),
    )
    audit_record(
        actor=actor, action="interventions.adoption_create", target=adoption,
        changes={"pledge": pledge.pk, "need": need.pk, "household": need.household_id},
    )  # fmt: skip
    return adoption


# --- adoptions -------------------------------------------------------------------------


def adoption_release(*, actor: User, adoption: Adoption, reason: str) -> Adoption:
    """Let a family go: the partner no longer sees it and its need may be matched again."""
    _check_may_act_for(actor, adoption.pledge)
    if not reason.strip():
        message = _("Tuliskan alasan melepas keluarga ini.")
        raise PledgeError(message, code="reason", field="reason")
    with transaction.atomic():
        adoption = Adoption.objects.select_for_update().select_related("pledge").get(pk=adoption.pk)
        if adoption.released_at is not None:
            raise PledgeError(_("Keluarga ini sudah dilepas."), code="released")
        if adoption.delivered_on is not None:
            message = _("Bantuan untuk keluarga ini sudah diserahkan; adopsi tidak dapat dilepas.")
            raise PledgeError(message, code="delivered")
        now = timezone.now()
        adoption.released_at = now
        adoption.save(update_fields=["released_at", "updated_at"])
        HouseholdGrant.objects.filter(
            household_id=adoption.household_id, organization_id=adoption.pledge.partner_id,
            reference=adoption_reference(adoption), revoked_at__isnull=True,
        ).update(revoked_at=now, updated_at=now)  # fmt: skip
        pledge = adoption.pledge
        if pledge.status == c.PledgeStatus.FULL:
            pledge.status = c.PledgeStatus.OPEN
            pledge.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action="interventions.adoption_release", target=adoption,
            trail=f"household:{adoption.household_id}",
            changes={"released_at": now.isoformat(), "pledge_status": pledge.status},
            reason=reason.strip(),
        )  # fmt: skip
    return adoption


def adoption_delivered(*, actor: User, adoption: Adoption, delivered_on: dt.date) -> Adoption:
    """The partner handed the help over: the adoption is delivered and the need is met."""
    _check_may_act_for(actor, adoption.pledge)
    if delivered_on > timezone.localdate():
        message = _("Tanggal penyerahan tidak boleh di masa depan.")
        raise PledgeError(message, code="future", field="delivered_on")
    with transaction.atomic():
        adoption = Adoption.objects.select_for_update().select_related("need").get(pk=adoption.pk)
        if adoption.released_at is not None:
            raise PledgeError(_("Keluarga ini sudah dilepas."), code="released")
        if adoption.delivered_on is not None:
            raise PledgeError(_("Penyerahan bantuan ini sudah dicatat."), code="delivered")
        adoption.delivered_on = delivered_on
        adoption.save(update_fields=["delivered_on", "updated_at"])
        need = adoption.need
        if need.status == NeedStatus.OPEN:
            need = need_met(
                actor=actor, need=need, note=f"Terpenuhi oleh komitmen mitra (adopsi {adoption.pk})"
            )
        audit_record(
            actor=actor, action="interventions.adoption_delivered", target=adoption,
            trail=f"household:{adoption.household_id}",
            changes={"delivered_on": delivered_on.isoformat(), "need": need.pk,
                     "need_status": need.status},
        )  # fmt: skip
    return adoption
