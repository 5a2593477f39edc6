"""Merging duplicate persons and households, and undoing a merge exactly.

A merge deletes nothing: the duplicate becomes 'digabung' and points at the survivor, its
current memberships end, and `Merge.changes` lists every row and old value it touched:

    {"fields": {name: old survivor value}, "duplicate_status": old status,
     "memberships_ended": [id, ...], "memberships_started": [id, ...],
     "receipts": [id, ...], "pairs_stale": {pair id: old status},
     "persons": [id, ...], "households": [id, ...]}   # everything touched

Undo restores those values and rows, and is refused when a later merge (not undone)
touched the same persons or households, or when the data changed since in a way that
restoring would break (another active person now holds the NIK, a membership moved on).
"""

import datetime as dt
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Field, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.core.exceptions import EntasError
from entas.core.services import audit_record, json_safe
from entas.linkage.choices import MergeKind, PairStatus
from entas.linkage.models import CandidatePair, Merge
from entas.registry import choices as c
from entas.registry.exceptions import RegistryError
from entas.registry.models import Household, Membership, Person, ProgrammeReceipt
from entas.registry.services.common import (
    PERSON_EDITABLE_FIELDS,
    _check_person_transition,
    _person_trail,
    _raise_constraint,
    _write_name_tokens,
)

OPEN_PAIR_STATUSES = (PairStatus.PENDING, PairStatus.UNSURE)
# Filled from the duplicate only when blank on the survivor; NIK too (see `_fill_blanks`).
FILLABLE_PERSON_FIELDS = tuple(sorted(PERSON_EDITABLE_FIELDS))


class LinkageError(EntasError):
    """A decision, merge or undo was refused; nothing was written."""


# --- persons -------------------------------------------------------------------------


def merge_persons(
    *,
    actor: Any,
    survivor: Person,
    duplicate: Person,
    pair: CandidatePair | None = None,
    automatic: bool = False,
) -> Merge:
    """Merge `duplicate` into `survivor`: one person remains, with the other's history."""
    try:
        with transaction.atomic():
            survivor, duplicate = _locked_persons(survivor.pk, duplicate.pk)
            return _merge_persons(actor, survivor, duplicate, pair, automatic)
    except IntegrityError as error:
        raise _refusal(error) from error


def _locked_persons(survivor_id: int, duplicate_id: int) -> tuple[Person, Person]:
    if survivor_id == duplicate_id:
        raise LinkageError(
            _("Individu tidak dapat digabung dengan dirinya sendiri."), code="same_person"
        )
    persons = Person.objects.select_for_update().in_bulk([survivor_id, duplicate_id])
    for person in persons.values():
        _require_active_person(person)
    return persons[survivor_id], persons[duplicate_id]


def _require_active_person(person: Person) -> None:
    if person.status != c.PersonStatus.ACTIVE:
        raise LinkageError(
            _("%(name)s tidak aktif lagi (%(status)s); tidak dapat digabung.")
            % {"name": person.full_name, "status": c.PersonStatus(person.status).label},
            code="person_not_active",
        )


def _merge_persons(
    actor: Any,
    survivor: Person,
    duplicate: Person,
    pair: CandidatePair | None,
    automatic: bool,
) -> Merge:
    _check_person_transition(duplicate, c.PersonStatus.MERGED)
    today = timezone.localdate()
    old_status = duplicate.status
    duplicate.status = c.PersonStatus.MERGED
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["status", "merged_into", "updated_at"])
    fields = _fill_blanks(survivor, duplicate)
    ended, started, households = _move_memberships(survivor, duplicate, today)
    changes = {
        "fields": fields,
        "duplicate_status": old_status,
        "memberships_ended": ended,
        "memberships_started": started,
        "receipts": _repoint_receipts(Q(person=duplicate), {"person_id": survivor.pk}),
        "pairs_stale": _stale_pairs(duplicate, pair),
        "persons": [survivor.pk, duplicate.pk],
        "households": households,
    }
    merge = Merge.objects.create(
        kind=MergeKind.PERSON,
        pair=pair,
        survivor_person=survivor,
        merged_person=duplicate,
        changes=changes,
        automatic=automatic,
        merged_by=actor if getattr(actor, "pk", None) else None,
    )
    summary = _(
        "%(duplicate)s (#%(duplicate_id)s) digabung ke %(survivor)s (#%(survivor_id)s)."
    ) % {
        "duplicate": duplicate.full_name,
        "duplicate_id": duplicate.pk,
        "survivor": survivor.full_name,
        "survivor_id": survivor.pk,
    }
    for person in (duplicate, survivor):
        audit_record(
            actor=actor,
            action="linkage.person_merge",
            target=person,
            trail=_person_trail(person),
            summary=summary,
            changes={"merge": merge.pk, "automatic": automatic, **changes},
        )
    return merge


