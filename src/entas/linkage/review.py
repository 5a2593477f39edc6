"""Candidate pairs: recording a run's pairs, a person's decision, and automatic merges.

Pair lifecycle (PairStatus):

    menunggu ─┬─> diterima (merged by a reviewer) ──undo──> menunggu
              ├─> ditolak
              ├─> ragu ──> diterima | ditolak | ragu
              ├─> otomatis (merged above the threshold) ──undo──> menunggu
              └─> usang (a person left: merged elsewhere)

A new run refreshes the probability of a pair still waiting (menunggu or ragu) and never
resurfaces a decided one.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.core.services import audit_record
from entas.linkage.choices import PairRule, PairStatus
from entas.linkage.merging import (
    OPEN_PAIR_STATUSES,
    LinkageError,
    merge_households,
    merge_persons,
)
from entas.linkage.models import CandidatePair, MatchRun, Merge
from entas.registry import choices as c
from entas.registry.models import Household, Membership, Person

__all__ = [
    "DECISIONS",
    "LinkageError",
    "PairInput",
    "auto_merge",
    "pair_decide",
    "pairs_record",
]

BATCH_SIZE = 2000
DECISIONS = (PairStatus.ACCEPTED, PairStatus.REJECTED, PairStatus.UNSURE)
DECISION_ACTIONS = {
    PairStatus.ACCEPTED: "linkage.pair_accept",
    PairStatus.REJECTED: "linkage.pair_reject",
    PairStatus.UNSURE: "linkage.pair_unsure",
}
REFRESHED_FIELDS = ["run", "rule", "match_probability", "match_weight", "certainty", "explanation"]


@dataclass(frozen=True)
class PairInput:
    """One pair as a run found it; the ids may come in either order."""

    person_l: int
    person_r: int
    rule: str
    match_probability: float
    match_weight: float
    explanation: list[dict[str, Any]]


def certainty_of(probability: float) -> float:
    """0 for a coin toss, 1 for a sure answer either way."""
    return abs(probability - 0.5) * 2


# --- recording -----------------------------------------------------------------------


def pairs_record(run: MatchRun, pairs: Iterable[PairInput]) -> dict[str, int]:
    """Upsert a run's pairs in batches: new ones wait for review, waiting ones are
    refreshed, decided ones are left alone. Returns the three counts."""
    counts = {"baru": 0, "diperbarui": 0, "sudah_diputuskan": 0}
    for batch in _batches(_ordered(pairs), BATCH_SIZE):
        with transaction.atomic():
            _record_batch(run, batch, counts)
    return counts


def _ordered(pairs: Iterable[PairInput]) -> Iterator[PairInput]:
    for pair in pairs:
        if pair.person_l > pair.person_r:
            pair = PairInput(
                person_l=pair.person_r,
                person_r=pair.person_l,
                rule=pair.rule,
                match_probability=pair.match_probability,
                match_weight=pair.match_weight,
                explanation=_swapped(pair.explanation),
            )
        yield pair


def _swapped(explanation: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "left": item.get("right"), "right": item.get("left")} for item in explanation]


def _batches(items: Iterable[PairInput], size: int) -> Iterator[dict[tuple[int, int], PairInput]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        # The last of a repeated pair wins, as an update would.
        yield {
            (item.person_l, item.person_r): item for item in chunk if item.person_l != item.person_r
        }


def _record_batch(
    run: MatchRun, batch: dict[tuple[int, int], PairInput], counts: dict[str, int]
) -> None:
    left_ids = {key[0] for key in batch}
    right_ids = {key[1] for key in batch}
    existing = {
        (pair.person_l_id, pair.person_r_id): pair
        for pair in CandidatePair.objects.filter(
            person_l_id__in=left_ids, person_r_id__in=right_ids
        ).only("pk", "person_l_id", "person_r_id", "status")
        if (pair.person_l_id, pair.person_r_id) in batch
    }
    new, refreshed = [], []
    for key, item in batch.items():
        pair = existing.get(key)
        if pair is None:
            new.append(CandidatePair(run=run, person_l_id=key[0], person_r_id=key[1]))
            _apply(new[-1], run, item)
        elif pair.status in OPEN_PAIR_STATUSES:
            refreshed.append(_apply(pair, run, item))
        else:
            counts["sudah_diputuskan"] += 1
    CandidatePair.objects.bulk_create(new, batch_size=BATCH_SIZE)
    _update_rows(refreshed)
    counts["baru"] += len(new)
    counts["diperbarui"] += len(refreshed)


def _update_rows(pairs: list[CandidatePair]) -> None:
    """One parameterised UPDATE per row, sent with executemany: `bulk_update`'s CASE WHEN
    costs the square of the batch (minutes for 100k pairs); this is linear on both SQLite
    and PostgreSQL. Values are prepared by the model fields, as the ORM would."""
    if not pairs:
        return
    meta = CandidatePair._meta
    fields = [cast(Field, meta.get_field(name)) for name in [*REFRESHED_FIELDS, "updated_at"]]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    table, key = quote(meta.db_table), quote(str(cast(Field, meta.pk).column))
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 - model names
    rows = [
        [field.get_db_prep_save(getattr(pair, field.attname), connection) for field in fields]
        + [pair.pk]
        for pair in pairs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _apply(pair: CandidatePair, run: MatchRun, item: PairInput) -> CandidatePair:
    pair.run = run
    pair.rule = item.rule
    pair.match_probability = item.match_probability
    pair.match_weight = item.match_weight
    pair.certainty = certainty_of(item.match_probability)
    pair.explanation = item.explanation
    pair.updated_at = timezone.now()
    return pair


# --- decisions -----------------------------------------------------------------------


def pair_decide(
    *,
    actor: Any,
    pair: CandidatePair,
    decision: str,
    note: str = "",
    survivor_id: int | None = None,
    merge_households_too: bool = False,
) -> Merge | None:
    """Record a reviewer's decision; 'diterima' merges the two persons (and, when asked,
    their households) and returns the person merge."""
    if decision not in DECISIONS:
        raise LinkageError(_("Keputusan tidak dikenal."), code="decision_unknown")
    with transaction.atomic():
        pair = _open_pair(pair.pk)
        merge = None
        if decision == PairStatus.ACCEPTED:
            merge = _accept(actor, pair, survivor_id, merge_households_too)
        pair.status = decision
        pair.note = note.strip()
        pair.decided_by = actor if getattr(actor, "pk", None) else None
        pair.decided_at = timezone.now()
        pair.save(update_fields=["status", "note", "decided_by", "decided_at", "updated_at"])
        audit_record(
            actor=actor,
            action=DECISION_ACTIONS[PairStatus(decision)],
            target=pair,
            summary=_("Pasangan #%(pair)s: %(decision)s.")
            % {"pair": pair.pk, "decision": PairStatus(decision).label},
            changes={
                "pair": pair.pk,
                "persons": [pair.person_l_id, pair.person_r_id],
                "match_probability": pair.match_probability,
                "merge": merge.pk if merge else None,
            },
            reason=pair.note,
        )
    return merge


def _open_pair(pair_id: int) -> CandidatePair:
    pair = (
        CandidatePair.objects.select_for_update()
        .select_related("person_l", "person_r")
        .filter(pk=pair_id)
        .first()
    )
    if pair is None:
        raise LinkageError(_("Pasangan kandidat tidak ditemukan."), code="pair_unknown")
    if pair.status not in OPEN_PAIR_STATUSES:
        raise LinkageError(
            _("Pasangan ini sudah diputuskan (%(status)s).")
            % {"status": PairStatus(pair.status).label},
            code="pair_decided",
        )
    return pair


def _accept(
    actor: Any, pair: CandidatePair, survivor_id: int | None, with_households: bool
) -> Merge:
    survivor, duplicate = choose_survivor(pair, survivor_id)
    households = _current_households(survivor, duplicate) if with_households else None
    merge = merge_persons(actor=actor, survivor=survivor, duplicate=duplicate, pair=pair)
    if households is not None:
        merge_households(actor=actor, survivor=households[0], duplicate=households[1], pair=pair)
    return merge


def choose_survivor(pair: CandidatePair, survivor_id: int | None = None) -> tuple[Person, Person]:
    """The person who remains: the one asked for, else the one with a NIK, else the one in
    more current households, else the older record (lower id)."""
    left, right = pair.person_l, pair.person_r
    if survivor_id is not None:
        if survivor_id not in (left.pk, right.pk):
            raise LinkageError(
                _("Individu yang dipertahankan harus salah satu dari pasangan ini."),
                code="survivor_not_in_pair",
            )
        return (left, right) if survivor_id == left.pk else (right, left)
    memberships = {
        person.pk: Membership.objects.filter(person=person, end_date__isnull=True).count()
        for person in (left, right)
    }

    def rank(person: Person) -> tuple[bool, int, int]:
        return bool(person.nik), memberships[person.pk], -person.pk

    survivor = max((left, right), key=rank)
    return (survivor, right if survivor is left else left)


def _current_households(survivor: Person, duplicate: Person) -> tuple[Household, Household]:
    households = []
    for person in (survivor, duplicate):
        membership = Membership.objects.filter(person=person, end_date__isnull=True).first()
        if membership is None:
            raise LinkageError(
                _("%(name)s tidak tercatat di keluarga mana pun; keluarganya tidak dapat digabung.")
                % {"name": person.full_name},
                code="no_household",
            )
        households.append(membership.household)
    if households[0].pk == households[1].pk:
        raise LinkageError(
            _("Keduanya sudah di keluarga yang sama; tidak ada keluarga untuk digabung."),
            code="same_household",
        )
    return households[0], households[1]


# --- automatic merges ----------------------------------------------------------------


def auto_merge(*, run: MatchRun, threshold: float | None = None, actor: Any = None) -> int:
    """Merge the run's waiting pairs at or above the threshold, never a NIK conflict.
    A pair whose persons are no longer both active is skipped. Returns the merges made."""
    limit = settings.LINKAGE_AUTO_MERGE_THRESHOLD if threshold is None else threshold
    pairs = (
        CandidatePair.objects.filter(
            run=run, status=PairStatus.PENDING, match_probability__gte=limit
        )
        .exclude(rule=PairRule.NIK_CONFLICT)
        .order_by("-match_probability", "pk")
        .values_list("pk", flat=True)
    )
    merged = 0
    for pair_id in list(pairs):
        if _auto_merge_one(pair_id, actor):
            merged += 1
    return merged


def _auto_merge_one(pair_id: int, actor: Any) -> bool:
    with transaction.atomic():
        pair = (
            CandidatePair.objects.select_for_update()
            .select_related("person_l", "person_r")
            .filter(pk=pair_id, status=PairStatus.PENDING)
            .first()
        )
        if pair is None or not _both_active(pair):
            return False
        survivor, duplicate = choose_survivor(pair)
        merge = merge_persons(
            actor=actor, survivor=survivor, duplicate=duplicate, pair=pair, automatic=True
        )
        pair.status = PairStatus.AUTO_MERGED
        pair.decided_at = timezone.now()
        pair.save(update_fields=["status", "decided_at", "updated_at"])
        audit_record(
            actor=actor,
            action="linkage.pair_auto_merge",
            target=pair,
            summary=_("Pasangan #%(pair)s digabung otomatis.") % {"pair": pair.pk},
            changes={
                "pair": pair.pk,
                "persons": [pair.person_l_id, pair.person_r_id],
                "match_probability": pair.match_probability,
                "merge": merge.pk,
            },
        )
    return True


def _both_active(pair: CandidatePair) -> bool:
    return (
        Person.objects.filter(
            Q(pk=pair.person_l_id) | Q(pk=pair.person_r_id), status=c.PersonStatus.ACTIVE
        ).count()
        == 2
    )
