"""Reading a campaign's progress: counts per kecamatan, kelurahan and officer, the families
past the deadline, and a kelurahan's results for its berita acara.

Counts come from a few GROUP BY queries over assignments (indexed on (campaign, kelurahan,
status) and (officer, status)) and approved visits, never from a loop over households.
Scope (ADR 0004): admins and leaders count the whole city, field officers their areas.
Families are named only through `registry.selectors.household_scope`, so a leader gets
counts and never a name.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.accounts.models import Role, User
from entas.registry.choices import Relationship
from entas.registry.models import Membership
from entas.registry.selectors import area_count_scope, household_scope
from entas.verval import choices as c
from entas.verval.minutes import (
    Minutes,
    MinutesFamily,
    Signer,
    family_result,
    government_title,
    local_date,
)
from entas.verval.models import Assignment, Campaign, Visit
from entas.wilayah.models import Region
from entas.wilayah.selectors import deployment_code

KECAMATAN, KELURAHAN, OFFICER = "kecamatan", "kelurahan", "officer"
LEVELS = (KECAMATAN, KELURAHAN, OFFICER)
UNASSIGNED = ""  # the key of the officer row of households not yet given to anyone


@dataclass
class ProgressRow:
    """The counts of one area or officer (or of everything: the total row).

    `statuses` counts assignments by `AssignmentStatus`; `outcomes` counts approved visits
    by `Outcome`; `overdue` is the open assignments (belum, dikembalikan) once the deadline
    has passed, 0 before it.
    """

    key: str
    name: str
    parent: str = ""
    statuses: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def pending(self) -> int:
        return self.statuses.get(c.AssignmentStatus.PENDING, 0)

    @property
    def submitted(self) -> int:
        return self.statuses.get(c.AssignmentStatus.SUBMITTED, 0)

    @property
    def returned(self) -> int:
        return self.statuses.get(c.AssignmentStatus.RETURNED, 0)

    @property
    def approved(self) -> int:
        return self.statuses.get(c.AssignmentStatus.APPROVED, 0)

    @property
    def visited(self) -> int:
        """Sent at least once: every status but `belum` follows a sent visit."""
        return self.total - self.pending

    @property
    def open(self) -> int:
        return self.pending + self.returned

    @property
    def done_percent(self) -> int:
        """Approved share, rounded down: 100 only when every family is approved."""
        return self.approved * 100 // self.total if self.total else 0

    @property
    def outcome_counts(self) -> list[int]:
        """Approved visits per outcome, in the outcomes' order (for tables)."""
        return [self.outcomes.get(code, 0) for code in c.Outcome.values]

    def add(self, other: "ProgressRow") -> None:
        for code, count in other.statuses.items():
            self.statuses[code] = self.statuses.get(code, 0) + count
        for code, count in other.outcomes.items():
            self.outcomes[code] = self.outcomes.get(code, 0) + count
        self.overdue += other.overdue


@dataclass
class Progress:
    """A campaign's progress at one level, within what the user may count."""

    campaign: Campaign
    level: str
    rows: list[ProgressRow]
    total: ProgressRow
    today: dt.date
    kecamatan_code: str | None = None

    @property
    def days_to_deadline(self) -> int:
        """Days left until the deadline; negative: days since it passed."""
        return (self.campaign.deadline - self.today).days

    @property
    def is_past_deadline(self) -> bool:
        return self.today > self.campaign.deadline

    @property
    def days_overdue(self) -> int:
        return max(-self.days_to_deadline, 0)


# --- scope ---------------------------------------------------------------------------


def assignment_scope(*, campaign: Campaign, user: User) -> QuerySet[Assignment]:
    """The campaign's assignments the user may count."""
    area = area_count_scope(user)
    rows = Assignment.objects.filter(campaign=campaign)
    return rows.none() if area is None else rows.filter(area)