def _fill_blanks(survivor: Person, duplicate: Person) -> dict[str, Any]:
    """Copy the duplicate's values into the survivor's empty fields; returns the old values."""
    old: dict[str, Any] = {}
    for name in FILLABLE_PERSON_FIELDS:
        mine, theirs = getattr(survivor, name), getattr(duplicate, name)
        if mine in (None, "") and theirs not in (None, ""):
            old[name] = json_safe(mine)
            setattr(survivor, name, theirs)
    if old:
        survivor.save(update_fields=[*old, "updated_at"])
        if "full_name" in old:
            _write_name_tokens(survivor)
    return old


def _move_memberships(
    survivor: Person, duplicate: Person, today: dt.date
) -> tuple[list[int], list[int], list[int]]:
    """End the duplicate's current memberships; the survivor takes the place of one when
    they are in no household (a person is in at most one household at a time)."""
    ended: list[int] = []
    started: list[int] = []
    survivor_current = Membership.objects.filter(person=survivor, end_date__isnull=True).first()
    households = [survivor_current.household_id] if survivor_current else []
    for membership in Membership.objects.select_for_update().filter(
        person=duplicate, end_date__isnull=True
    ):
        _end(membership, today)
        ended.append(membership.pk)
        households.append(membership.household_id)
        if survivor_current is None:
            survivor_current = Membership.objects.create(
                person=survivor,
                household_id=membership.household_id,
                relationship=membership.relationship,
                start_date=max(today, membership.start_date),
                start_reason=c.MembershipStart.CORRECTION,
            )
            started.append(survivor_current.pk)
    return ended, started, sorted(set(households))


def _end(membership: Membership, today: dt.date) -> None:
    membership.end_date = max(today, membership.start_date)
    membership.end_reason = c.MembershipEnd.MERGED
    membership.save(update_fields=["end_date", "end_reason", "updated_at"])


def _repoint_receipts(of: Q, to: dict[str, int]) -> list[int]:
    """Move programme receipts to the survivor, except those it already has (the unique
    constraint): those stay on the duplicate as its history."""
    moved = []
    for receipt in ProgrammeReceipt.objects.select_for_update().filter(of):
        target = {
            "household_id": receipt.household_id,
            "person_id": receipt.person_id,
            "programme": receipt.programme,
            "source": receipt.source,
            "as_of": receipt.as_of,
            **to,
        }
        if not ProgrammeReceipt.objects.filter(**target).exists():
            for name, value in to.items():
                setattr(receipt, name, value)
            receipt.save(update_fields=[*to, "updated_at"])
            moved.append(receipt.pk)
    return moved


def _stale_pairs(duplicate: Person, pair: CandidatePair | None) -> dict[str, str]:
    pairs = CandidatePair.objects.filter(
        Q(person_l=duplicate) | Q(person_r=duplicate), status__in=OPEN_PAIR_STATUSES
    )
    if pair is not None:
        pairs = pairs.exclude(pk=pair.pk)
    old = {str(pk): status for pk, status in pairs.values_list("pk", "status")}
    pairs.update(status=PairStatus.STALE, updated_at=timezone.now())
    return old


# --- households ----------------------------------------------------------------------


