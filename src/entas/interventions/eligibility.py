"""Eligibility as data: checking a programme's conditions, their sentences, and their
translation into Polars expressions (the vocabulary is in `eligibility_fields`).

A programme's `eligibility` is a JSON list of items that must all hold. An item is a
condition ``{"field": ..., "op": ..., "value": ...}`` or an "any of" group
``{"any": [condition, condition, ...]}`` of two or more conditions, which holds when at
least one of them does; groups do not nest. Fields come in three subjects:

- ``household.*`` and ``welfare.*``: the family, its classification in the period and its
  current welfare record; ``household.receives`` is the set of national programmes it
  receives (registry `ProgrammeReceipt`).
- ``person.*``: one current member, age on the period's reference (end) date. All person
  conditions and person groups must hold for the *same* member: a family programme needs
  one such member, a person programme is given to each such member.
- ``need.*``: one open verval need (`Need`, status terbuka). All need conditions and groups
  must hold for the same need, which the recommendation then names.

The conditions of one group share a subject (household and welfare count as one), so a
group is decided for one family, one member or one need.

A value that is not known (no welfare record, no birth date) never satisfies a condition,
so a family is recommended only on what the data says; a group holds only when one of its
conditions is known to hold. Operators per type: numbers take eq, ne, lt, lte, gt, gte,
between (inclusive); yes/no fields take is; coded fields take eq, ne, in, not_in;
``household.receives`` takes in (any of) and not_in (none of).
"""

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entas.interventions.eligibility_fields import (
    BOOLEAN,
    CODES,
    FIELDS,
    HOUSEHOLD,
    NEED,
    NUMBER,
    OPERATORS,
    PERSON,
    RECEIPT_CODES,
    Field,
)

__all__ = [
    "FIELDS", "GROUP", "HOUSEHOLD", "NEED", "OPERATORS", "PERSON", "RECEIPT_CODES",
    "condition_expression", "condition_sentence", "conditions_expression",
    "eligibility_explain", "eligibility_reasons", "eligibility_validate",
    "group_choice_expression", "group_column", "groups_of", "is_group", "item_sentence",
    "plain_conditions", "receipt_column", "split",
]  # fmt: skip

GROUP = "any"
CONDITION_KEYS = {"field", "op", "value"}
SUBJECT_NAMES = {
    HOUSEHOLD: gettext_lazy("keluarga"),
    PERSON: gettext_lazy("anggota"),
    NEED: gettext_lazy("kebutuhan"),
}


def is_group(item: Any) -> bool:
    """Whether an item of a conditions list is an "any of" group (valid or not)."""
    return isinstance(item, dict) and GROUP in item


