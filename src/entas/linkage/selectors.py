"""Reading candidate pairs, merges and runs, always through the user's scope.

A pair is in a user's scope when either person is or was a member of a household the user
may see (`registry.selectors.person_scope`); anything else does not exist for them (404).
"""

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from entas.accounts.models import User
from entas.linkage.choices import PairStatus
from entas.linkage.models import CandidatePair, MatchRun, Merge
from entas.registry.models import Membership, Person
from entas.registry.selectors import household_scope, person_scope

QUEUE_STATUSES = (PairStatus.PENDING, PairStatus.UNSURE)


def pair_scope(user: User) -> QuerySet[CandidatePair]:
    persons = person_scope(user).values("pk")
    return CandidatePair.objects.filter(Q(person_l__in=persons) | Q(person_r__in=persons))


def _in_area(pairs: QuerySet[CandidatePair], *, kecamatan: str, kelurahan: str) -> QuerySet:
    if not kecamatan and not kelurahan:
        return pairs
    members = Membership.objects.filter(end_date__isnull=True)
    if kelurahan:
        members = members.filter(household__kelurahan_id=kelurahan)
    else:
        members = members.filter(household__kelurahan__code__startswith=kecamatan + ".")
    persons = members.values("person_id")
    return pairs.filter(Q(person_l__in=persons) | Q(person_r__in=persons))


def pair_queue(
    *,
    user: User,
    kecamatan: str = "",
    kelurahan: str = "",
    rule: str = "",
    status: str = "",
) -> QuerySet[CandidatePair]:
    """Pairs awaiting a decision: the pending ones first, the least certain first, then
    by id; 'ragu' ones after every pending one."""
    pairs = pair_scope(user).filter(status__in=[status] if status else QUEUE_STATUSES)
    pairs = _in_area(pairs, kecamatan=kecamatan, kelurahan=kelurahan)
    if rule:
        pairs = pairs.filter(rule=rule)
    return (
        pairs.select_related("person_l", "person_r")
        .annotate(
            waiting_rank=Case(
                When(status=PairStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting_rank", "certainty", "pk")
    )


def pair_counts(*, user: User) -> dict[str, int]:
    """Pairs per status in the user's scope; every status present, zero when none."""
    counts = dict.fromkeys(PairStatus.values, 0)
    for row in pair_scope(user).order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def access_pair(user: User, pair_id: int | str) -> CandidatePair:
    try:
        return pair_scope(user).select_related("person_l", "person_r", "run").get(pk=pair_id)
    except (CandidatePair.DoesNotExist, ValueError, TypeError):
        raise Http404("Pasangan kandidat tidak ditemukan.") from None


@dataclass(frozen=True)
class PairSide:
    """One person of a pair with their current membership (None when in no household)."""

    person: Person
    membership: Membership | None


def pair_sides(*, pair: CandidatePair) -> tuple[PairSide, PairSide]:
    memberships = {
        membership.person_id: membership
        for membership in Membership.objects.filter(
            person_id__in=[pair.person_l_id, pair.person_r_id], end_date__isnull=True
        ).select_related("household__kelurahan__parent")
    }
    return (
        PairSide(pair.person_l, memberships.get(pair.person_l_id)),
        PairSide(pair.person_r, memberships.get(pair.person_r_id)),
    )


def merge_list(*, user: User) -> QuerySet[Merge]:
    """Merges in the user's scope (a person or household of the user's area), newest first."""
    persons = person_scope(user).values("pk")
    households = household_scope(user).values("pk")
    merges = Merge.objects.filter(
        Q(merged_person__in=persons)
        | Q(survivor_person__in=persons)
        | Q(merged_household__in=households)
        | Q(survivor_household__in=households)
    )
    return merges.select_related(
        "survivor_person",
        "merged_person",
        "survivor_household",
        "merged_household",
        "merged_by",
        "undone_by",
    ).order_by("-created_at", "-pk")


def access_merge(user: User, merge_id: int | str) -> Merge:
    try:
        return merge_list(user=user).get(pk=merge_id)
    except (Merge.DoesNotExist, ValueError, TypeError):
        raise Http404("Penggabungan tidak ditemukan.") from None


def run_list() -> QuerySet[MatchRun]:
    return MatchRun.objects.select_related("started_by", "model").order_by("-created_at", "-pk")