def merge_households(
    *,
    actor: Any,
    survivor: Household,
    duplicate: Household,
    pair: CandidatePair | None = None,
    automatic: bool = False,
) -> Merge:
    """Merge `duplicate` into `survivor`: its current members move to the survivor."""
    try:
        with transaction.atomic():
            survivor, duplicate = _locked_households(survivor.pk, duplicate.pk)
            return _merge_households(actor, survivor, duplicate, pair, automatic)
    except IntegrityError as error:
        raise _refusal(error) from error


def _locked_households(survivor_id: int, duplicate_id: int) -> tuple[Household, Household]:
    if survivor_id == duplicate_id:
        raise LinkageError(
            _("Keluarga tidak dapat digabung dengan dirinya sendiri."), code="same_household"
        )
    households = Household.objects.select_for_update().in_bulk([survivor_id, duplicate_id])
    for household in households.values():
        if household.status != c.HouseholdStatus.ACTIVE:
            raise LinkageError(
                _("Keluarga KK %(kk)s tidak aktif lagi (%(status)s); tidak dapat digabung.")
                % {
                    "kk": household.kk_number or "—",
                    "status": c.HouseholdStatus(household.status).label,
                },
                code="household_not_active",
            )
    return households[survivor_id], households[duplicate_id]


def _merge_households(
    actor: Any,
    survivor: Household,
    duplicate: Household,
    pair: CandidatePair | None,
    automatic: bool,
) -> Merge:
    assert c.HouseholdStatus.MERGED in c.HOUSEHOLD_TRANSITIONS[c.HouseholdStatus(duplicate.status)]
    today = timezone.localdate()
    duplicate.status = c.HouseholdStatus.MERGED
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["status", "merged_into", "updated_at"])
    fields: dict[str, Any] = {}
    if survivor.kk_number is None and duplicate.kk_number:
        fields["kk_number"] = None
        survivor.kk_number = duplicate.kk_number
        survivor.save(update_fields=["kk_number", "updated_at"])
    ended, started, persons = _move_members(survivor, duplicate, today)
    changes = {
        "fields": fields,
        "duplicate_status": c.HouseholdStatus.ACTIVE,
        "memberships_ended": ended,
        "memberships_started": started,
        "receipts": _repoint_receipts(Q(household=duplicate), {"household_id": survivor.pk}),
        "pairs_stale": {},
        "persons": persons,
        "households": [survivor.pk, duplicate.pk],
    }
    merge = Merge.objects.create(
        kind=MergeKind.HOUSEHOLD,
        pair=pair,
        survivor_household=survivor,
        merged_household=duplicate,
        changes=changes,
        automatic=automatic,
        merged_by=actor if getattr(actor, "pk", None) else None,
    )
    summary = _(
        "Keluarga #%(duplicate)s digabung ke keluarga #%(survivor)s (%(count)d anggota)."
    ) % {
        "duplicate": duplicate.pk,
        "survivor": survivor.pk,
        "count": len(started),
    }
    for household in (duplicate, survivor):
        audit_record(
            actor=actor,
            action="linkage.household_merge",
            target=household,
            trail=household.trail,
            summary=summary,
            changes={"merge": merge.pk, "automatic": automatic, **changes},
        )
    return merge


def _move_members(
    survivor: Household, duplicate: Household, today: dt.date
) -> tuple[list[int], list[int], list[int]]:
    has_head = Membership.objects.filter(
        household=survivor, end_date__isnull=True, relationship=c.Relationship.HEAD
    ).exists()
    ended: list[int] = []
    started: list[int] = []
    for membership in Membership.objects.select_for_update().filter(
        household=duplicate, end_date__isnull=True
    ):
        _end(membership, today)
        ended.append(membership.pk)
        relationship = membership.relationship
        if relationship == c.Relationship.HEAD and has_head:
            relationship = c.Relationship.OTHER
        has_head = has_head or relationship == c.Relationship.HEAD
        new = Membership.objects.create(
            person_id=membership.person_id,
            household=survivor,
            relationship=relationship,
            start_date=max(today, membership.start_date),
            start_reason=c.MembershipStart.CORRECTION,
        )
        started.append(new.pk)
    persons = Membership.objects.filter(pk__in=ended).values_list("person_id", flat=True)
    return ended, started, sorted(set(persons))


