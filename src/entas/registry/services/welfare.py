"""Welfare records and national programmes received, as dated facts from a source."""

import datetime as dt
from typing import Any, cast

from django.db import transaction
from django.db.models import Field
from django.utils.translation import gettext as _

from entas.core.services import audit_record, json_safe
from entas.registry import choices as c
from entas.registry.models import (
    WELFARE_FIELDS,
    Household,
    Person,
    ProgrammeReceipt,
    WelfareRecord,
)
from entas.registry.services.common import RegistryError, _check_choice


def _allowed_values(name: str) -> frozenset[str]:
    field = cast(Field, WelfareRecord._meta.get_field(name))
    return frozenset(str(key) for key, _label in field.choices or ())


# The model's own choices are the rule; the field list is the one the pages show.
WELFARE_CHOICES = {
    name: allowed
    for name in (*WELFARE_FIELDS, "desil_source")
    if (allowed := _allowed_values(name))
}
WELFARE_NUMBER_FIELDS = tuple(name for name in WELFARE_FIELDS if name not in WELFARE_CHOICES)


def welfare_record(
    *,
    actor: Any,
    household: Household,
    as_of: dt.date,
    source: str,
    values: dict[str, Any],
    reason: str = "",
) -> WelfareRecord:
    """Add a dated welfare record; it becomes current unless a newer one exists."""
    welfare_validate(values)
    _check_choice(source, c.Source.values, "source")
    with transaction.atomic():
        record, created = WelfareRecord.objects.update_or_create(
            household=household, source=source, as_of=as_of, defaults=values
        )
        current = household.current_welfare
        if current is None or current.pk == record.pk or current.as_of <= as_of:
            household.current_welfare = record
            household.save(update_fields=["current_welfare", "updated_at"])
        audit_record(
            actor=actor,
            action="welfare.record" if created else "welfare.update",
            target=record,
            trail=household.trail,
            changes={key: json_safe(value) for key, value in values.items()},
            reason=reason,
        )
    return record


def welfare_validate(values: dict[str, Any]) -> None:
    allowed = {*WELFARE_CHOICES, *WELFARE_NUMBER_FIELDS, "assets", "desil"}
    unknown = set(values) - allowed
    if unknown:
        raise RegistryError(
            _("Kolom tidak dikenal: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="field_unknown",
        )
    for name, choices in WELFARE_CHOICES.items():
        _check_choice(values.get(name, ""), choices, name)
    for name in WELFARE_NUMBER_FIELDS:
        value = values.get(name)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise RegistryError(
                _("%(field)s harus bilangan bulat tidak negatif.") % {"field": name},
                code="number_invalid",
                field=name,
            )
    desil = values.get("desil")
    if desil is not None and (not isinstance(desil, int) or not 1 <= desil <= 10):
        raise RegistryError(_("Desil harus antara 1 dan 10."), code="desil_invalid", field="desil")
    unknown_assets = set(values.get("assets", {})) - set(c.Asset.values) - LIVESTOCK
    if unknown_assets:
        raise RegistryError(
            _("Aset tidak dikenal: %(assets)s.") % {"assets": ", ".join(sorted(unknown_assets))},
            code="asset_unknown",
        )


LIVESTOCK = frozenset({"sapi", "kerbau", "kuda", "babi", "kambing_domba"})


def programme_receipt_record(
    *,
    actor: Any,
    household: Household,
    programme: str,
    source: str,
    as_of: dt.date,
    person: Person | None = None,
) -> ProgrammeReceipt:
    _check_choice(programme, c.Programme.values, "programme")
    _check_choice(source, c.Source.values, "source")
    with transaction.atomic():
        receipt, created = ProgrammeReceipt.objects.get_or_create(
            household=household, person=person, programme=programme, source=source, as_of=as_of
        )
        if created:
            audit_record(
                actor=actor,
                action="programme_receipt.record",
                target=receipt,
                trail=household.trail,
                changes={"programme": programme, "source": source, "as_of": as_of.isoformat()},
            )
    return receipt
