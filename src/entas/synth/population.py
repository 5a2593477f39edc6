"""The synthetic population, one household at a time, and how sources list it.

A `SynthHousehold` is the truth: the real family with its real members (`SynthPerson`),
including those who died or moved away after the family card was issued. Sources list it
imperfectly: the registry (DTSEN) as one or two `KkListing`s (a family card listed twice is
a duplicate household) whose `Listing`s may carry a misspelled name, a damaged NIK, or be a
second record of a person who already appears elsewhere; P3KE, older and poorer-only, as a
`P3keListing` with its own spellings.
"""

import datetime as dt
from dataclasses import dataclass, field

from entas.synth.profile import Kelurahan

NO_DIFFICULTY = (4, 4, 4, 4, 4, 4, 4, 4, 4)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(slots=True)
class SynthPerson:
    key: int
    sex: str
    birth_date: dt.date
    relationship: str
    marital_status: str
    name: str = ""
    nik: str = ""
    birth_place: str = ""
    mother_name: str = ""
    education: str = ""
    school_participation: str = ""
    occupation: str = ""
    is_working: bool | None = None
    difficulties: tuple[int, ...] | None = NO_DIFFICULTY
    chronic_illness: str = "tidak_ada"
    is_pregnant: bool | None = None
    fate: str = ""  # "", "meninggal" or "pindah"
    fate_date: dt.date | None = None
    receives_pip: bool = False

    @property
    def is_current(self) -> bool:
        return not self.fate


@dataclass(slots=True)
class Listing:
    """One record of a person in a source: the name and NIK as written there."""

    person: SynthPerson
    name: str
    nik: str  # as written in the file; "" when missing
    registry_nik: str | None  # what a registry can hold: 16 digits that nobody else has
    relationship: str
    dirt: str = ""  # ";"-joined kinds, "" for a faithful record
    household_key: int = 0  # the true household of the person
    verified: bool | None = None  # "padan Dukcapil": the written NIK matches the civil registry

    @property
    def is_duplicate(self) -> bool:
        return self.dirt.startswith("duplicate")


@dataclass(slots=True)
class KkListing:
    """One family card as the registry lists it."""

    kk_number: str
    issued: dt.date
    listings: list[Listing]
    dirt: str = ""


@dataclass(slots=True)
class P3keListing:
    family_id: str
    desil: int
    address: str
    listings: list[Listing]


@dataclass(slots=True)
class Welfare:
    desil: int
    desil_province: int
    desil_regency: int
    expenditure_per_capita: int
    income_per_capita: int
    house_ownership: str
    floor_area_m2: int
    floor_type: str
    wall_type: str
    roof_type: str
    water_source: str
    lighting: str
    power: int  # Regsosek 307b code, 0 when there is no metered PLN connection
    cooking_fuel: str
    toilet_facility: str
    assets: frozenset[str]
    goats: int
    programmes: frozenset[str]
    stunting_risk: bool


@dataclass(slots=True)
class SynthHousehold:
    key: int
    kelurahan: Kelurahan
    kk_number: str  # the family card it holds now
    kk_issued: dt.date
    address: str
    rt: str
    rw: str
    is_extreme_poor: bool
    culture: str
    members: list[SynthPerson]
    welfare: Welfare
    registry: list[KkListing] = field(default_factory=list)
    p3ke: P3keListing | None = None

    @property
    def current_members(self) -> list[SynthPerson]:
        return [person for person in self.members if person.is_current]
