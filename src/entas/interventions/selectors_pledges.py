"""Reading pledges and the families adopted for them, scoped by who asks (ADR 0004).

Admins see every pledge; a partner's users their own organisation's only; anyone else
none. A pledge or adoption outside that scope is a 404. The adopted families are given
to the pages masked (`AdoptedFamily`): masked No. KK and head's NIK, the head's initials,
kelurahan, RT/RW and the need; never the street address or any other member's data.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from entas.accounts import access
from entas.accounts.models import Organization, OrganizationKind, User
from entas.interventions.models import Adoption, Pledge
from entas.registry import choices as rc
from entas.registry.models import Membership
from entas.targeting.models import Period
from entas.verval import choices as vc
from entas.wilayah.models import Region, RegionKind
from entas.wilayah.selectors import deployment_code


def pledge_scope(user: User) -> QuerySet[Pledge]:
    if access.can_manage_interventions(user):
        return Pledge.objects.all()
    if access.works_for_organization(user):
        return Pledge.objects.filter(partner_id=user.organization_id)
    return Pledge.objects.none()


def pledge_list(*, user: User) -> QuerySet[Pledge]:
    """Pledges the user may see, newest first, with `matched` (live adoptions) and
    `delivered` counts."""
    live = Q(adoptions__released_at__isnull=True)
    return (
        pledge_scope(user)
        .select_related("partner", "period", "area")
        .annotate(
            matched=Count("adoptions", filter=live),
            delivered=Count("adoptions", filter=live & Q(adoptions__delivered_on__isnull=False)),
        )
        .order_by("-created_at", "-pk")
    )


def access_pledge(*, user: User, pledge_id: int | str) -> Pledge:
    try:
        return pledge_list(user=user).get(pk=pledge_id)
    except (Pledge.DoesNotExist, ValueError, TypeError):
        raise Http404("Komitmen tidak ditemukan.") from None


def access_adoption(*, user: User, adoption_id: int | str) -> Adoption:
    """A live adoption of a pledge the user may see."""
    try:
        return Adoption.objects.select_related("pledge", "need").get(
            pk=adoption_id, released_at__isnull=True, pledge__in=pledge_scope(user)
        )
    except (Adoption.DoesNotExist, ValueError, TypeError):
        raise Http404("Keluarga adopsi tidak ditemukan.") from None


def partner_choices(*, user: User) -> QuerySet[Organization]:
    """The organisations a user may pledge for."""
    partners = Organization.objects.filter(kind=OrganizationKind.PARTNER)
    if access.can_manage_interventions(user):
        return partners
    if access.works_for_organization(user) and user.organization_id is not None:
        return partners.filter(pk=user.organization_id)
    return partners.none()


def period_choices() -> QuerySet[Period]:
    return Period.objects.order_by("-starts_on", "-pk")


def area_choices() -> QuerySet[Region]:
    """Kecamatan and kelurahan of the deployment, for a pledge's area."""
    code = deployment_code()
    return Region.objects.filter(
        code__startswith=f"{code}.",
        kind__in=[RegionKind.KECAMATAN, RegionKind.KELURAHAN, RegionKind.DESA],
    ).order_by("code")


# --- masked families -------------------------------------------------------------------


@dataclass(frozen=True)
class AdoptedFamily:
    """What a partner may know of a family it adopted (masked)."""

    adoption_id: int
    kk_masked: str
    head_nik_masked: str
    head_initials: str
    kelurahan: str
    kecamatan: str
    rt: str
    rw: str
    need: str
    need_detail: str
    delivered_on: dt.date | None


def masked_name(full_name: str) -> str:
    """Each word's first letter followed by three stars: "Slamet Riyadi" → "S*** R***"."""
    return " ".join(f"{word[0].upper()}***" for word in full_name.split() if word)


def adopted_families(*, pledge: Pledge) -> list[AdoptedFamily]:
    """The pledge's live adoptions as masked rows, oldest adoption first (two queries)."""
    adoptions = list(
        pledge.adoptions.filter(released_at__isnull=True)
        .select_related("need", "household__kelurahan__parent")
        .order_by("created_at", "pk")
    )
    heads = _heads({adoption.household_id for adoption in adoptions})
    return [_masked(adoption, heads.get(adoption.household_id)) for adoption in adoptions]


def _heads(household_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """household id → (head's NIK, head's full name)."""
    rows = Membership.objects.filter(
        household_id__in=list(household_ids),
        end_date__isnull=True,
        relationship=rc.Relationship.HEAD,
    ).values_list("household_id", "person__nik", "person__full_name")
    return {household_id: (nik or "", name) for household_id, nik, name in rows}


def _masked(adoption: Adoption, head: tuple[str, str] | None) -> AdoptedFamily:
    household = adoption.household
    kelurahan = household.kelurahan
    nik, name = head or ("", "")
    return AdoptedFamily(
        adoption_id=adoption.pk,
        kk_masked=access.mask_nik(household.kk_number),
        head_nik_masked=access.mask_nik(nik),
        head_initials=masked_name(name),
        kelurahan=kelurahan.name,
        kecamatan=kelurahan.parent.name if kelurahan.parent else "",
        rt=household.rt,
        rw=household.rw,
        need=adoption.need.get_kind_display(),
        need_detail=vc.need_detail_label(adoption.need.kind, adoption.need.detail),
        delivered_on=adoption.delivered_on,
    )


# --- OPD spreadsheets ------------------------------------------------------------------


def sheet_organizations(*, user: User) -> QuerySet[Organization]:
    """The organisations whose referral sheets the user may export and import: every OPD
    and partner for admins, their own for OPD officers and partners, none otherwise."""
    organizations = Organization.objects.order_by("name")
    if access.can_manage_interventions(user):
        return organizations.filter(kind__in=[OrganizationKind.OPD, OrganizationKind.PARTNER,
                                              OrganizationKind.DINSOS])  # fmt: skip
    if access.works_for_organization(user) and user.organization_id is not None:
        return organizations.filter(pk=user.organization_id)
    return organizations.none()
