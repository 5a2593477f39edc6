"""What the field officer's phone reads: today's list and one household's visit form.

An officer sees only assignments given to them, in campaigns that are running (ADR 0004:
anything else is a 404). The list is ordered by place (kelurahan, RW, RT, address) so that
neighbours follow each other when the phone has no GPS fix; the page re-sorts by distance
when it has one.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from entas.accounts.models import User
from entas.registry import choices as rc
from entas.registry.models import Household, Membership, WelfareRecord
from entas.targeting.causes import household_causes
from entas.verval import choices as c
from entas.verval.models import Assignment, Visit

SENT_SHOWN = 20  # the "terkirim" section is a reminder, not an archive
SENT_STATUSES = (c.AssignmentStatus.SUBMITTED, c.AssignmentStatus.APPROVED)


@dataclass(frozen=True)
class FieldRow:
    """One household on the officer's list."""

    assignment: Assignment
    head_name: str
    member_count: int
    return_note: str = ""

    @property
    def household(self) -> Household:
        return self.assignment.household

    @property
    def has_location(self) -> bool:
        return self.household.latitude is not None and self.household.longitude is not None


@dataclass(frozen=True)
class FieldList:
    open: list[FieldRow] = field(default_factory=list)
    sent: list[FieldRow] = field(default_factory=list)


def _own_running(officer: User) -> QuerySet[Assignment]:
    return Assignment.objects.filter(
        officer=officer, campaign__status=c.CampaignStatus.ACTIVE
    ).select_related("household", "kelurahan", "campaign")


def _with_members(rows: QuerySet[Assignment]) -> QuerySet[Assignment]:
    current = Q(household__memberships__end_date__isnull=True)
    heads = Membership.objects.filter(
        end_date__isnull=True, relationship=rc.Relationship.HEAD
    ).select_related("person")
    return rows.annotate(
        member_count=Count("household__memberships", filter=current, distinct=True)
    ).prefetch_related(Prefetch("household__memberships", queryset=heads, to_attr="heads"))


def _row(assignment: Assignment, notes: dict[int, str]) -> FieldRow:
    heads = getattr(assignment.household, "heads", [])
    return FieldRow(
        assignment=assignment,
        head_name=heads[0].person.full_name if heads else "",
        member_count=getattr(assignment, "member_count", 0),
        return_note=notes.get(assignment.pk, ""),
    )


def _return_notes(assignment_ids: list[int]) -> dict[int, str]:
    """The reviewer's note of each assignment's latest returned visit."""
    notes: dict[int, str] = {}
    returned = Visit.objects.filter(
        assignment_id__in=assignment_ids, status=c.VisitStatus.RETURNED
    ).order_by("assignment_id", "-reviewed_at", "-pk")
    for assignment_id, note in returned.values_list("assignment_id", "review_note"):
        notes.setdefault(assignment_id, note)
    return notes


def field_list(*, officer: User) -> FieldList:
    """The officer's open assignments (returned ones first) and the latest sent ones."""
    place = ("kelurahan__name", "household__rw", "household__rt", "household__address", "pk")
    open_rows = list(
        _with_members(_own_running(officer).filter(status__in=c.OPEN_ASSIGNMENT)).order_by(*place)
    )
    open_rows.sort(key=lambda row: row.status != c.AssignmentStatus.RETURNED)  # stable
    returned = [row.pk for row in open_rows if row.status == c.AssignmentStatus.RETURNED]
    notes = _return_notes(returned)
    sent_rows = _with_members(_own_running(officer).filter(status__in=SENT_STATUSES)).order_by(
        "-updated_at", "-pk"
    )[:SENT_SHOWN]
    return FieldList(
        open=[_row(row, notes) for row in open_rows],
        sent=[_row(row, {}) for row in sent_rows],
    )


def access_field_assignment(user: User, assignment_id: int | str) -> Assignment:
    """The user's own assignment in a running campaign; 404 for anything else."""
    try:
        return _own_running(user).select_related("kelurahan__parent").get(pk=assignment_id)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404("Tugas kunjungan tidak ditemukan.") from None


@dataclass(frozen=True)
class VisitContext:
    """What the visit form is prefilled from: the family as the registry has it now."""

    members: list[Membership]
    welfare: WelfareRecord | None
    causes: list[str]
    return_note: str = ""

    @property
    def head_name(self) -> str:
        heads = [m for m in self.members if m.relationship == rc.Relationship.HEAD]
        return heads[0].person.full_name if heads else ""


def visit_context(*, assignment: Assignment) -> VisitContext:
    household = assignment.household
    members = list(
        Membership.objects.filter(household=household, end_date__isnull=True)
        .select_related("person")
        .order_by("person__birth_date", "pk")
    )
    members.sort(key=lambda m: m.relationship != rc.Relationship.HEAD)  # the head first
    welfare = (
        WelfareRecord.objects.filter(pk=household.current_welfare_id).first()
        if household.current_welfare_id
        else None
    )
    note = ""
    if assignment.status == c.AssignmentStatus.RETURNED:
        note = _return_notes([assignment.pk]).get(assignment.pk, "")
    return VisitContext(
        members=members,
        welfare=welfare,
        causes=[row.cause for row in household_causes(household.pk)],
        return_note=note,
    )
