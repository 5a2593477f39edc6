"""How the sources list a household: the registry (DTSEN) and P3KE, dirt included.

The registry lists the family card with every member it had when issued (also those who
have since died or moved away), sometimes with a damaged NIK; 0.4 % of families are listed a
second time under the card they had before, and 1.5 % of persons a second time in a family
further down the list, each such duplicate with a misspelled name and a damaged or missing
NIK. P3KE, built from 2021 data, lists the poorer families (its own desil 1-4) as they were
then, in its own spellings.
"""

import datetime as dt
import heapq
from random import Random

from entas.synth.dirt import NameContext, NikDamage, name_variant, nik_damage
from entas.synth.names import NameMaker
from entas.synth.numbers import NumberIssuer
from entas.synth.population import (
    KkListing,
    Listing,
    P3keListing,
    SynthHousehold,
    SynthPerson,
    age_on,
)
from entas.synth.weighted import Weighted, between, pick
from entas.wilayah.identity import parse_nik

# Registry dirt (per person or household).
DUPLICATE_PERSON = 0.015
DUPLICATE_HOUSEHOLD = 0.004
DUPLICATE_DELAY = 40  # a duplicate record turns up within this many households
REGISTRY_NIK_DAMAGE = Weighted(
    (("", 979), ("nik_missing", 12), ("nik_digit", 4), ("nik_transposed", 3), ("nik_excel", 2))
)
DUPLICATE_NIK_DAMAGE = Weighted(
    (("nik_missing", 45), ("nik_digit", 30), ("nik_transposed", 15), ("nik_excel", 10))
)
DUPLICATE_NAME_CHANGED = 0.85
# P3KE dirt: its own spellings and spreadsheet damage, independent of the registry's.
P3KE_NAME_VARIANT = 0.28
P3KE_NIK_DAMAGE = Weighted(
    (("", 935), ("nik_missing", 20), ("nik_excel", 30), ("nik_digit", 10), ("nik_transposed", 5))
)
P3KE_NOT_MATCHED = 0.04  # "padan Dukcapil: Tidak" although the NIK is right
P3KE_EXCLUSION = 0.05  # poor families P3KE missed


