"""Display helpers for registry pages: ages, disability answers, welfare data."""

import datetime as dt
from typing import cast

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Field
from django.utils import timezone

from entas.registry import choices as c
from entas.registry.models import DIFFICULTY_FIELDS, WELFARE_FIELDS, Person, WelfareRecord

register = template.Library()


@register.filter
def age(born: dt.date | None) -> int | None:
    """Whole years from `born` to today (local date)."""
    if born is None:
        return None
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@register.filter
def difficulties(person: Person) -> list[tuple[str, str]]:
    """The domains where a person has some difficulty or more, as (domain, answer)."""
    found = []
    for name in DIFFICULTY_FIELDS:
        value = getattr(person, name)
        if value is not None and value < c.Difficulty.NONE:
            label = cast(Field, Person._meta.get_field(name)).verbose_name
            found.append((str(label), str(c.Difficulty(value).label)))
    return found


@register.filter
def welfare_rows(record: WelfareRecord) -> list[tuple[str, str]]:
    """The filled-in fields of a welfare record as (label, value) in questionnaire order."""
    rows = []
    for name in WELFARE_FIELDS:
        value = getattr(record, name)
        if value is None or value == "":
            continue
        field = cast(Field, record._meta.get_field(name))
        if field.choices:
            text = str(dict(field.flatchoices).get(value, value))
        elif name.endswith("_per_capita"):
            text = "Rp " + str(intcomma(value))
        else:
            text = str(value)
        rows.append((str(field.verbose_name), text))
    return rows


@register.filter
def asset_labels(assets: dict[str, object] | None) -> list[str]:
    """Owned assets in words: a flag shows its name, a count shows name and number."""
    labels = []
    for code, value in (assets or {}).items():
        if not value:
            continue
        name = str(c.Asset(code).label) if code in c.Asset.values else code.replace("_", " ")
        labels.append(name if value is True else f"{name}: {value}")
    return labels
