"""The synthetic city, generated household by household in constant memory.

`CityGenerator` is an iterator of `SynthHousehold`s; the writers (files, database) consume
it and forget each household once written. What it keeps is small and does not grow with
the population: the plan (household counts per kelurahan, the sizes of the extreme-poor
families), the NIK/KK serial counters (a fixed array), and what `listings.SourceLister`
keeps (a few dozen duplicate records waiting for a later household).

Everything is drawn from one `random.Random` seeded with the seed, in a fixed order, so a
seed always gives the same city, whichever writer consumes it.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from random import Random

from entas.synth.families import FamilyBuilder
from entas.synth.listings import SourceLister
from entas.synth.names import NameMaker
from entas.synth.numbers import NumberIssuer
from entas.synth.population import SynthHousehold, SynthPerson, age_on
from entas.synth.profile import CityFrame, Kecamatan, Kelurahan
from entas.synth.traits import traits_fill
from entas.synth.weighted import Weighted, between, pick
from entas.synth.welfare import EXTREME_DESIL, tier_of, welfare_draw

# The extreme-poor group may be at most this share of the households; below, it shrinks.
MAX_EXTREME_SHARE = 0.2
EXTREME_SIZE = Weighted(
    (
        (1, 6),
        (2, 7),
        (3, 10),
        (4, 14),
        (5, 16),
        (6, 15),
        (7, 12),
        (8, 9),
        (9, 6),
        (10, 3),
        (11, 1),
        (12, 1),
    )
)
OTHER_SIZE = Weighted(((1, 9), (2, 17), (3, 22), (4, 24), (5, 15), (6, 7), (7, 3), (8, 2), (9, 1)))
LARGEST_FAMILY = 12
STREETS_PER_KELURAHAN = 6
OTHER_KECAMATAN_SHARE = 0.15  # NIK first issued in another kecamatan of the same city
KK_YEARS_BACK = 15


MAX_NAME_DRAWS = 8


@dataclass(frozen=True)
class Plan:
    households: int
    extreme_households: int
    extreme_persons: int
    published_extreme: tuple[int, int]
    kelurahan: tuple[tuple[Kelurahan, int, int], ...]  # kelurahan, households, extreme ones

    @property
    def is_scaled(self) -> bool:
        return (self.extreme_households, self.extreme_persons) != self.published_extreme


@dataclass
class Tally:
    """What was generated: true households and persons, and the records of the sources."""

    households: int = 0
    persons: int = 0
    deceased: int = 0
    moved: int = 0
    extreme_households: int = 0
    extreme_persons: int = 0
    registry_households: int = 0
    registry_persons: int = 0
    duplicate_persons: int = 0
    duplicate_households: int = 0
    p3ke_families: int = 0
    p3ke_persons: int = 0
    dirt: dict[str, int] = field(default_factory=dict)
    p3ke_dirt: dict[str, int] = field(default_factory=dict)
    extreme_by_kecamatan: dict[str, list[int]] = field(default_factory=dict)

    def add(self, household: SynthHousehold) -> None:
        current = sum(1 for person in household.members if person.is_current)
        self.households += 1
        self.persons += current
        self.deceased += sum(1 for person in household.members if person.fate == "meninggal")
        self.moved += sum(1 for person in household.members if person.fate == "pindah")
        if household.is_extreme_poor:
            self.extreme_households += 1
            self.extreme_persons += current
            code = household.kelurahan.kecamatan_code
            counts = self.extreme_by_kecamatan.setdefault(code, [0, 0])
            counts[0] += 1
            counts[1] += current
        for card in household.registry:
            self.registry_households += 1
            self.duplicate_households += card.dirt == "duplicate"
            for listing in card.listings:
                self.registry_persons += 1
                self.duplicate_persons += listing.is_duplicate
                _count_kinds(self.dirt, listing.dirt)
        if household.p3ke is not None:
            self.p3ke_families += 1
            self.p3ke_persons += len(household.p3ke.listings)
            for listing in household.p3ke.listings:
                _count_kinds(self.p3ke_dirt, listing.dirt)


def _count_kinds(counts: dict[str, int], kinds: str) -> None:
    for kind in kinds.split(";"):
        if kind:
            counts[kind] = counts.get(kind, 0) + 1


def apportion(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, whole numbers (largest remainder)."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum <= 0:
        return [0] * len(weights)
    shares = [total * weight / weight_sum for weight in weights]
    counts = [int(share) for share in shares]
    order = sorted(range(len(weights)), key=lambda index: (counts[index] - shares[index], index))
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


def city_plan(frame: CityFrame, households: int) -> Plan:
    published = frame.extreme_target(households)
    extreme_households, extreme_persons = published
    if extreme_households > households * MAX_EXTREME_SHARE:
        extreme_households = int(households * MAX_EXTREME_SHARE)
        extreme_persons = round(published[1] * extreme_households / published[0])
    extreme_persons = max(
        extreme_households, min(extreme_persons, extreme_households * LARGEST_FAMILY)
    )
    kecamatan = frame.kecamatan
    others = apportion(
        households - extreme_households, [item.population_weight for item in kecamatan]
    )
    extremes = apportion(extreme_households, [item.extreme_weight for item in kecamatan])
    rows: list[tuple[Kelurahan, int, int]] = []
    for item, other_count, extreme_count in zip(kecamatan, others, extremes, strict=True):
        other_split = apportion(other_count, [1.0] * len(item.kelurahan))
        extreme_split = apportion(
            extreme_count, [kelurahan.extreme_weight for kelurahan in item.kelurahan]
        )
        for kelurahan, other, extreme in zip(
            item.kelurahan, other_split, extreme_split, strict=True
        ):
            rows.append((kelurahan, other + extreme, extreme))
    return Plan(
        households=households,
        extreme_households=extreme_households,
        extreme_persons=extreme_persons,
        published_extreme=published,
        kelurahan=tuple(rows),
    )


def extreme_sizes(rng: Random, households: int, persons: int) -> list[int]:
    """Family sizes of the extreme poor, summing exactly to `persons`."""
    sizes = [EXTREME_SIZE(rng) for _household in range(households)]
    difference = persons - sum(sizes)
    while difference:
        index = rng.randrange(households)
        step = 1 if difference > 0 else -1
        if 1 <= sizes[index] + step <= LARGEST_FAMILY:
            sizes[index] += step
            difference -= step
    return sizes


class CityGenerator:
    def __init__(self, frame: CityFrame, *, households: int, seed: int) -> None:
        if households < 1:
            raise ValueError("households must be at least 1.")
        self.frame = frame
        self.seed = seed
        self.plan = city_plan(frame, households)
        self.tally = Tally()
        self._names = NameMaker(frame.name_mix)
        regions = [item.region6 for item in frame.kecamatan]
        regions += [origin.region6 for origin in frame.origins if origin.region6 not in regions]
        self._issuer = NumberIssuer(regions)
        self._kecamatan = {item.code: item for item in frame.kecamatan}
        self._desil = Weighted(
            (desil, weight) for desil, weight in enumerate(frame.desil_weights, start=1)
        )
        self._sources = SourceLister(self._issuer, self._names, as_of=frame.as_of)
        self.p3ke_as_of = self._sources.p3ke_as_of
        self._person_key = 0
        self._as_of_ordinal = frame.as_of.toordinal()

    def __iter__(self) -> Iterator[SynthHousehold]:
        rng = Random(f"entas-synth:{self.seed}")
        sizes = iter(extreme_sizes(rng, self.plan.extreme_households, self.plan.extreme_persons))
        last = self.plan.households - 1
        index = 0
        for kelurahan, total, extreme_count in self.plan.kelurahan:
            streets = self._streets(rng)
            for remaining in range(total, 0, -1):
                is_extreme = rng.random() * remaining < extreme_count
                extreme_count -= is_extreme
                size = next(sizes) if is_extreme else OTHER_SIZE(rng)
                household = self._household(rng, index + 1, kelurahan, streets, is_extreme, size)
                self._sources.list(rng, household, index=index, last=last)
                self.tally.add(household)
                yield household
                index += 1

    # --- one household -------------------------------------------------------------

    def _household(
        self,
        rng: Random,
        key: int,
        kelurahan: Kelurahan,
        streets: list[str],
        is_extreme: bool,
        size: int,
    ) -> SynthHousehold:
        desil = EXTREME_DESIL(rng) if is_extreme else self._desil(rng)
        tier = tier_of(desil, is_extreme)
        culture = self._names.culture(rng)
        family = self._names.family_name(rng, culture)
        builder = FamilyBuilder(rng, self.frame.as_of, self._next_person_key)
        members = builder.build(size=size, extreme=is_extreme)
        kecamatan = self._kecamatan[kelurahan.kecamatan_code]
        taken: set[str] = set()
        for person, mother in members:
            self._person(rng, person, mother, culture, family, kecamatan, tier, taken)
        people = [person for person, _mother in members]
        issued = self._kk_issue_date(rng, people)
        self._fate_dates(rng, people, issued)
        welfare = welfare_draw(
            rng,
            desil=desil,
            extreme=is_extreme,
            members=people,
            extreme_line=self.frame.extreme_line,
            as_of_year=self.frame.as_of.year,
        )
        return SynthHousehold(
            key=key,
            kelurahan=kelurahan,
            kk_number=self._issuer.kk(region6=kecamatan.region6, issue_date=issued),
            kk_issued=issued,
            address=self._address(rng, streets),
            rt=f"{between(rng, 1, 12):03d}",
            rw=f"{between(rng, 1, 10):03d}",
            is_extreme_poor=is_extreme,
            culture=culture,
            members=people,
            welfare=welfare,
        )

    def _person(
        self,
        rng: Random,
        person: SynthPerson,
        mother: SynthPerson | None,
        culture: str,
        family: str,
        kecamatan: Kecamatan,
        tier: int,
        taken: set[str],
    ) -> None:
        year = person.birth_date.year
        names = self._names
        # Parents do not give two of their children one name: draw again (a few times).
        for _attempt in range(MAX_NAME_DRAWS):
            person.name = names.person(
                rng, culture=culture, sex=person.sex, birth_year=year, family=family
            )
            if person.name not in taken:
                break
        taken.add(person.name)
        if mother is not None:
            person.mother_name = mother.name
        else:
            mother_year = year - between(rng, 18, 38)
            person.mother_name = names.person(
                rng, culture=culture, sex="P", birth_year=mother_year, family=""
            )
        age = age_on(person.birth_date, self.frame.as_of)
        region6, person.birth_place = self._nik_region(rng, kecamatan, age)
        person.nik = self._issuer.nik(region6=region6, birth_date=person.birth_date, sex=person.sex)
        traits_fill(rng, person, age=age, tier=tier, generation=names.generation(year))

    def _nik_region(self, rng: Random, kecamatan: Kecamatan, age: int) -> tuple[str, str]:
        roll = rng.random()
        origins = self.frame.origins
        if origins and age >= 17 and roll < self.frame.migrant_share:
            origin = pick(rng, origins)
            return origin.region6, origin.place
        if roll < self.frame.migrant_share + OTHER_KECAMATAN_SHARE:
            return pick(rng, self.frame.kecamatan).region6, self.frame.place_name
        return kecamatan.region6, self.frame.place_name

    def _kk_issue_date(self, rng: Random, people: list[SynthPerson]) -> dt.date:
        """Issued after the youngest current member's birth, at the latest 60 days ago."""
        latest = self._as_of_ordinal - 60
        youngest = max(person.birth_date.toordinal() for person in people if person.is_current)
        earliest = max(youngest, self._as_of_ordinal - int(KK_YEARS_BACK * 365.25))
        return dt.date.fromordinal(between(rng, earliest, max(earliest, latest)))

    def _fate_dates(self, rng: Random, people: list[SynthPerson], issued: dt.date) -> None:
        first, last = issued.toordinal() + 1, self._as_of_ordinal - 1
        for person in people:
            if person.fate:
                person.fate_date = dt.date.fromordinal(
                    between(rng, first, last) if first <= last else issued.toordinal()
                )

    def _streets(self, rng: Random) -> list[str]:
        names = self._names
        return [
            pick(rng, names.streets) + pick(rng, names.street_suffixes)
            for _street in range(STREETS_PER_KELURAHAN)
        ]

    @staticmethod
    def _address(rng: Random, streets: list[str]) -> str:
        street, number, roll = pick(rng, streets), between(rng, 1, 150), rng.random()
        if roll < 0.65:
            return f"Jl. {street} No. {number}"
        if roll < 0.9:
            return f"Gg. {street} No. {number}"
        return f"Kp. {street} {number}"

    def _next_person_key(self) -> int:
        self._person_key += 1
        return self._person_key