# --- undo ----------------------------------------------------------------------------


def merge_undo(*, actor: Any, merge: Merge) -> None:
    """Restore what `merge` changed, exactly; the pair waits for a decision again."""
    try:
        with transaction.atomic():
            merge = Merge.objects.select_for_update().get(pk=merge.pk)
            if merge.undone_at is not None:
                raise LinkageError(
                    _("Penggabungan ini sudah dibatalkan sebelumnya."), code="already_undone"
                )
            _refuse_if_later_merge(merge)
            _check_unchanged(merge)
            if merge.kind == MergeKind.PERSON:
                _undo_person_fields(merge)
            else:
                _undo_household_fields(merge)
            _undo_common(merge)
            merge.undone_at = timezone.now()
            merge.undone_by = actor if getattr(actor, "pk", None) else None
            merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
            _reopen_pair(merge)
            _audit_undo(actor, merge)
    except IntegrityError as error:
        raise _refusal(error) from error


def _refuse_if_later_merge(merge: Merge) -> None:
    persons = merge.changes.get("persons", [])
    households = merge.changes.get("households", [])
    later = (
        Merge.objects.filter(pk__gt=merge.pk, undone_at__isnull=True)
        .filter(
            Q(survivor_person__in=persons)
            | Q(merged_person__in=persons)
            | Q(survivor_household__in=households)
            | Q(merged_household__in=households)
        )
        .order_by("-pk")
        .first()
    )
    if later is not None:
        raise LinkageError(
            _(
                "Penggabungan ini tidak dapat dibatalkan: penggabungan #%(later)s yang lebih "
                "baru mengenai individu atau keluarga yang sama. Batalkan #%(later)s lebih dahulu."
            )
            % {"later": later.pk},
            code="later_merge",
        )


def _changed_since() -> LinkageError:
    return LinkageError(
        _(
            "Penggabungan ini tidak dapat dibatalkan: data individu atau keluarga sudah berubah "
            "sejak penggabungan (keanggotaan atau status berbeda). Perbaiki secara manual."
        ),
        code="changed_since",
    )


def _lock_person(person_id: int | None) -> Person:
    assert person_id is not None  # constraint merge_names_both_sides
    return Person.objects.select_for_update().get(pk=person_id)


def _lock_household(household_id: int | None) -> Household:
    assert household_id is not None  # constraint merge_names_both_sides
    return Household.objects.select_for_update().get(pk=household_id)


def _check_unchanged(merge: Merge) -> None:
    """The rows the merge wrote must still be as it left them, or restoring would lie."""
    changes = merge.changes
    duplicate: Person | Household
    if merge.kind == MergeKind.PERSON:
        duplicate = _lock_person(merge.merged_person_id)
    else:
        duplicate = _lock_household(merge.merged_household_id)
    survivor_id = merge.survivor_person_id or merge.survivor_household_id
    if duplicate.status != "digabung" or duplicate.merged_into_id != survivor_id:
        raise _changed_since()
    ended = Membership.objects.filter(
        pk__in=changes["memberships_ended"], end_reason=c.MembershipEnd.MERGED
    )
    started = Membership.objects.filter(
        pk__in=changes["memberships_started"], end_date__isnull=True
    )
    if ended.count() != len(changes["memberships_ended"]) or started.count() != len(
        changes["memberships_started"]
    ):
        raise _changed_since()


def _undo_person_fields(merge: Merge) -> None:
    changes = merge.changes
    survivor = _lock_person(merge.survivor_person_id)
    duplicate = _lock_person(merge.merged_person_id)
    _check_person_transition(duplicate, c.PersonStatus.ACTIVE)
    fields = changes["fields"]
    if fields:
        for name, old in fields.items():
            setattr(survivor, name, cast(Field, Person._meta.get_field(name)).to_python(old))
        survivor.save(update_fields=[*fields, "updated_at"])
        if "full_name" in fields:
            _write_name_tokens(survivor)
    _require_nik_free(duplicate)
    duplicate.status = changes["duplicate_status"]
    duplicate.merged_into = None
    duplicate.save(update_fields=["status", "merged_into", "updated_at"])
    ProgrammeReceipt.objects.filter(pk__in=changes["receipts"]).update(
        person=duplicate, updated_at=timezone.now()
    )
    for pk, status in changes["pairs_stale"].items():
        CandidatePair.objects.filter(pk=int(pk), status=PairStatus.STALE).update(
            status=status, updated_at=timezone.now()
        )


