"""Reading visits for the supervisor's review, always through the reviewer's scope.

A visit is reached only through the household scope of `registry.selectors` (ADR 0004):
outside it the visit does not exist for that user (404). The review page shows what the
officer sent next to what the registry holds now, so the reviewer sees what approval
would change before approving it.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import Field, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from entas.accounts import access
from entas.accounts.models import User
from entas.registry import choices as rc
from entas.registry.models import WELFARE_FIELDS, Household, Membership, Person, WelfareRecord
from entas.registry.selectors import household_scope, searchable_kelurahan
from entas.targeting import choices as tc
from entas.targeting.causes import household_causes
from entas.verval import choices as c
from entas.verval.models import Campaign, Need, Visit, VisitPhoto
from entas.wilayah.models import Region

FAR_FROM_HOME_M = 200  # a visit recorded further than this from the house is worth a look
EARTH_RADIUS_M = 6_371_000


# --- scope ---------------------------------------------------------------------------


def _head_name() -> Subquery:
    heads = Membership.objects.filter(
        household_id=OuterRef("household_id"),
        end_date__isnull=True,
        relationship=rc.Relationship.HEAD,
    )
    return Subquery(heads.values("person__full_name")[:1])


def visit_scope(user: User) -> QuerySet[Visit]:
    """Visits of households the user may see, for users who may review visits."""
    if not access.can_review_visits(user):
        return Visit.objects.none()
    return Visit.objects.filter(household__in=household_scope(user).values("pk"))


def review_queue(
    *, user: User, campaign_id: int | None = None, kelurahan_code: str = ""
) -> QuerySet[Visit]:
    """Visits waiting for review in the user's scope, oldest sent first; the user's own
    visits are left out (nobody reviews their own visit)."""
    visits = (
        visit_scope(user)
        .filter(status=c.VisitStatus.SUBMITTED)
        .exclude(officer=user)
        .select_related("officer", "assignment__kelurahan", "assignment__campaign")
        .annotate(head_name=_head_name())
        .order_by("submitted_at", "pk")
    )
    if campaign_id is not None:
        visits = visits.filter(assignment__campaign_id=campaign_id)
    if kelurahan_code:
        visits = visits.filter(assignment__kelurahan_id=kelurahan_code)
    return visits


def review_campaigns() -> QuerySet[Campaign]:
    """Campaigns a queue may be filtered by: those that have started."""
    return Campaign.objects.exclude(status=c.CampaignStatus.DRAFT)


def review_kelurahan(user: User) -> QuerySet[Region]:
    return searchable_kelurahan(user)


def access_visit(user: User, visit_id: int | str) -> Visit:
    try:
        return visit_scope(user).select_related(
            "officer", "reviewed_by", "new_head", "duplicate_of",
            "assignment__campaign", "assignment__kelurahan",
            "household__kelurahan__parent", "household__current_welfare",
        ).get(pk=visit_id)  # fmt: skip
    except (Visit.DoesNotExist, ValueError, TypeError):
        raise Http404("Kunjungan tidak ditemukan.") from None


def access_visit_photo(user: User, photo_id: int | str) -> VisitPhoto:
    """A house photo for its visit's officer, or a reviewer with the household in scope."""
    visible = Q(visit__officer_id=user.pk) | Q(visit__in=visit_scope(user).values("pk"))
    try:
        return VisitPhoto.objects.filter(visible).get(pk=photo_id)
    except (VisitPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404("Foto tidak ditemukan.") from None


# --- what the visit says next to what the registry holds --------------------------------


@dataclass(frozen=True)
class Location:
    latitude: Decimal
    longitude: Decimal
    accuracy_m: int | None
    distance_m: int | None  # from the household's registered coordinates, when known

    @property
    def is_far(self) -> bool:
        return self.distance_m is not None and self.distance_m > FAR_FROM_HOME_M


@dataclass(frozen=True)
class MemberChangeRow:
    kind_label: str
    on: str
    name: str
    details: list[tuple[str, str]] = field(default_factory=list)
    is_leaving: bool = False


@dataclass(frozen=True)
class ValueRow:
    label: str
    current: str
    proposed: str

    @property
    def is_changed(self) -> bool:
        return self.current != self.proposed


@dataclass(frozen=True)
class CauseRow:
    label: str
    change: str  # "tetap" | "ditambah" | "dihapus"


@dataclass(frozen=True)
class NeedRow:
    kind_label: str
    detail_label: str
    person_name: str
    note: str
    is_known: bool  # already an open need of the family: approval keeps its row


@dataclass(frozen=True)
class VisitReview:
    visit: Visit
    household: Household
    head_name: str
    members: list[Membership]
    location: Location | None
    member_changes: list[MemberChangeRow]
    welfare: list[ValueRow]
    causes: list[CauseRow]
    causes_apply: bool
    needs: list[NeedRow]
    needs_closing: list[Need]
    photos: list[VisitPhoto]
    earlier: list[Visit]
    is_own: bool
    is_open: bool


def distance_m(
    latitude_a: Decimal, longitude_a: Decimal, latitude_b: Decimal, longitude_b: Decimal
) -> int:
    """Great-circle distance in whole metres (haversine)."""
    phi_a, phi_b = math.radians(latitude_a), math.radians(latitude_b)
    d_phi = phi_b - phi_a
    d_lambda = math.radians(longitude_b - longitude_a)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lambda / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))