def _code_in_areas(user: User, kelurahan_code: str) -> bool:
    if access.role_of(user) in access.CITY_WIDE_ROLES:
        return kelurahan_code.startswith(deployment_code() + ".")
    kecamatan, kelurahan = access.area_codes(user)
    return kelurahan_code in kelurahan or kelurahan_code.rsplit(".", 1)[0] in kecamatan


def access_campaign_progress(*, user: User, campaign_id: int | str) -> Campaign:
    """The campaign, for a user who may see progress; a draft exists only for admins."""
    campaigns = Campaign.objects.select_related("period")
    if access.role_of(user) != Role.ADMIN:
        campaigns = campaigns.exclude(status=c.CampaignStatus.DRAFT)
    try:
        return campaigns.get(pk=campaign_id)
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404(_("Kampanye tidak ditemukan.")) from None


# --- progress ------------------------------------------------------------------------


def _status_counts(rows: QuerySet[Assignment], key: str) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for group, status, count in (
        rows.order_by()
        .values_list(key, "status")
        .annotate(n=Count("pk"))
        .values_list(key, "status", "n")
    ):
        found.setdefault(_key(group), {})[status] = count
    return found


def _outcome_counts(
    campaign: Campaign, user: User, key: str, kecamatan_code: str | None
) -> dict[str, dict[str, int]]:
    """Approved visits by outcome. An approved assignment has exactly one approved visit
    (approval is final), so this counts families."""
    area = area_count_scope(user, through="assignment__")
    if area is None:
        return {}
    visits = Visit.objects.filter(
        area, assignment__campaign=campaign, status=c.VisitStatus.APPROVED
    )
    if kecamatan_code:
        visits = visits.filter(assignment__kelurahan__code__startswith=kecamatan_code + ".")
    found: dict[str, dict[str, int]] = {}
    for group, outcome, count in (
        visits.order_by()
        .values_list(f"assignment__{key}", "outcome")
        .annotate(n=Count("pk"))
        .values_list(f"assignment__{key}", "outcome", "n")
    ):
        found.setdefault(_key(group), {})[outcome] = count
    return found


def _key(group: object) -> str:
    return UNASSIGNED if group is None else str(group)