def plain_conditions(conditions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every condition, those inside groups included, in order; assumes they are valid."""
    return [
        condition
        for item in conditions
        for condition in (item[GROUP] if is_group(item) else [item])
    ]


# --- checks ------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value_error(field: Field, op: str, value: Any) -> str:
    """The reason `value` does not fit `field` and `op`, or "" when it does."""
    if field.kind == BOOLEAN:
        return "" if isinstance(value, bool) else _("nilainya harus true atau false")
    if field.kind == NUMBER:
        if op == "between":
            if not (isinstance(value, list) and len(value) == 2 and all(map(_is_number, value))):
                return _("nilainya harus dua angka [dari, sampai]")
            return "" if value[0] <= value[1] else _("angka pertama harus ≤ angka kedua")
        return "" if _is_number(value) else _("nilainya harus angka")
    values = value if op in ("in", "not_in") else [value]
    if op in ("in", "not_in") and not (isinstance(value, list) and value):
        return _("nilainya harus daftar kode yang tidak kosong")
    if not all(isinstance(item, str) for item in values):
        return _("nilainya harus kode (teks)")
    if field.choices is not None:
        unknown = [item for item in values if item not in field.choices.values]
        if unknown:
            return _("kode tidak dikenal: %(codes)s") % {"codes": ", ".join(unknown)}
    return ""


def _condition_error(condition: Any, where: str) -> str:
    """The problem of one plain condition, or "" when it is valid; `where` names it."""
    if not isinstance(condition, dict) or set(condition) != CONDITION_KEYS:
        return _('%(where)s harus berisi tepat "field", "op" dan "value".') % {"where": where}
    name, op = condition["field"], condition["op"]
    field = FIELDS.get(name) if isinstance(name, str) else None
    if field is None:
        return _("%(where)s: kolom %(field)s tidak dikenal.") % {"where": where, "field": name}
    if op not in OPERATORS[field.kind]:
        return _("%(where)s: operator %(op)s tidak berlaku untuk %(field)s (pakai: %(ops)s).") % {
            "where": where, "op": op, "field": name, "ops": ", ".join(OPERATORS[field.kind]),
        }  # fmt: skip
    problem = _value_error(field, op, condition["value"])
    if problem:
        return _("%(where)s (%(field)s): %(problem)s.") % {
            "where": where, "field": name, "problem": problem,
        }  # fmt: skip
    return ""


def _group_shape_error(group: dict[Any, Any], where: str) -> str:
    """Why `group` is not a list of two or more items under the one key "any", or ""."""
    others = sorted(str(key) for key in group if key != GROUP)
    members = group[GROUP]
    if others:
        message = _('%(where)s: kelompok hanya boleh berisi kunci "any" (kunci lain: %(keys)s).')
        return message % {"where": where, "keys": ", ".join(others)}
    if not isinstance(members, list):
        return _('%(where)s: isi "any" harus berupa daftar kondisi.') % {"where": where}
    if not members:
        return _('%(where)s: kelompok "any" kosong; isi paling sedikit dua kondisi.') % {
            "where": where
        }
    if len(members) == 1:
        return _(
            '%(where)s: kelompok "any" hanya berisi satu kondisi; tulis kondisi itu tanpa kelompok.'
        ) % {"where": where}
    return ""


def _member_error(condition: Any, number: int, position: int) -> str:
    where = _("Syarat ke-%(n)d, pilihan ke-%(m)d") % {"n": number, "m": position}
    if is_group(condition):
        return _("%(where)s: kelompok tidak boleh berada di dalam kelompok lain.") % {
            "where": where
        }
    return _condition_error(condition, where)


def _subjects_error(group: dict[str, Any], where: str) -> str:
    subjects = list(dict.fromkeys(FIELDS[member["field"]].subject for member in group[GROUP]))
    if len(subjects) == 1:
        return ""
    return _(
        "%(where)s: semua pilihan dalam satu kelompok harus tentang hal yang sama (keluarga,"
        " satu anggota, atau satu kebutuhan), bukan campuran %(subjects)s."
    ) % {"where": where, "subjects": _(" dan ").join(str(SUBJECT_NAMES[s]) for s in subjects)}


def _group_errors(group: dict[Any, Any], number: int) -> list[str]:
    where = _("Syarat ke-%(n)d") % {"n": number}
    shape = _group_shape_error(group, where)
    if shape:
        return [shape]
    errors = [
        error
        for position, member in enumerate(group[GROUP], start=1)
        if (error := _member_error(member, number, position))
    ]
    if errors:
        return errors
    mixed = _subjects_error(group, where)
    return [mixed] if mixed else []


def eligibility_validate(conditions: Any) -> list[str]:
    """Every problem of a conditions list, as Indonesian sentences; empty when valid."""
    if not isinstance(conditions, list):
        return [_("Syarat harus berupa daftar (JSON list) kondisi.")]
    errors: list[str] = []
    for number, item in enumerate(conditions, start=1):
        if is_group(item):
            errors.extend(_group_errors(item, number))
        elif error := _condition_error(item, _("Syarat ke-%(n)d") % {"n": number}):
            errors.append(error)
    return errors


# --- sentences ---------------------------------------------------------------------------


def _label_of(field: Field, code: str) -> str:
    if field.choices is not None and code in field.choices.values:
        return str(field.choices(code).label)
    return code


def _number(value: float) -> str:
    return f"{value:g}"


def condition_sentence(condition: dict[str, Any]) -> str:
    """One condition as an Indonesian phrase, e.g. "usia anggota 0–4 tahun"."""
    field = FIELDS[condition["field"]]
    op, value = condition["op"], condition["value"]
    label = str(field.label)
    if field.kind == BOOLEAN:
        return label if value else _("bukan: %(label)s") % {"label": label}
    if field.kind == NUMBER:
        unit = f" {field.unit}" if field.unit else ""
        if op == "between":
            return f"{label} {_number(value[0])}–{_number(value[1])}{unit}"
        symbols = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}
        return f"{label} {symbols[op]} {_number(value)}{unit}"
    values = value if isinstance(value, list) else [value]
    names = ", ".join(_label_of(field, code) for code in values)
    if field.kind == CODES:
        template = _("%(label)s: salah satu dari %(names)s") if op == "in" else None
        template = template or _("%(label)s: bukan %(names)s")
        return template % {"label": label, "names": names}
    if op in ("eq", "in"):
        return f"{label}: {names}"
    return _("%(label)s: bukan %(names)s") % {"label": label, "names": names}


def group_sentence(group: dict[str, Any]) -> str:
    """A group as one phrase: "salah satu: A; atau B" (A; B; atau C for three)."""
    sentences = [condition_sentence(condition) for condition in group[GROUP]]
    alternatives = _("%(others)s; atau %(last)s") % {
        "others": "; ".join(sentences[:-1]), "last": sentences[-1],
    }  # fmt: skip
    return _("salah satu: %(alternatives)s") % {"alternatives": alternatives}


def item_sentence(item: dict[str, Any]) -> str:
    return group_sentence(item) if is_group(item) else condition_sentence(item)


def eligibility_explain(conditions: Sequence[dict[str, Any]]) -> list[str]:
    """The conditions as sentences, one per condition or group, in order; assumes they are
    valid."""
    if not conditions:
        return [_("tanpa syarat khusus (semua keluarga sasaran periode)")]
    return [item_sentence(item) for item in conditions]


def eligibility_reasons(
    conditions: Sequence[dict[str, Any]], held: Mapping[int, int | None]
) -> list[str]:
    """The sentences of conditions a family or member met. `held` maps a group's index in
    `conditions` to the position of the one alternative that held; such a group reads as
    that alternative, any other group as its own sentence."""
    sentences = eligibility_explain(conditions)
    for index, choice in held.items():
        if choice is not None:
            sentences[index] = condition_sentence(conditions[index][GROUP][choice])
    return sentences


# --- Polars ------------------------------------------------------------------------------


def _subject(item: dict[str, Any]) -> str:
    first = item[GROUP][0] if is_group(item) else item
    return FIELDS[first["field"]].subject


def split(conditions: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Conditions and groups by subject: household (with welfare), person, need."""
    parts: dict[str, list[dict[str, Any]]] = {HOUSEHOLD: [], PERSON: [], NEED: []}
    for item in conditions:
        parts[_subject(item)].append(item)
    return parts


def groups_of(conditions: Sequence[dict[str, Any]], subject: str) -> list[int]:
    """The indexes in `conditions` of the groups about `subject`."""
    return [
        index
        for index, item in enumerate(conditions)
        if is_group(item) and _subject(item) == subject
    ]


def receipt_column(code: str) -> str:
    return f"receives_{code}"


def group_column(index: int) -> str:
    """The frame column holding which alternative of the group at `index` held."""
    return f"group_{index}"


def condition_expression(condition: dict[str, Any]) -> pl.Expr:
    """A Polars boolean expression; null (unknown data) counts as not satisfied."""
    field = FIELDS[condition["field"]]
    op, value = condition["op"], condition["value"]
    if field.kind == CODES:
        any_of = pl.any_horizontal([pl.col(receipt_column(code)) for code in value])
        return any_of if op == "in" else ~any_of
    column = pl.col(field.column)
    expression = {
        "eq": lambda: column == value,
        "ne": lambda: column != value,
        "lt": lambda: column < value,
        "lte": lambda: column <= value,
        "gt": lambda: column > value,
        "gte": lambda: column >= value,
        "between": lambda: column.is_between(value[0], value[1]),
        "in": lambda: column.is_in(value),
        "not_in": lambda: ~column.is_in(value) & column.is_not_null(),
        "is": lambda: column == value,
    }[op]()
    return expression.fill_null(False)


def _item_expression(item: dict[str, Any]) -> pl.Expr:
    if is_group(item):
        return pl.any_horizontal([condition_expression(member) for member in item[GROUP]])
    return condition_expression(item)


def conditions_expression(conditions: Sequence[dict[str, Any]]) -> pl.Expr:
    """All conditions and groups together; true when there are none."""
    expressions = [_item_expression(item) for item in conditions]
    return pl.all_horizontal(expressions) if expressions else pl.lit(True)


def group_choice_expression(group: dict[str, Any]) -> pl.Expr:
    """The position (from 0) of the one alternative of `group` that holds; null when
    several hold, or none."""
    held = [condition_expression(member) for member in group[GROUP]]
    which = pl.coalesce(
        [
            pl.when(holds).then(pl.lit(position, dtype=pl.Int64))
            for position, holds in enumerate(held)
        ]
    )
    return pl.when(pl.sum_horizontal(held) == 1).then(which)
