"""Validation and small writes shared by the registry services (callers own the transaction)."""

import datetime as dt
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError
from django.utils.translation import gettext as _

from entas.registry import choices as c
from entas.registry.exceptions import RegistryError  # noqa: F401 - re-exported
from entas.registry.models import DIFFICULTY_FIELDS, Household, Membership, Person, PersonNameToken
from entas.wilayah import identity
from entas.wilayah.models import Region
from entas.wilayah.selectors import region_is_in_deployment

PERSON_EDITABLE_FIELDS = frozenset(
    {
        "nik",
        "nik_verified",
        "full_name",
        "sex",
        "birth_place",
        "birth_date",
        "mother_name",
        "marital_status",
        "education",
        "school_participation",
        "occupation",
        "is_working",
        *DIFFICULTY_FIELDS,
        "chronic_illness",
        "is_pregnant",
    }
)
HOUSEHOLD_EDITABLE_FIELDS = frozenset({"kk_number", "address", "rt", "rw", "latitude", "longitude"})


@dataclass
class MemberInput:
    """One member to register: the person's fields and their relationship to the head."""

    full_name: str
    sex: str
    relationship: str
    nik: str | None = None
    birth_date: dt.date | None = None
    fields: dict[str, Any] = field(default_factory=dict)


# --- names ---------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def name_tokens(full_name: str) -> list[str]:
    """Upper-case ASCII words of a name, for prefix search ("Siti Aminah" → SITI, AMINAH)."""
    folded = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode().upper()
    words = [word[:40] for word in _NON_ALNUM.split(folded) if word]
    return list(dict.fromkeys(words))


def _clean_name(full_name: str) -> str:
    name = " ".join(full_name.split())
    if not name:
        raise RegistryError(_("Nama tidak boleh kosong."), code="name_empty", field="full_name")
    if len(name) > 150:
        raise RegistryError(
            _("Nama terlalu panjang (maksimal 150 huruf)."), code="name_long", field="full_name"
        )
    return name


def _write_name_tokens(person: Person) -> None:
    PersonNameToken.objects.filter(person=person).delete()
    PersonNameToken.objects.bulk_create(
        PersonNameToken(person=person, token=token) for token in name_tokens(person.full_name)
    )


# --- validation ----------------------------------------------------------------------