def _region_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def campaign_progress(
    *,
    campaign: Campaign,
    user: User,
    level: str = KECAMATAN,
    kecamatan_code: str | None = None,
    today: dt.date | None = None,
) -> Progress:
    """Counts per kecamatan, per kelurahan (of `kecamatan_code`, or all) or per officer
    (within `kecamatan_code`, when given), with a total row. Three queries."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    today = today or timezone.localdate()
    rows = assignment_scope(campaign=campaign, user=user)
    if kecamatan_code:
        rows = rows.filter(kelurahan__code__startswith=kecamatan_code + ".")
    key = "officer_id" if level == OFFICER else "kelurahan_id"
    statuses = _status_counts(rows, key)
    outcomes = _outcome_counts(campaign, user, key, kecamatan_code)
    by_key = {
        group: ProgressRow(key=group, name=group, statuses=counts, outcomes=outcomes.get(group, {}))
        for group, counts in statuses.items()
    }
    past = today > campaign.deadline
    for row in by_key.values():
        row.overdue = row.open if past else 0
    if level == OFFICER:
        listed = _name_officers(by_key)
    elif level == KECAMATAN:
        listed = _roll_up_kecamatan(by_key)
    else:
        listed = _name_kelurahan(by_key)
    total = ProgressRow(key="", name=_("Jumlah"))
    for row in listed:
        total.add(row)
    return Progress(campaign, level, listed, total, today, kecamatan_code)


def _roll_up_kecamatan(by_kelurahan: dict[str, ProgressRow]) -> list[ProgressRow]:
    kecamatan: dict[str, ProgressRow] = {}
    for code, row in by_kelurahan.items():
        parent = code.rsplit(".", 1)[0]
        kecamatan.setdefault(parent, ProgressRow(key=parent, name=parent)).add(row)
    names = _region_names(kecamatan)
    for code, row in kecamatan.items():
        row.name = names.get(code, code)
    return [kecamatan[code] for code in sorted(kecamatan)]


def _name_kelurahan(by_kelurahan: dict[str, ProgressRow]) -> list[ProgressRow]:
    codes = set(by_kelurahan) | {code.rsplit(".", 1)[0] for code in by_kelurahan}
    names = _region_names(codes)
    for code, row in by_kelurahan.items():
        row.name = names.get(code, code)
        row.parent = names.get(code.rsplit(".", 1)[0], "")
    return [by_kelurahan[code] for code in sorted(by_kelurahan)]


def _name_officers(by_officer: dict[str, ProgressRow]) -> list[ProgressRow]:
    """Officers are staff, not citizens: their names may be shown to leaders."""
    ids = [int(key) for key in by_officer if key != UNASSIGNED]
    officers = User.objects.filter(pk__in=ids).values_list("pk", "full_name", "username")
    for pk, full_name, username in officers:
        by_officer[str(pk)].name = full_name or username
    if UNASSIGNED in by_officer:
        by_officer[UNASSIGNED].name = _("Belum ditugaskan")
    named = sorted(
        (row for key, row in by_officer.items() if key != UNASSIGNED),
        key=lambda row: (row.name.casefold(), row.key),
    )
    return named + ([by_officer[UNASSIGNED]] if UNASSIGNED in by_officer else [])


# --- families ------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyRow:
    """One family of a campaign as the overdue list and the BNBA attachment show it."""

    assignment_id: int
    household_id: int
    kk_number: str
    head_name: str
    address: str
    rt: str
    rw: str
    members: int
    kelurahan_code: str
    status: str
    status_label: str
    outcome: str
    outcome_label: str
    approved_at: dt.datetime | None
    officer_name: str


def _head_name() -> Subquery:
    """The current head, else the last one (a family whose only member died has none)."""
    heads = Membership.objects.filter(
        household_id=OuterRef("household_id"), relationship=Relationship.HEAD
    ).order_by(F("end_date").desc(nulls_first=True), "-start_date", "-pk")
    return Subquery(heads.values("person__full_name")[:1])


def _members() -> Subquery:
    current = (
        Membership.objects.filter(household_id=OuterRef("household_id"), end_date__isnull=True)
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(current[:1])


def _family_rows(rows: QuerySet[Assignment], user: User) -> list[FamilyRow]:
    approved = Visit.objects.filter(
        assignment_id=OuterRef("pk"), status=c.VisitStatus.APPROVED
    ).order_by("-reviewed_at")
    rows = rows.select_related("household", "officer").annotate(
        head_name=_head_name(),
        members=_members(),
        outcome=Subquery(approved.values("outcome")[:1]),
        approved_at=Subquery(approved.values("reviewed_at")[:1]),
    )
    full_nik = access.can_see_full_nik(user)
    statuses, outcomes = dict(c.AssignmentStatus.choices), dict(c.Outcome.choices)
    result = []
    for row in rows:
        household, officer = row.household, row.officer
        kk = household.kk_number or ""
        result.append(
            FamilyRow(
                assignment_id=row.pk,
                household_id=household.pk,
                kk_number=kk if full_nik else access.mask_nik(kk),
                head_name=row.head_name or "",  # type: ignore[attr-defined]
                address=household.address,
                rt=household.rt,
                rw=household.rw,
                members=row.members or 0,  # type: ignore[attr-defined]
                kelurahan_code=row.kelurahan_id,
                status=row.status,
                status_label=str(statuses.get(row.status, row.status)),
                outcome=row.outcome or "",  # type: ignore[attr-defined]
                outcome_label=str(outcomes.get(row.outcome, "")),  # type: ignore[attr-defined]
                approved_at=row.approved_at,  # type: ignore[attr-defined]
                officer_name=(officer.full_name or officer.username) if officer else "",
            )
        )
    return result


def _named(rows: QuerySet[Assignment], user: User) -> QuerySet[Assignment]:
    """Only families the user may see by name (none for leaders)."""
    if not access.can_export(user):
        return rows.none()
    return rows.filter(household_id__in=household_scope(user).values("pk"))


def overdue_list(
    *, campaign: Campaign, user: User, today: dt.date | None = None
) -> list[FamilyRow]:
    """Open assignments (belum, dikembalikan) once the deadline has passed, by kelurahan,
    officer, RW and RT; empty before the deadline and for users who may not see names."""
    today = today or timezone.localdate()
    if today <= campaign.deadline:
        return []
    rows = assignment_scope(campaign=campaign, user=user).filter(status__in=c.OPEN_ASSIGNMENT)
    rows = _named(rows, user).order_by(
        "kelurahan_id", "officer__full_name", "household__rw", "household__rt", "household_id"
    )
    return _family_rows(rows, user)


def kelurahan_families(*, campaign: Campaign, user: User, kelurahan_code: str) -> list[FamilyRow]:
    """Every family of a kelurahan in the campaign, for the berita acara and its BNBA
    attachment, by RW, RT and address."""
    rows = assignment_scope(campaign=campaign, user=user).filter(kelurahan_id=kelurahan_code)
    rows = _named(rows, user).order_by(
        "household__rw", "household__rt", "household__address", "household_id"
    )
    return _family_rows(rows, user)


def access_minutes_kelurahan(*, user: User, campaign: Campaign, kelurahan_code: str) -> Region:
    """The kelurahan whose berita acara the user may print: in their scope and with
    families in the campaign; anything else does not exist for them (404)."""
    if not access.can_print_minutes(user) or not _code_in_areas(user, kelurahan_code):
        raise Http404(_("Kelurahan tidak ditemukan."))
    region = Region.objects.select_related("parent").filter(code=kelurahan_code, level=4).first()
    has_families = assignment_scope(campaign=campaign, user=user).filter(
        kelurahan_id=kelurahan_code
    )
    if region is None or not has_families.exists():
        raise Http404(_("Kelurahan tidak ditemukan."))
    return region


# --- berita acara --------------------------------------------------------------------


def deployment_government() -> str:
    """ "PEMERINTAH KOTA SEMARANG": the deployment's kab/kota as its letters head it."""
    region = Region.objects.filter(code=deployment_code()).only("name", "kind").first()
    if region is None:
        return government_title(deployment_code(), "kota")
    return government_title(region.name, region.kind)