def _require_nik_free(person: Person) -> None:
    if not person.nik:
        return
    holder = (
        Person.objects.filter(nik=person.nik, status=c.PersonStatus.ACTIVE)
        .exclude(pk=person.pk)
        .first()
    )
    if holder is not None:
        raise LinkageError(
            _(
                "Penggabungan ini tidak dapat dibatalkan: NIK %(nik)s kini dipakai individu "
                "aktif lain (#%(holder)s)."
            )
            % {"nik": person.nik, "holder": holder.pk},
            code="nik_taken",
        )


def _undo_household_fields(merge: Merge) -> None:
    changes = merge.changes
    survivor = _lock_household(merge.survivor_household_id)
    duplicate = _lock_household(merge.merged_household_id)
    assert c.HouseholdStatus.ACTIVE in c.HOUSEHOLD_TRANSITIONS[c.HouseholdStatus(duplicate.status)]
    if "kk_number" in changes["fields"]:
        survivor.kk_number = changes["fields"]["kk_number"]
        survivor.save(update_fields=["kk_number", "updated_at"])
    duplicate.status = changes["duplicate_status"]
    duplicate.merged_into = None
    duplicate.save(update_fields=["status", "merged_into", "updated_at"])
    ProgrammeReceipt.objects.filter(pk__in=changes["receipts"]).update(
        household=duplicate, updated_at=timezone.now()
    )


def _undo_common(merge: Merge) -> None:
    """Memberships: the ones the merge opened go (they never happened), the ones it closed
    reopen; in that order, so a head's place is free again before it is taken back."""
    changes = merge.changes
    Membership.objects.filter(pk__in=changes["memberships_started"]).delete()
    Membership.objects.filter(pk__in=changes["memberships_ended"]).update(
        end_date=None, end_reason="", updated_at=timezone.now()
    )


def _reopen_pair(merge: Merge) -> None:
    if merge.pair_id is None:
        return
    if Merge.objects.filter(pair_id=merge.pair_id, undone_at__isnull=True).exists():
        return
    CandidatePair.objects.filter(pk=merge.pair_id).update(
        status=PairStatus.PENDING,
        decided_by=None,
        decided_at=None,
        updated_at=timezone.now(),
    )


def _audit_undo(actor: Any, merge: Merge) -> None:
    summary = _("Penggabungan #%(merge)s dibatalkan.") % {"merge": merge.pk}
    targets: list[Person | Household]
    if merge.kind == MergeKind.PERSON:
        targets = list(
            Person.objects.filter(pk__in=[merge.merged_person_id, merge.survivor_person_id])
        )
    else:
        targets = list(
            Household.objects.filter(
                pk__in=[merge.merged_household_id, merge.survivor_household_id]
            )
        )
    for target in targets:
        trail = target.trail if isinstance(target, Household) else _person_trail(target)
        audit_record(
            actor=actor,
            action="linkage.merge_undo",
            target=target,
            trail=trail,
            summary=summary,
            changes={"merge": merge.pk, "pair": merge.pair_id, **merge.changes},
        )


def _refusal(error: IntegrityError) -> LinkageError:
    """A database constraint refused the change: say which rule, in the user's words."""
    try:
        _raise_constraint(error)
    except RegistryError as refused:
        return LinkageError(
            _("Penggabungan ditolak: %(reason)s") % {"reason": refused.message},
            code=refused.code,
        )
    except IntegrityError:
        pass
    return LinkageError(
        _("Penggabungan ditolak oleh aturan data registri; tidak ada yang diubah."),
        code="constraint",
    )
