"""Families: registration, corrections, new members, a new head, pecah KK."""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.core.services import audit_record, field_changes, json_safe
from entas.registry import choices as c
from entas.registry.models import Household, Membership, Person
from entas.registry.services.common import (
    HOUSEHOLD_EDITABLE_FIELDS,
    MemberInput,
    RegistryError,
    _check_choice,
    _clean_kk,
    _clean_rt_rw,
    _end_membership,
    _kelurahan,
    _person_join,
    _person_values,
    _raise_constraint,
    _require_reason,
)


def household_register(
    *,
    actor: Any,
    kelurahan_code: str,
    members: list[MemberInput],
    source: str,
    as_of: dt.date,
    kk_number: str | None = None,
    address: str = "",
    rt: str = "",
    rw: str = "",
    latitude: Any = None,
    longitude: Any = None,
    reason: str = "",
) -> Household:
    """Register a family with its members; exactly one member must be the head."""
    today = timezone.localdate()
    _check_choice(source, c.Source.values, "source")
    heads = [member for member in members if member.relationship == c.Relationship.HEAD]
    if len(heads) != 1:
        raise RegistryError(
            _("Satu keluarga harus memiliki tepat satu kepala keluarga."),
            code="head_count",
            field="members",
        )
    person_values = [_person_values(member, today) for member in members]
    niks = [values["nik"] for values in person_values if values["nik"]]
    if len(niks) != len(set(niks)):
        raise RegistryError(
            _("NIK yang sama tercantum dua kali dalam keluarga ini."), code="nik_repeated"
        )
    household_values = {
        "kk_number": _clean_kk(kk_number),
        "kelurahan": _kelurahan(kelurahan_code),
        "address": address.strip(),
        "rt": _clean_rt_rw(rt, "rt"),
        "rw": _clean_rt_rw(rw, "rw"),
        "latitude": latitude,
        "longitude": longitude,
        "source": source,
        "as_of": as_of,
    }
    try:
        with transaction.atomic():
            household = Household.objects.create(**household_values)
            for member, values in zip(members, person_values, strict=True):
                _person_join(
                    household=household,
                    values=values,
                    relationship=member.relationship,
                    start=as_of,
                )
            audit_record(
                actor=actor,
                action="household.register",
                target=household,
                trail=household.trail,
                summary=_("Keluarga didaftarkan dengan %(count)d anggota.")
                % {"count": len(members)},
                changes={key: json_safe(value) for key, value in household_values.items()},
                reason=reason,
            )
    except IntegrityError as error:
        _raise_constraint(error)
    return household