class SourceLister:
    """Lists households as they are generated; keeps only the few duplicates still to place,
    the damaged NIKs already held (see `_hold`) and a P3KE serial per kelurahan."""

    def __init__(self, issuer: NumberIssuer, names: NameMaker, *, as_of: dt.date) -> None:
        self._issuer = issuer
        self._names = names
        self._as_of = as_of
        self.p3ke_as_of = dt.date(as_of.year - 3, 6, 30)
        self._pending: list[tuple[int, int, Listing]] = []
        self._held: set[str] = set()
        self._p3ke_serials: dict[str, int] = {}

    def list(self, rng: Random, household: SynthHousehold, *, index: int, last: int) -> None:
        """Fill `household.registry` and `household.p3ke`; `index` counts households from 0."""
        listings = [self._registry_listing(rng, household, person) for person in household.members]
        household.registry.append(KkListing(household.kk_number, household.kk_issued, listings))
        if rng.random() < DUPLICATE_HOUSEHOLD:
            self._duplicate_household(rng, household)
        household.p3ke = self._p3ke(rng, household)
        self._duplicates(rng, household, index, last)
        self._place_pending(household, index)

    def _registry_listing(
        self, rng: Random, household: SynthHousehold, person: SynthPerson
    ) -> Listing:
        kind = REGISTRY_NIK_DAMAGE(rng)
        listing = Listing(
            person,
            person.name,
            person.nik,
            person.nik,
            person.relationship,
            household_key=household.key,
            verified=True,
        )
        if kind:
            damage = self._damage(rng, person.nik, kind)
            listing.nik, listing.registry_nik = damage.written, self._hold(damage.registry)
            listing.verified = False if listing.registry_nik else None
            listing.dirt = damage.kind
        listing.dirt = _joined(listing.dirt, _fate_kind(person))
        return listing

    def _duplicate_listing(
        self,
        rng: Random,
        listing_of: SynthPerson,
        household_key: int,
        culture: str,
        relationship: str,
    ) -> Listing:
        kinds = ["duplicate"]
        name = listing_of.name
        if rng.random() < DUPLICATE_NAME_CHANGED:
            name, name_kinds = name_variant(
                rng,
                name,
                self._name_context(listing_of, culture),
                operations=1 + (rng.random() < 0.3),
            )
            kinds += name_kinds
        damage = self._damage(rng, listing_of.nik, DUPLICATE_NIK_DAMAGE(rng))
        kinds += [damage.kind, _fate_kind(listing_of)]
        registry_nik = self._hold(damage.registry)
        return Listing(
            listing_of,
            name,
            damage.written,
            registry_nik,
            relationship,
            _joined(*kinds),
            household_key,
            verified=False if registry_nik else None,
        )

    def _duplicates(self, rng: Random, household: SynthHousehold, index: int, last: int) -> None:
        """Some members are listed a second time, in a household further down the list."""
        culture = household.culture
        for person in household.members:
            if person.is_current and rng.random() < DUPLICATE_PERSON:
                listing = self._duplicate_listing(rng, person, household.key, culture, "lainnya")
                due = min(index + between(rng, 1, DUPLICATE_DELAY), last)
                heapq.heappush(self._pending, (due, person.key, listing))

    def _place_pending(self, household: SynthHousehold, index: int) -> None:
        while self._pending and self._pending[0][0] <= index:
            _due, _key, listing = heapq.heappop(self._pending)
            household.registry[0].listings.append(listing)

    def _duplicate_household(self, rng: Random, household: SynthHousehold) -> None:
        """The family listed again under the card it had before (an older No. KK)."""
        current = household.registry[0]
        head = household.members[0]
        earliest = max(
            current.issued.toordinal() - 8 * 365,
            head.birth_date.toordinal() + 17 * 365,
        )
        latest = current.issued.toordinal() - 30
        if earliest > latest:
            return
        issued = dt.date.fromordinal(between(rng, earliest, latest))
        listings = [
            self._duplicate_listing(
                rng, person, household.key, household.culture, person.relationship
            )
            for person in household.members
            if person.birth_date < issued
        ]
        region6 = household.kelurahan.plain_code[:6]
        kk_number = self._issuer.kk(region6=region6, issue_date=issued)
        household.registry.append(KkListing(kk_number, issued, listings, dirt="duplicate"))

    def _p3ke(self, rng: Random, household: SynthHousehold) -> P3keListing | None:
        welfare = household.welfare
        if household.is_extreme_poor:
            desil = 1 if rng.random() < 0.8 else 2
        else:
            desil = max(1, welfare.desil + pick(rng, (-1, 0, 0, 1)))
        if desil > 4 or rng.random() < P3KE_EXCLUSION:
            return None
        listings = []
        for person in household.members:
            if person.birth_date > self.p3ke_as_of:
                continue
            if person.fate_date is not None and person.fate_date <= self.p3ke_as_of:
                continue
            listings.append(self._p3ke_listing(rng, household.key, person, household.culture))
        if not listings or listings[0].relationship != "kepala":
            return None
        street = household.address.split(" No. ")[0].upper().replace(".", "")
        address = f"{street} RT {int(household.rt)} RW {int(household.rw)}"
        kelurahan = household.kelurahan
        serial = self._p3ke_serials[kelurahan.code] = self._p3ke_serials.get(kelurahan.code, 0) + 1
        family_id = f"{kelurahan.plain_code}{serial:05d}"
        return P3keListing(family_id=family_id, desil=desil, address=address, listings=listings)

    def _p3ke_listing(
        self, rng: Random, household_key: int, person: SynthPerson, culture: str
    ) -> Listing:
        kinds = []
        name = person.name
        if rng.random() < P3KE_NAME_VARIANT:
            name, name_kinds = name_variant(rng, name, self._name_context(person, culture))
            kinds += name_kinds
        written: str = person.nik
        registry: str | None = person.nik
        verified = rng.random() >= P3KE_NOT_MATCHED
        kind = P3KE_NIK_DAMAGE(rng)
        if kind:
            damage = self._damage(rng, person.nik, kind)
            written, registry, verified = damage.written, damage.registry, False
            kinds.append(damage.kind)
        kinds.append(_fate_kind(person))
        return Listing(
            person,
            name,
            written,
            registry,
            person.relationship,
            _joined(*kinds),
            household_key,
            verified,
        )

    def _damage(self, rng: Random, nik: str, kind: str) -> NikDamage:
        return nik_damage(rng, nik, kind, can_issue=self._issuer.can_issue, is_valid=_is_valid_nik)

    def _hold(self, damaged_nik: str | None) -> str | None:
        """A damaged NIK the registry keeps, unless another damaged record already has it.

        Damaged NIKs never equal an issued one, but two damaged records may come out the
        same. The set grows with the dirt only (about 1.5 % of persons).
        """
        if damaged_nik is None or damaged_nik in self._held:
            return None
        self._held.add(damaged_nik)
        return damaged_nik

    def _name_context(self, person: SynthPerson, culture: str) -> NameContext:
        father = self._names.father_first_name(person.key)
        age = age_on(person.birth_date, self._as_of)
        return NameContext(person=person, age=age, culture=culture, father=father)


def _is_valid_nik(number: str) -> bool:
    return parse_nik(number).valid


def _fate_kind(person: SynthPerson) -> str:
    """The dirt of listing someone who is gone: "deceased", "moved" or nothing."""
    return {"meninggal": "deceased", "pindah": "moved"}.get(person.fate, "")


def _joined(*kinds: str) -> str:
    return ";".join(kind for kind in kinds if kind)
