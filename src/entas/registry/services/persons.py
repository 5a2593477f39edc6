"""Persons: corrections, death, moving out."""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.core.services import audit_record, field_changes
from entas.registry import choices as c
from entas.registry.models import Household, Membership, Person
from entas.registry.services.common import (
    PERSON_EDITABLE_FIELDS,
    RegistryError,
    _check_birth_date,
    _check_choice,
    _check_person_transition,
    _clean_name,
    _clean_nik,
    _current_membership,
    _end_membership,
    _other_current_members,
    _person_trail,
    _raise_constraint,
    _require_reason,
    _write_name_tokens,
)


def person_update(*, actor: Any, person: Person, values: dict[str, Any], reason: str) -> Person:
    """Correct a person's data; NIK and name are re-validated, history keeps old values."""
    unknown = set(values) - PERSON_EDITABLE_FIELDS
    if unknown:
        raise RegistryError(
            _("Kolom tidak dikenal: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="field_unknown",
        )
    _require_reason(reason)
    cleaned = dict(values)
    if "nik" in cleaned:
        cleaned["nik"] = _clean_nik(cleaned["nik"])
    if "full_name" in cleaned:
        cleaned["full_name"] = _clean_name(cleaned["full_name"])
    if "sex" in cleaned:
        _check_choice(cleaned["sex"], c.Sex.values, "sex")
    _check_birth_date(cleaned.get("birth_date"), timezone.localdate())
    diff = field_changes(person, cleaned)
    if not diff:
        return person
    try:
        with transaction.atomic():
            for name, value in cleaned.items():
                setattr(person, name, value)
            person.save(update_fields=[*diff, "updated_at"])
            if "full_name" in diff:
                _write_name_tokens(person)
            audit_record(
                actor=actor,
                action="person.update",
                target=person,
                trail=_person_trail(person),
                changes=diff,
                reason=reason,
            )
    except IntegrityError as error:
        _raise_constraint(error)
    return person


def person_record_death(
    *, actor: Any, person: Person, death_date: dt.date, reason: str = ""
) -> Person:
    """A member died: the membership ends, the person keeps their history and NIK."""
    if death_date > timezone.localdate():
        raise RegistryError(
            _("Tanggal meninggal tidak boleh di masa depan."), code="death_date_future"
        )
    return _person_leave(
        actor=actor,
        person=person,
        status=c.PersonStatus.DECEASED,
        on=death_date,
        reason=reason,
        head_message=_("Kepala keluarga meninggal: tetapkan kepala keluarga baru lebih dahulu."),
    )


def person_move_out(*, actor: Any, person: Person, moved_on: dt.date, reason: str = "") -> Person:
    """A member left the kab/kota: the membership ends and the person becomes 'pindah'."""
    return _person_leave(
        actor=actor,
        person=person,
        status=c.PersonStatus.MOVED_OUT,
        on=moved_on,
        reason=reason,
        head_message=_("Kepala keluarga pindah: tetapkan kepala keluarga baru lebih dahulu."),
    )


LEAVING = {
    c.PersonStatus.DECEASED: ("person.death", c.MembershipEnd.DEATH),
    c.PersonStatus.MOVED_OUT: ("person.move_out", c.MembershipEnd.MOVED_OUT),
}


def _person_leave(
    *, actor: Any, person: Person, status: str, on: dt.date, reason: str, head_message: str
) -> Person:
    """End the current membership because the person died or moved away; a head may leave
    only as the last member, and the family is dissolved when nobody is left."""
    _check_person_transition(person, status)
    action, end_reason = LEAVING[c.PersonStatus(status)]
    with transaction.atomic():
        membership = _current_membership(person)
        if membership.relationship == c.Relationship.HEAD and _other_current_members(membership):
            raise RegistryError(head_message, code="head_needs_successor")
        _end_membership(membership, on=on, reason=end_reason)
        old_status, person.status = person.status, status
        changed = ["status", "updated_at"]
        if status == c.PersonStatus.DECEASED:
            person.death_date = on
            changed.append("death_date")
        person.save(update_fields=changed)
        _dissolve_if_empty(actor, membership.household, on)
        audit_record(
            actor=actor,
            action=action,
            target=person,
            trail=membership.household.trail,
            changes={"status": [old_status, status], "date": on.isoformat()},
            reason=reason,
        )
    return person


def _dissolve_if_empty(actor: Any, household: Household, on: dt.date) -> None:
    if Membership.objects.filter(household=household, end_date__isnull=True).exists():
        return
    assert (
        c.HouseholdStatus.DISSOLVED in c.HOUSEHOLD_TRANSITIONS[c.HouseholdStatus(household.status)]
    )
    household.status = c.HouseholdStatus.DISSOLVED
    household.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="household.dissolve",
        target=household,
        trail=household.trail,
        changes={
            "status": [c.HouseholdStatus.ACTIVE, c.HouseholdStatus.DISSOLVED],
            "on": on.isoformat(),
        },
    )