def household_update(
    *, actor: Any, household: Household, values: dict[str, Any], reason: str
) -> Household:
    """Change address, RT/RW, coordinates or No. KK; records old and new values."""
    unknown = set(values) - HOUSEHOLD_EDITABLE_FIELDS
    if unknown:
        raise RegistryError(
            _("Kolom tidak dikenal: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="field_unknown",
        )
    cleaned = dict(values)
    if "kk_number" in cleaned:
        cleaned["kk_number"] = _clean_kk(cleaned["kk_number"])
    for name in ("rt", "rw"):
        if name in cleaned:
            cleaned[name] = _clean_rt_rw(cleaned[name], name)
    _require_reason(reason)
    diff = field_changes(household, cleaned)
    if not diff:
        return household
    try:
        with transaction.atomic():
            for name, value in cleaned.items():
                setattr(household, name, value)
            household.save(update_fields=[*diff, "updated_at"])
            audit_record(
                actor=actor,
                action="household.update",
                target=household,
                trail=household.trail,
                changes=diff,
                reason=reason,
            )
    except IntegrityError as error:
        _raise_constraint(error)
    return household


def member_add(
    *,
    actor: Any,
    household: Household,
    member: MemberInput,
    start_date: dt.date,
    start_reason: str,
    reason: str = "",
) -> Person:
    """A birth, a new spouse, someone moving in: a new person joins the household."""
    _check_choice(start_reason, c.MembershipStart.values, "start_reason")
    if household.status != c.HouseholdStatus.ACTIVE:
        raise RegistryError(
            _("Anggota hanya dapat ditambahkan ke keluarga aktif."), code="household_not_active"
        )
    values = _person_values(member, timezone.localdate())
    try:
        with transaction.atomic():
            person = _person_join(
                household=household,
                values=values,
                relationship=member.relationship,
                start=start_date,
                reason=start_reason,
            )
            audit_record(
                actor=actor,
                action="household.member_add",
                target=person,
                trail=household.trail,
                summary=_("%(name)s masuk keluarga (%(reason)s).")
                % {"name": person.full_name, "reason": c.MembershipStart(start_reason).label},
                changes={"relationship": member.relationship, "start_date": start_date.isoformat()},
                reason=reason,
            )
    except IntegrityError as error:
        _raise_constraint(error)
    return person


def head_change(
    *, actor: Any, household: Household, new_head: Person, on: dt.date, reason: str
) -> None:
    """Make another current member the head; the old head becomes 'lainnya' unless they left."""
    _require_reason(reason)
    with transaction.atomic():
        memberships = {
            m.person_id: m
            for m in Membership.objects.select_for_update().filter(
                household=household, end_date__isnull=True
            )
        }
        if new_head.pk not in memberships:
            raise RegistryError(
                _("Kepala keluarga baru harus anggota keluarga ini."), code="head_not_member"
            )
        old = next((m for m in memberships.values() if m.relationship == c.Relationship.HEAD), None)
        if old is not None and old.person_id == new_head.pk:
            return
        if old is not None:
            _relationship_change(old, c.Relationship.OTHER, on)
        _relationship_change(memberships[new_head.pk], c.Relationship.HEAD, on)
        audit_record(
            actor=actor,
            action="household.head_change",
            target=household,
            trail=household.trail,
            changes={"head": [old.person_id if old else None, new_head.pk]},
            reason=reason,
        )


def _relationship_change(membership: Membership, relationship: str, on: dt.date) -> None:
    """Relationships change by ending the row and opening a new one, so history stays true."""
    _end_membership(membership, on=on, reason=c.MembershipEnd.CORRECTION)
    Membership.objects.create(
        person_id=membership.person_id,
        household_id=membership.household_id,
        relationship=relationship,
        start_date=on,
        start_reason=c.MembershipStart.CORRECTION,
    )


def household_split(
    *,
    actor: Any,
    household: Household,
    persons: list[Person],
    new_head: Person,
    kk_number: str | None,
    on: dt.date,
    reason: str,
    address: str | None = None,
) -> Household:
    """Pecah KK: some members leave to form a new family in the same kelurahan."""
    _require_reason(reason)
    if new_head not in persons:
        raise RegistryError(
            _("Kepala keluarga baru harus termasuk yang pindah KK."), code="head_not_in_split"
        )
    try:
        with transaction.atomic():
            current = {
                m.person_id: m
                for m in Membership.objects.select_for_update().filter(
                    household=household, end_date__isnull=True
                )
            }
            if any(person.pk not in current for person in persons):
                raise RegistryError(
                    _("Semua yang pecah KK harus anggota keluarga ini."), code="split_not_member"
                )
            if len(current) == len(persons):
                raise RegistryError(
                    _("Pecah KK harus menyisakan anggota di keluarga asal."), code="split_all"
                )
            if any(current[p.pk].relationship == c.Relationship.HEAD for p in persons):
                raise RegistryError(
                    _("Kepala keluarga asal tidak dapat pecah KK; ganti kepala keluarga dulu."),
                    code="split_head",
                )
            new = Household.objects.create(
                kk_number=_clean_kk(kk_number),
                kelurahan_id=household.kelurahan_id,
                address=household.address if address is None else address.strip(),
                rt=household.rt,
                rw=household.rw,
                source=household.source,
                as_of=on,
            )
            for person in persons:
                _end_membership(current[person.pk], on=on, reason=c.MembershipEnd.SPLIT)
                Membership.objects.create(
                    person=person,
                    household=new,
                    start_date=on,
                    start_reason=c.MembershipStart.SPLIT,
                    relationship=c.Relationship.HEAD
                    if person.pk == new_head.pk
                    else c.Relationship.OTHER,
                )
            for target in (household, new):
                audit_record(
                    actor=actor,
                    action="household.split",
                    target=target,
                    trail=target.trail,
                    changes={
                        "from": household.pk,
                        "to": new.pk,
                        "persons": [p.pk for p in persons],
                    },
                    reason=reason,
                )
    except IntegrityError as error:
        _raise_constraint(error)
    return new