def kelurahan_minutes(
    *,
    campaign: Campaign,
    user: User,
    kelurahan: Region,
    meeting_date: dt.date,
    place: str,
    signers: list[tuple[str, str]],
) -> Minutes:
    """What the berita acara of a kelurahan says: its counts (every family of the
    campaign there) and the families the user may see by name, for the attachment."""
    progress = campaign_progress(
        campaign=campaign, user=user, level=KELURAHAN, kecamatan_code=kelurahan.parent_id
    )
    row = next((r for r in progress.rows if r.key == kelurahan.code), None)
    row = row or ProgressRow(key=kelurahan.code, name=kelurahan.name)
    families = kelurahan_families(campaign=campaign, user=user, kelurahan_code=kelurahan.code)
    return Minutes(
        government=deployment_government(),
        kelurahan=kelurahan.name,
        kecamatan=kelurahan.parent.name if kelurahan.parent else "",
        campaign=campaign.name,
        period=campaign.period.name if campaign.period else "",
        meeting_date=meeting_date,
        place=place,
        outcomes=[(str(label), row.outcomes.get(code, 0)) for code, label in c.Outcome.choices],
        waiting=row.submitted,
        returned=row.returned,
        not_visited=row.pending,
        signers=[Signer(title=title, name=name) for title, name in signers],
        families=[_minutes_family(family) for family in families],
        printed_at=timezone.now(),
    )


def _minutes_family(family: FamilyRow) -> MinutesFamily:
    return MinutesFamily(
        kk_number=family.kk_number,
        head_name=family.head_name,
        address=family.address,
        rt=family.rt,
        rw=family.rw,
        members=family.members,
        result=family_result(family.outcome_label, family.status, family.status_label),
        approved_on=local_date(family.approved_at),
        officer_name=family.officer_name,
    )