def _location(visit: Visit, household: Household) -> Location | None:
    if visit.latitude is None or visit.longitude is None:
        return None
    distance = None
    if household.latitude is not None and household.longitude is not None:
        distance = distance_m(
            visit.latitude, visit.longitude, household.latitude, household.longitude
        )
    return Location(visit.latitude, visit.longitude, visit.accuracy_m, distance)


def _label(choices: Any, value: Any) -> str:
    if value in (None, ""):
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _member_change_rows(visit: Visit, names: dict[int, str]) -> list[MemberChangeRow]:
    rows = []
    for change in visit.member_changes:
        kind = change.get("kind", "")
        leaving = kind in c.LEAVING_CHANGES
        details: list[tuple[str, str]] = []
        if not leaving:
            details = [
                (
                    str(Person._meta.get_field("sex").verbose_name),
                    _label(rc.Sex, change.get("sex")),
                ),
                (
                    str(Membership._meta.get_field("relationship").verbose_name),
                    _label(rc.Relationship, change.get("relationship")),
                ),
                (
                    str(Person._meta.get_field("birth_date").verbose_name),
                    change.get("birth_date") or "—",
                ),
                ("NIK", change.get("nik") or "—"),
            ]
        name = names.get(change.get("person_id") or 0, "") if leaving else change.get("full_name")
        rows.append(
            MemberChangeRow(
                kind_label=_label(c.MemberChange, kind),
                on=change.get("on") or "—",
                name=name or "—",
                details=details,
                is_leaving=leaving,
            )  # fmt: skip
        )
    return rows


def _welfare_display(name: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if name == "assets" and isinstance(value, dict):
        return ", ".join(f"{key}: {count}" for key, count in sorted(value.items())) or "—"
    model_field = cast(Field, WelfareRecord._meta.get_field(name))
    for key, label in model_field.choices or ():
        if str(key) == str(value):
            return str(label)
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)


def _welfare_rows(visit: Visit, current: WelfareRecord | None) -> list[ValueRow]:
    names = [name for name in (*WELFARE_FIELDS, "assets", "desil") if name in visit.welfare]
    rows = []
    for name in names:
        model_field = cast(Field, WelfareRecord._meta.get_field(name))
        now = getattr(current, name) if current is not None else None
        rows.append(
            ValueRow(
                label=str(model_field.verbose_name),
                current=_welfare_display(name, now),
                proposed=_welfare_display(name, visit.welfare[name]),
            )
        )
    return rows


def _cause_rows(visit: Visit, household: Household) -> list[CauseRow]:
    present = {row.cause for row in household_causes(household.pk)}
    stated = set(visit.causes)
    rows = []
    for cause in tc.Cause:
        if cause in stated or cause in present:
            if cause in stated and cause in present:
                change = "tetap"
            else:
                change = "ditambah" if cause in stated else "dihapus"
            rows.append(CauseRow(label=str(cause.label), change=change))
    return rows


def _need_rows(visit: Visit, open_needs: list[Need], names: dict[int, str]) -> list[NeedRow]:
    known = {(need.kind, need.detail, need.person_id) for need in open_needs}
    rows = []
    for stated in visit.needs:
        kind, detail, person_id = stated["kind"], stated.get("detail", ""), stated.get("person_id")
        rows.append(
            NeedRow(
                kind_label=_label(c.NeedKind, kind),
                detail_label=c.need_detail_label(kind, detail),
                person_name=names.get(person_id or 0, ""),
                note=stated.get("note", ""),
                is_known=(kind, detail, person_id) in known,
            )  # fmt: skip
        )
    return rows


def _needs_closing(visit: Visit, open_needs: list[Need]) -> list[Need]:
    stated = {(n["kind"], n.get("detail", ""), n.get("person_id")) for n in visit.needs}
    return [need for need in open_needs if (need.kind, need.detail, need.person_id) not in stated]


def visit_review(*, user: User, visit: Visit) -> VisitReview:
    """Everything the review page shows about a visit (loaded through `access_visit`)."""
    household = visit.household
    members = list(
        Membership.objects.filter(household=household, end_date__isnull=True)
        .select_related("person")
        .order_by("start_date", "pk")
    )
    names = {row.person_id: row.person.full_name for row in members}
    head = next((row for row in members if row.relationship == rc.Relationship.HEAD), None)
    open_needs = list(
        Need.objects.filter(household=household, status=c.NeedStatus.OPEN).select_related("person")
    )
    needs_apply = visit.is_met and visit.consent == c.Consent.GIVEN
    earlier = (
        visit.assignment.visits.exclude(pk=visit.pk)
        .select_related("officer", "reviewed_by")
        .order_by("submitted_at", "pk")
    )
    return VisitReview(
        visit=visit, household=household, head_name=head.person.full_name if head else "",
        members=members, location=_location(visit, household),
        member_changes=_member_change_rows(visit, names),
        welfare=_welfare_rows(visit, household.current_welfare),
        causes=_cause_rows(visit, household) if needs_apply else [], causes_apply=needs_apply,
        needs=_need_rows(visit, open_needs, names),
        needs_closing=_needs_closing(visit, open_needs) if needs_apply else [],
        photos=list(visit.photos.all()), earlier=list(earlier),
        is_own=visit.officer_id == user.pk, is_open=visit.status == c.VisitStatus.SUBMITTED,
    )  # fmt: skip


def head_name(household: Household) -> str:
    """The current head's name, to name the family in messages; the KK when there is none."""
    head = (
        Membership.objects.filter(
            household=household, end_date__isnull=True, relationship=rc.Relationship.HEAD
        )
        .values_list("person__full_name", flat=True)
        .first()
    )
    return head or str(household)
