"""Reading campaigns: the list, counts per kelurahan and officer, and the households in one.

Counts carry no names. Who sees which campaign and which kelurahan is decided here from
`accounts.access`: admins and leaders every campaign and kelurahan; field officers the
campaigns that have started, counted over the kelurahan of their areas only; a campaign
anyone may not see is a 404.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from entas.accounts import access
from entas.accounts.models import Role, User
from entas.registry.choices import Relationship
from entas.registry.models import Membership
from entas.registry.selectors import household_scope
from entas.verval import choices as c
from entas.verval.models import Assignment, Campaign
from entas.wilayah.models import Region

Areas = tuple[list[str], list[str]] | None  # (kecamatan, kelurahan); None = city-wide


@dataclass
class Progress:
    """Households of a campaign (or of one kelurahan) by assignment status."""

    households: int = 0
    assigned: int = 0
    approved: int = 0
    submitted: int = 0

    @property
    def unassigned(self) -> int:
        return self.households - self.assigned

    @property
    def approved_percent(self) -> int:
        return round(100 * self.approved / self.households) if self.households else 0


@dataclass
class CampaignRow:
    campaign: Campaign
    progress: Progress


@dataclass
class OfficerLoad:
    officer_id: int
    name: str
    households: int


@dataclass
class KelurahanRow:
    code: str
    name: str
    kecamatan: str
    progress: Progress = field(default_factory=Progress)
    officers: list[OfficerLoad] = field(default_factory=list)


def areas_of(user: User) -> Areas:
    """None for city-wide roles; otherwise the kecamatan and kelurahan assigned."""
    return None if access.role_of(user) in access.CITY_WIDE_ROLES else access.area_codes(user)


def area_filter(areas: Areas) -> Q:
    """Assignments whose kelurahan lies in `areas`."""
    if areas is None:
        return Q()
    kecamatan, kelurahan = areas
    found = Q(kelurahan_id__in=kelurahan)  # [] matches nothing
    for code in kecamatan:
        found |= Q(kelurahan__code__startswith=code + ".")
    return found


def campaign_visible(user: User) -> QuerySet[Campaign]:
    """Campaigns the user may open: all for admins and leaders, those started for field
    officers (a draft is still being prepared), none for anyone else."""
    if not access.can_view_verval_progress(user):
        return Campaign.objects.none()
    if access.role_of(user) == Role.FIELD_OFFICER:
        return Campaign.objects.exclude(status=c.CampaignStatus.DRAFT)
    return Campaign.objects.all()


def campaign_get(*, user: User, campaign_id: int) -> Campaign:
    try:
        return campaign_visible(user).select_related("period").get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise Http404("Kampanye tidak ditemukan.") from None


def _progress_counts(rows: QuerySet[Assignment], group: str) -> dict[Any, Progress]:
    """Progress per value of `group`, in one GROUP BY."""
    grouped = (
        rows.values(group)
        .annotate(
            households=Count("pk"),
            assigned=Count("pk", filter=Q(officer__isnull=False)),
            approved=Count("pk", filter=Q(status=c.AssignmentStatus.APPROVED)),
            submitted=Count("pk", filter=Q(status=c.AssignmentStatus.SUBMITTED)),
        )
        .order_by()
    )
    return {
        row[group]: Progress(
            households=row["households"],
            assigned=row["assigned"],
            approved=row["approved"],
            submitted=row["submitted"],
        )  # fmt: skip
        for row in grouped
    }


def campaign_list(*, user: User) -> list[CampaignRow]:
    """Every campaign the user may open with its progress within the user's areas."""
    campaigns = list(campaign_visible(user).select_related("period"))
    rows = Assignment.objects.filter(area_filter(areas_of(user)), campaign__in=campaigns)
    counts = _progress_counts(rows, "campaign_id")
    return [CampaignRow(campaign, counts.get(campaign.pk, Progress())) for campaign in campaigns]


def campaign_progress(*, user: User, campaign: Campaign) -> Progress:
    rows = Assignment.objects.filter(area_filter(areas_of(user)), campaign=campaign)
    return _progress_counts(rows, "campaign_id").get(campaign.pk, Progress())


def campaign_kelurahan_rows(
    *, user: User, campaign: Campaign, with_officers: bool = True
) -> list[KelurahanRow]:
    """Per kelurahan of the campaign within the user's areas: households, assigned,
    approved and, when `with_officers`, each officer's load there (most loaded first)."""
    rows = Assignment.objects.filter(area_filter(areas_of(user)), campaign=campaign)
    counts = _progress_counts(rows, "kelurahan_id")
    names = _region_names(counts)
    found = {
        code: KelurahanRow(
            code=code,
            name=names.get(code, code),
            kecamatan=names.get(code[:8], code[:8]),
            progress=progress,
        )  # fmt: skip
        for code, progress in counts.items()
    }
    if with_officers:
        for code, load in _officer_loads(rows, group="kelurahan_id"):
            found[code].officers.append(load)
    return [found[code] for code in sorted(found)]