def _clean_nik(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    result = identity.parse_nik(value)
    if not result.valid:
        raise RegistryError(result.message, code=f"nik_{result.error}", field="nik")
    return result.number


def _clean_kk(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    result = identity.parse_kk(value)
    if not result.valid:
        raise RegistryError(result.message, code=f"kk_{result.error}", field="kk_number")
    return result.number


def _check_choice(value: str, allowed: Collection[str], name: str) -> None:
    if value and value not in allowed:
        raise RegistryError(
            _("Nilai '%(value)s' tidak dikenal untuk %(field)s.") % {"value": value, "field": name},
            code="choice_unknown",
            field=name,
        )


def _kelurahan(code: str) -> Region:
    region = Region.objects.filter(code=code, level=4).first()
    if region is None:
        raise RegistryError(
            _("Kode kelurahan/desa %(code)s tidak dikenal.") % {"code": code},
            code="kelurahan_unknown",
            field="kelurahan",
        )
    if not region_is_in_deployment(code):
        raise RegistryError(
            _("Kelurahan/desa %(code)s berada di luar wilayah layanan ini.") % {"code": code},
            code="kelurahan_out_of_area",
            field="kelurahan",
        )
    return region


def _check_birth_date(birth_date: dt.date | None, today: dt.date) -> None:
    if birth_date and birth_date > today:
        raise RegistryError(
            _("Tanggal lahir tidak boleh di masa depan."),
            code="birth_date_future",
            field="birth_date",
        )


def _person_values(member: MemberInput, today: dt.date) -> dict[str, Any]:
    unknown = set(member.fields) - PERSON_EDITABLE_FIELDS
    if unknown:
        raise RegistryError(
            _("Kolom tidak dikenal: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="field_unknown",
        )
    _check_choice(member.sex, c.Sex.values, "sex")
    _check_choice(member.relationship, c.Relationship.values, "relationship")
    _check_birth_date(member.birth_date, today)
    return {
        **member.fields,
        "full_name": _clean_name(member.full_name),
        "sex": member.sex,
        "nik": _clean_nik(member.nik),
        "birth_date": member.birth_date,
    }


def _raise_constraint(error: IntegrityError) -> None:
    text = str(error)
    messages = {
        "person_nik_unique_active": (
            _("NIK ini sudah dipakai individu aktif lain."),
            "nik_duplicate",
        ),
        "household_kk_unique_active": (
            _("No. KK ini sudah dipakai keluarga aktif lain."),
            "kk_duplicate",
        ),
        "membership_one_current_head": (
            _("Keluarga ini sudah memiliki kepala keluarga."),
            "head_duplicate",
        ),
        "membership_one_current_per_person": (
            _("Individu ini sudah tercatat sebagai anggota keluarga lain."),
            "membership_duplicate",
        ),
    }
    for name, (message, code) in messages.items():
        if name in text or _unique_columns_of(name) in text:
            raise RegistryError(message, code=code) from error
    raise error


def _unique_columns_of(constraint: str) -> str:
    # SQLite names the columns, not the constraint, in its UNIQUE error message.
    return {
        "person_nik_unique_active": "registry_person.nik",
        "household_kk_unique_active": "registry_household.kk_number",
        "membership_one_current_head": "registry_membership.household_id",
        "membership_one_current_per_person": "registry_membership.person_id",
    }[constraint]


def _clean_rt_rw(value: str, name: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if not value.isdigit() or len(value) > 3:
        raise RegistryError(
            _("%(field)s harus berupa angka 1–3 digit.") % {"field": name.upper()},
            code=f"{name}_invalid",
            field=name,
        )
    return value.zfill(3)


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise RegistryError(
            _("Alasan perubahan wajib diisi."), code="reason_required", field="reason"
        )


def _person_trail(person: Person) -> str:
    membership = person.memberships.order_by("-start_date", "-id").first()
    return membership.household.trail if membership else ""


def _current_membership(person: Person) -> Membership:
    membership = (
        person.memberships.filter(end_date__isnull=True).select_related("household").first()
    )
    if membership is None:
        raise RegistryError(
            _("Individu ini tidak sedang tercatat sebagai anggota keluarga mana pun."),
            code="no_membership",
        )
    return membership


def _end_membership(membership: Membership, *, on: dt.date, reason: str) -> None:
    if on < membership.start_date:
        raise RegistryError(
            _("Tanggal berakhir tidak boleh sebelum tanggal mulai keanggotaan (%(date)s).")
            % {"date": membership.start_date.isoformat()},
            code="end_before_start",
        )
    membership.end_date = on
    membership.end_reason = reason
    membership.save(update_fields=["end_date", "end_reason", "updated_at"])


def _check_person_transition(person: Person, new_status: str) -> None:
    if new_status not in c.PERSON_TRANSITIONS[c.PersonStatus(person.status)]:
        raise RegistryError(
            _("Status individu tidak dapat berubah dari '%(old)s' menjadi '%(new)s'.")
            % {"old": c.PersonStatus(person.status).label, "new": c.PersonStatus(new_status).label},
            code="transition_invalid",
        )


def _other_current_members(membership: Membership) -> bool:
    return (
        Membership.objects.filter(household_id=membership.household_id, end_date__isnull=True)
        .exclude(pk=membership.pk)
        .exists()
    )


def _person_join(
    *,
    household: Household,
    values: dict[str, Any],
    relationship: str,
    start: dt.date,
    reason: str = "",
) -> Person:
    person = Person.objects.create(**values)
    _write_name_tokens(person)
    Membership.objects.create(
        person=person,
        household=household,
        relationship=relationship,
        start_date=start,
        start_reason=reason or c.MembershipStart.LISTED,
    )
    return person
