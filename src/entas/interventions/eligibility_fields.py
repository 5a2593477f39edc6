"""The vocabulary of eligibility conditions: each field a condition may test, with its
subject (household, person or need), type, frame column and Indonesian label, and the
operators each type takes. `eligibility` checks, explains and evaluates conditions with it.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import TextChoices
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