def campaign_officer_loads(*, campaign: Campaign) -> list[OfficerLoad]:
    """Each officer's households in the campaign, most loaded first."""
    rows = Assignment.objects.filter(campaign=campaign)
    return [load for _group, load in _officer_loads(rows, group="campaign_id")]


def _officer_loads(rows: QuerySet[Assignment], *, group: str) -> list[tuple[str, OfficerLoad]]:
    grouped = (
        rows.filter(officer__isnull=False)
        .values_list(group, "officer_id", "officer__full_name", "officer__username")
        .annotate(n=Count("pk"))
        .order_by(group, "-n", "officer__full_name", "officer_id")
    )
    return [
        (key, OfficerLoad(officer_id, full_name or username, n))
        for key, officer_id, full_name, username, n in grouped
    ]


def _region_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = set(codes) | {code[:8] for code in codes}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


def campaign_unassigned_kelurahan(*, campaign: Campaign) -> list[tuple[str, str, int]]:
    """(code, "kelurahan, kecamatan", households) of every kelurahan with households that
    have no officer yet: whom the admin still has to find officers for."""
    grouped = dict(
        Assignment.objects.filter(campaign=campaign, officer__isnull=True)
        .values_list("kelurahan_id").annotate(n=Count("pk")).order_by()
    )  # fmt: skip
    names = _region_names(grouped)
    return [
        (code, f"{names.get(code, code)}, {names.get(code[:8], code[:8])}", grouped[code])
        for code in sorted(grouped)
    ]


def campaign_regions(*, campaign: Campaign) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The campaign's kecamatan and kelurahan as (code, label) choices."""
    codes = list(
        Assignment.objects.filter(campaign=campaign)
        .values_list("kelurahan_id", flat=True).distinct().order_by("kelurahan_id")
    )  # fmt: skip
    names = _region_names(codes)
    kecamatan = sorted({code[:8] for code in codes})
    return (
        [(code, names.get(code, code)) for code in kecamatan],
        [(code, f"{names.get(code, code)} ({names.get(code[:8], code[:8])})") for code in codes],
    )


def field_officers() -> QuerySet[User]:
    """Active field officers, for choosing whom to assign or reassign to."""
    return (
        User.objects.filter(role=Role.FIELD_OFFICER, is_active=True)
        .prefetch_related("areas")
        .order_by("full_name", "username")
    )


def campaign_assignments(
    *, user: User, campaign: Campaign, kelurahan_code: str = ""
) -> QuerySet[Assignment]:
    """The campaign's households within the user's registry scope, with the current head's
    name, in kelurahan, RW, RT order."""
    head = Membership.objects.filter(
        household_id=OuterRef("household_id"), end_date__isnull=True, relationship=Relationship.HEAD
    ).values("person__full_name")[:1]
    rows = Assignment.objects.filter(campaign=campaign, household__in=household_scope(user))
    if kelurahan_code:
        rows = rows.filter(kelurahan_id=kelurahan_code)
    return (
        rows.select_related("household", "officer", "kelurahan")
        .annotate(head_name=Subquery(head), sent=Count("visits"))
        .order_by("kelurahan_id", "household__rw", "household__rt", "household_id")
    )


def assignment_get(*, user: User, campaign: Campaign, assignment_id: int) -> Assignment:
    """One household of the campaign within the user's scope, or 404."""
    try:
        return (
            Assignment.objects.filter(campaign=campaign, household__in=household_scope(user))
            .select_related("campaign", "household")
            .get(pk=assignment_id)
        )
    except Assignment.DoesNotExist:
        raise Http404("Keluarga tidak ditemukan dalam kampanye ini.") from None


def reassign_candidates(
    *,
    campaign: Campaign,
    from_officer_id: int | None = None,
    kelurahan_codes: list[str] | None = None,
    assignment_ids: list[int] | None = None,
) -> list[Assignment]:
    """The campaign's households of one officer and/or in chosen kelurahan and/or chosen by
    id; the service decides which of them may move."""
    rows = Assignment.objects.filter(campaign=campaign)
    if from_officer_id is not None:
        rows = rows.filter(officer_id=from_officer_id)
    if kelurahan_codes:
        rows = rows.filter(kelurahan_id__in=kelurahan_codes)
    if assignment_ids is not None:
        rows = rows.filter(pk__in=assignment_ids)
    return list(rows.order_by("pk"))
