"""Eligibility as data: the vocabulary of a programme's conditions, their checks, their
sentences, and their translation into Polars expressions.

A programme's `eligibility` is a JSON list of conditions that must all hold, each
``{"field": ..., "op": ..., "value": ...}``. Fields come in three subjects:

- ``household.*`` and ``welfare.*``: the family, its classification in the period and its
  current welfare record; ``household.receives`` is the set of national programmes it
  receives (registry `ProgrammeReceipt`).
- ``person.*``: one current member, age on the period's reference (end) date. All person
  conditions must hold for the *same* member: a family programme needs one such member, a
  person programme is given to each such member.
- ``need.*``: one open verval need (`Need`, status terbuka). All need conditions must hold
  for the same need, which the recommendation then names.

A value that is not known (no welfare record, no birth date) never satisfies a condition,
so a family is recommended only on what the data says. Operators per type: numbers take
eq, ne, lt, lte, gt, gte, between (inclusive); yes/no fields take is; coded fields take eq,
ne, in, not_in; ``household.receives`` takes in (any of) and not_in (none of).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entas.registry import choices as rc
from entas.targeting import choices as tc
from entas.verval import choices as vc

NUMBER, BOOLEAN, CODE, CODES = "number", "boolean", "code", "codes"
HOUSEHOLD, PERSON, NEED = "household", "person", "need"
OPERATORS = {
    NUMBER: ("eq", "ne", "lt", "lte", "gt", "gte", "between"),
    BOOLEAN: ("is",),
    CODE: ("eq", "ne", "in", "not_in"),
    CODES: ("in", "not_in"),
}


@dataclass(frozen=True)
class Field:
    """One attribute a condition may test: its subject, type, frame column and label."""

    subject: str
    kind: str
    column: str
    label: Any  # lazy Indonesian noun phrase, e.g. "usia anggota"
    choices: type[TextChoices] | None = None
    unit: Any = ""  # a lazy word, e.g. "tahun"


def _welfare(column: str, label: Any, choices: type[TextChoices]) -> Field:
    return Field(HOUSEHOLD, CODE, f"w_{column}", label, choices)


FIELDS: dict[str, Field] = {
    "household.status": Field(
        HOUSEHOLD, CODE, "status", gettext_lazy("status keluarga pada periode"), tc.Status
    ),
    "household.desil": Field(HOUSEHOLD, NUMBER, "desil", gettext_lazy("desil keluarga")),
    "household.members": Field(HOUSEHOLD, NUMBER, "members", gettext_lazy("jumlah anggota")),
    "household.workers": Field(
        HOUSEHOLD, NUMBER, "workers", gettext_lazy("jumlah anggota yang bekerja")
    ),
    "household.elderly": Field(
        HOUSEHOLD, NUMBER, "elderly", gettext_lazy("jumlah anggota berusia 60 tahun ke atas")
    ),
    "household.disabled": Field(
        HOUSEHOLD, NUMBER, "disabled", gettext_lazy("jumlah anggota penyandang disabilitas")
    ),
    "household.children": Field(
        HOUSEHOLD, NUMBER, "children", gettext_lazy("jumlah anggota di bawah 18 tahun")
    ),
    "household.head_sex": Field(
        HOUSEHOLD, CODE, "head_sex", gettext_lazy("jenis kelamin kepala keluarga"), rc.Sex
    ),
    "household.receives": Field(
        HOUSEHOLD, CODES, "receives", gettext_lazy("program nasional yang diterima"), rc.Programme
    ),
    "welfare.house_ownership": _welfare(
        "house_ownership", gettext_lazy("status kepemilikan rumah"), rc.HouseOwnership
    ),
    "welfare.floor_type": _welfare("floor_type", gettext_lazy("jenis lantai"), rc.FloorType),
    "welfare.wall_type": _welfare("wall_type", gettext_lazy("jenis dinding"), rc.WallType),
    "welfare.roof_type": _welfare("roof_type", gettext_lazy("jenis atap"), rc.RoofType),
    "welfare.water_source": _welfare(
        "water_source", gettext_lazy("sumber air minum"), rc.WaterSource
    ),
    "welfare.lighting": _welfare("lighting", gettext_lazy("sumber penerangan"), rc.Lighting),
    "welfare.cooking_fuel": _welfare(
        "cooking_fuel", gettext_lazy("bahan bakar memasak"), rc.CookingFuel
    ),
    "welfare.toilet_facility": _welfare(
        "toilet_facility", gettext_lazy("fasilitas BAB"), rc.ToiletFacility
    ),
    "welfare.floor_area_per_person": Field(
        HOUSEHOLD,
        NUMBER,
        "floor_area_per_person",
        gettext_lazy("luas lantai per orang"),
        unit="m²",
    ),  # fmt: skip
    "person.age": Field(
        PERSON, NUMBER, "age", gettext_lazy("usia anggota"), unit=gettext_lazy("tahun")
    ),
    "person.sex": Field(PERSON, CODE, "sex", gettext_lazy("jenis kelamin anggota"), rc.Sex),
    "person.relationship": Field(
        PERSON, CODE, "relationship", gettext_lazy("hubungan anggota"), rc.Relationship
    ),
    "person.disability": Field(
        PERSON, BOOLEAN, "disability", gettext_lazy("anggota penyandang disabilitas")
    ),
    "person.is_working": Field(PERSON, BOOLEAN, "is_working", gettext_lazy("anggota bekerja")),
    "person.is_pregnant": Field(
        PERSON, BOOLEAN, "is_pregnant", gettext_lazy("anggota sedang hamil")
    ),
    "person.chronic_illness": Field(
        PERSON, BOOLEAN, "chronic", gettext_lazy("anggota sakit kronis")
    ),
    "person.school": Field(
        PERSON,
        CODE,
        "school",
        gettext_lazy("partisipasi sekolah anggota"),
        rc.SchoolParticipation,
    ),  # fmt: skip
    "person.education": Field(
        PERSON, CODE, "education", gettext_lazy("pendidikan anggota"), rc.Education
    ),
    "need.kind": Field(NEED, CODE, "kind", gettext_lazy("kebutuhan tercatat"), vc.NeedKind),
    "need.detail": Field(NEED, CODE, "detail", gettext_lazy("rincian kebutuhan"), None),
}
RECEIPT_CODES = tuple(rc.Programme.values)


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


def eligibility_validate(conditions: Any) -> list[str]:
    """Every problem of a conditions list, as Indonesian sentences; empty when valid."""
    if not isinstance(conditions, list):
        return [_("Syarat harus berupa daftar (JSON list) kondisi.")]
    errors = []
    for number, condition in enumerate(conditions, start=1):
        if not isinstance(condition, dict) or set(condition) != {"field", "op", "value"}:
            errors.append(
                _('Syarat ke-%(n)d harus berisi tepat "field", "op" dan "value".') % {"n": number}
            )
            continue
        field = FIELDS.get(condition["field"]) if isinstance(condition["field"], str) else None
        if field is None:
            errors.append(
                _("Syarat ke-%(n)d: kolom %(field)s tidak dikenal.")
                % {"n": number, "field": condition["field"]}
            )
            continue
        op = condition["op"]
        if op not in OPERATORS[field.kind]:
            errors.append(
                _(
                    "Syarat ke-%(n)d: operator %(op)s tidak berlaku untuk %(field)s"
                    " (pakai: %(ops)s)."
                )
                % {
                    "n": number,
                    "op": op,
                    "field": condition["field"],
                    "ops": ", ".join(OPERATORS[field.kind]),
                }
            )
            continue
        problem = _value_error(field, op, condition["value"])
        if problem:
            errors.append(
                _("Syarat ke-%(n)d (%(field)s): %(problem)s.")
                % {"n": number, "field": condition["field"], "problem": problem}
            )
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


def eligibility_explain(conditions: Sequence[dict[str, Any]]) -> list[str]:
    """The conditions as sentences, in order; assumes they are valid."""
    if not conditions:
        return [_("tanpa syarat khusus (semua keluarga sasaran periode)")]
    return [condition_sentence(condition) for condition in conditions]


# --- Polars ------------------------------------------------------------------------------


def split(conditions: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Conditions by subject: household (with welfare), person, need."""
    parts: dict[str, list[dict[str, Any]]] = {HOUSEHOLD: [], PERSON: [], NEED: []}
    for condition in conditions:
        parts[FIELDS[condition["field"]].subject].append(condition)
    return parts


def receipt_column(code: str) -> str:
    return f"receives_{code}"


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


def conditions_expression(conditions: Sequence[dict[str, Any]]) -> pl.Expr:
    """All conditions together; true when there are none."""
    expressions = [condition_expression(condition) for condition in conditions]
    return pl.all_horizontal(expressions) if expressions else pl.lit(True)
