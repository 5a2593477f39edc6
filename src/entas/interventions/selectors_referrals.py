"""Reading referrals: each OPD's own queue, one referral's minimal card, and how much of a
programme's quota and budget is in use.

An OPD officer or partner sees only its organisation's referrals; anything else does not
exist for them (404). Rows carry only what the OPD needs to deliver: who, where, which
programme and need, status and dates; never welfare figures, causes or other programmes.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entas.accounts import access
from entas.accounts.models import Organization, User
from entas.interventions import choices as c
from entas.interventions.models import Delivery, Programme, Recommendation, Referral
from entas.registry import choices as rc
from entas.registry.models import Household, Membership
from entas.registry.selectors import household_scope
from entas.wilayah.models import Region

Status = c.ReferralStatus
# The queue's tabs: the status they show, by the word in the address.
TABS: dict[str, tuple[str, ...]] = {
    "baru": (Status.PROPOSED,),
    "diterima": (Status.ACCEPTED,),
    "dijadwalkan": (Status.SCHEDULED,),
    "tersalurkan": (Status.DELIVERED,),
    "selesai": (Status.CLOSED,),
    "ditutup": (Status.DECLINED, Status.CANCELLED),
}
TAB_LABELS = {
    "baru": _("Baru"),
    "diterima": _("Diterima"),
    "dijadwalkan": _("Dijadwalkan"),
    "tersalurkan": _("Tersalurkan"),
    "selesai": _("Selesai"),
    "ditutup": _("Ditolak/batal"),
}
MONEY = DecimalField(max_digits=16, decimal_places=2)


# --- scope ---------------------------------------------------------------------------


def referral_scope(user: User) -> QuerySet[Referral]:
    """Referrals the user may see: all for Dinsos admins, their organisation's for OPD
    officers and partners, none for anyone else."""
    if access.can_manage_interventions(user):
        return Referral.objects.all()
    if access.works_for_organization(user) and user.organization_id is not None:
        return Referral.objects.filter(organization_id=user.organization_id)
    return Referral.objects.none()


def access_referral(user: User, referral_id: int | str) -> Referral:
    found = (
        referral_scope(user)
        .select_related(
            "programme", "organization", "household__kelurahan", "person", "need", "period"
        )
        .filter(pk=referral_id)
        .first()
    )
    if found is None:
        raise Http404(_("Rujukan tidak ditemukan."))
    return found


def access_recommendation(user: User, recommendation_id: int | str) -> Recommendation:
    """A recommendation Dinsos may turn into a referral (its family within the scope)."""
    found = None
    if access.can_manage_interventions(user):
        found = (
            Recommendation.objects.filter(household__in=household_scope(user).values("pk"))
            .select_related("household", "programme", "period", "person", "need")
            .filter(pk=recommendation_id)
            .first()
        )
    if found is None:
        raise Http404(_("Rekomendasi tidak ditemukan."))
    return found


def head_name(household: Household) -> str:
    head = (
        Membership.objects.filter(
            household=household, end_date__isnull=True, relationship=rc.Relationship.HEAD
        )
        .select_related("person")
        .first()
    )
    return head.person.full_name if head else ""


# --- the queue -----------------------------------------------------------------------


def _head(column: str) -> Subquery:
    heads = Membership.objects.filter(
        household_id=OuterRef("household_id"),
        end_date__isnull=True,
        relationship=rc.Relationship.HEAD,
    )
    return Subquery(heads.values(f"person__{column}")[:1])


def referral_queue(
    *,
    user: User,
    tab: str = "baru",
    programme_id: int | None = None,
    kelurahan_code: str = "",
    organization_id: int | None = None,
) -> QuerySet[Referral]:
    """The user's referrals in one tab, oldest first, each with the beneficiary's name and
    NIK (the member's for a person-targeted programme, else the head's)."""
    referrals = _filtered(user, programme_id, kelurahan_code, organization_id)
    return (
        referrals.filter(status__in=TABS.get(tab, TABS["baru"]))
        .select_related("programme", "organization", "household__kelurahan", "need")
        .annotate(
            beneficiary=Coalesce(F("person__full_name"), _head("full_name")),
            beneficiary_nik=Coalesce(F("person__nik"), _head("nik")),
        )
        .order_by("created_at", "pk")
    )


def _filtered(
    user: User, programme_id: int | None, kelurahan_code: str, organization_id: int | None
) -> QuerySet[Referral]:
    referrals = referral_scope(user)
    if programme_id is not None:
        referrals = referrals.filter(programme_id=programme_id)
    if kelurahan_code:
        referrals = referrals.filter(household__kelurahan_id=kelurahan_code)
    if organization_id is not None:
        referrals = referrals.filter(organization_id=organization_id)
    return referrals


def queue_tab_counts(
    *,
    user: User,
    programme_id: int | None = None,
    kelurahan_code: str = "",
    organization_id: int | None = None,
) -> dict[str, int]:
    """How many referrals each tab holds, with the same filters (one query)."""
    referrals = _filtered(user, programme_id, kelurahan_code, organization_id)
    rows = referrals.order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    return {tab: sum(counts.get(s, 0) for s in statuses) for tab, statuses in TABS.items()}


def queue_programmes(user: User) -> QuerySet[Programme]:
    """Programmes the queue may be filtered by: those with referrals the user may see."""
    return Programme.objects.filter(pk__in=referral_scope(user).values("programme_id")).order_by(
        "name"
    )


def queue_kelurahan(user: User) -> QuerySet[Region]:
    return Region.objects.filter(
        code__in=referral_scope(user).values("household__kelurahan_id")
    ).order_by("name")


def queue_organizations() -> QuerySet[Organization]:
    return Organization.objects.filter(referrals__isnull=False).distinct().order_by("name")


@dataclass
class QueueRow:
    """What an OPD sees of a referral in its queue."""

    referral: Referral
    name: str
    nik: str


def queue_rows(*, user: User, referrals: list[Referral]) -> list[QueueRow]:
    full = access.can_see_full_nik(user)
    return [
        QueueRow(
            referral=r,
            name=getattr(r, "beneficiary", "") or "",
            nik=_nik(getattr(r, "beneficiary_nik", "") or "", full=full),
        )
        for r in referrals
    ]


def _nik(nik: str, *, full: bool) -> str:
    return nik if full else access.mask_nik(nik)


# --- one referral --------------------------------------------------------------------


@dataclass
class ReferralCard:
    """The minimal fields of one referral for the OPD, and its deliveries."""

    referral: Referral
    name: str
    nik: str
    proposed_on: dt.date
    deliveries: list[Delivery] = field(default_factory=list)
    delivered: "Usage | None" = None


def referral_card(*, user: User, referral: Referral) -> ReferralCard:
    if referral.person_id is not None and referral.person is not None:
        name, nik = referral.person.full_name, referral.person.nik or ""
    else:
        head = (
            Membership.objects.filter(
                household_id=referral.household_id,
                end_date__isnull=True,
                relationship=rc.Relationship.HEAD,
            )
            .select_related("person")
            .first()
        )
        name = head.person.full_name if head else ""
        nik = (head.person.nik or "") if head else ""
    return ReferralCard(
        referral=referral,
        name=name,
        nik=_nik(nik, full=access.can_see_full_nik(user)),
        proposed_on=timezone.localdate(referral.created_at),
        deliveries=list(referral.deliveries.order_by("delivered_on", "pk")),
        delivered=delivered_total(referral_id=referral.pk),
    )


# --- quota and budget in use ---------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    quantity: int
    amount: Decimal


def programme_usage(*, programme_id: int, period_id: int, excluding: int | None = None) -> Usage:
    """Units and rupiah held by committed referrals of a programme in a period: each holds
    what was planned, or what was delivered when that is more."""
    delivered = Delivery.objects.filter(referral_id=OuterRef("pk")).order_by().values("referral_id")
    held = (
        Referral.objects.filter(
            programme_id=programme_id, period_id=period_id, status__in=c.COMMITTED
        )
        .exclude(Q(pk=excluding) if excluding is not None else Q(pk__in=[]))
        .annotate(
            held_quantity=Greatest(
                F("quantity"),
                Coalesce(
                    Subquery(delivered.annotate(s=Sum("quantity")).values("s")),
                    Value(0),
                    output_field=IntegerField(),
                ),
            ),
            held_amount=Greatest(
                F("amount"),
                Coalesce(
                    Subquery(delivered.annotate(s=Sum("amount")).values("s")),
                    Value(Decimal(0)),
                    output_field=MONEY,
                ),
                output_field=MONEY,
            ),
        )
        .aggregate(quantity=Sum("held_quantity"), amount=Sum("held_amount"))
    )
    return Usage(quantity=held["quantity"] or 0, amount=Decimal(held["amount"] or 0))


def delivered_total(*, referral_id: int) -> Usage:
    total = Delivery.objects.filter(referral_id=referral_id).aggregate(
        quantity=Sum("quantity"), amount=Sum("amount")
    )
    return Usage(quantity=total["quantity"] or 0, amount=Decimal(total["amount"] or 0))
