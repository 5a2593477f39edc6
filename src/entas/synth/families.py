"""Who lives together: the make-up of a synthetic family of a given size.

A family is a head with a spouse and children most of the time; some heads are widows or
divorced parents; old people often live alone; a family may take in an old parent, or
three generations share a house (a married child with spouse and grandchildren). Extreme
poor families are more often widows, old people alone and three generations. Now and then
a member listed on the family card has since died or moved away.

Ages are kept below 95 so that the two-digit year of a NIK is never ambiguous.
"""

import datetime as dt
from collections.abc import Callable
from random import Random

from entas.synth.population import SynthPerson
from entas.synth.weighted import between, pick

OLDEST_AGE = 94
ALONE_ELDERLY_SHARE = (0.45, 0.65)  # (other families, extreme poor)
SINGLE_PARENT_SHARE = (0.14, 0.28)
OLD_PARENT_SHARE = (0.10, 0.16)
THREE_GENERATIONS_SHARE = (0.30, 0.45)
DEPARTED_SHARE = (0.05, 0.07)
DAYS_PER_YEAR = 365.2425

Member = tuple[SynthPerson, SynthPerson | None]  # a person and their mother, if in the family


class FamilyBuilder:
    def __init__(self, rng: Random, as_of: dt.date, next_key: Callable[[], int]) -> None:
        self._rng = rng
        self._as_of = as_of.toordinal()
        self._next_key = next_key
        self.members: list[Member] = []
        self._ages: list[int] = []

    def build(self, *, size: int, extreme: bool) -> list[Member]:
        if size == 1:
            self._alone(extreme)
        else:
            self._family(size, extreme)
        if self._rng.random() < DEPARTED_SHARE[extreme]:
            self._departed()
        return self.members

    def _add(
        self,
        relationship: str,
        sex: str,
        age: int,
        marital_status: str,
        mother: SynthPerson | None = None,
    ) -> SynthPerson:
        age = max(0, min(age, OLDEST_AGE))
        days = int(age * DAYS_PER_YEAR) + int(self._rng.random() * 365) + 1
        person = SynthPerson(
            key=self._next_key(),
            sex=sex,
            birth_date=dt.date.fromordinal(self._as_of - days),
            relationship=relationship,
            marital_status=marital_status,
        )
        self.members.append((person, mother))
        self._ages.append(age)
        return person

    def _alone(self, extreme: bool) -> None:
        rng = self._rng
        if rng.random() < ALONE_ELDERLY_SHARE[extreme]:
            sex = "P" if rng.random() < 0.72 else "L"
            marital = (
                "cerai_mati" if rng.random() < 0.85 else pick(rng, ("belum_kawin", "cerai_hidup"))
            )
            self._add("kepala", sex, between(rng, 60, 92), marital)
            return
        sex = "L" if rng.random() < 0.6 else "P"
        marital = rng.choices(("belum_kawin", "cerai_hidup", "cerai_mati"), (55, 30, 15))[0]
        self._add("kepala", sex, between(rng, 19, 59), marital)

    def _family(self, size: int, extreme: bool) -> None:
        rng = self._rng
        if rng.random() < SINGLE_PARENT_SHARE[extreme]:
            head_sex = "P" if rng.random() < 0.8 else "L"
            head_age = between(rng, 28, 78)
            marital = "cerai_mati" if head_age > 45 and rng.random() < 0.6 else "cerai_hidup"
            head = self._add("kepala", head_sex, head_age, marital)
            mother, mother_age = (head, head_age) if head_sex == "P" else (None, head_age - 3)
        else:
            children = size - 2
            youngest = 21 + min(3 * max(children - 1, 0), 20)
            head_age = int(rng.triangular(youngest, 76, youngest + 12))
            head_sex = "L" if rng.random() < 0.96 else "P"
            head = self._add("kepala", head_sex, head_age, "kawin")
            spouse_age = max(18, head_age - between(rng, -2, 7) * (1 if head_sex == "L" else -1))
            spouse = self._add("pasangan", "P" if head_sex == "L" else "L", spouse_age, "kawin")
            mother, mother_age = (spouse, spouse_age) if head_sex == "L" else (head, head_age)
        remaining = size - len(self.members)
        if remaining >= 1 and head_age <= 62 and rng.random() < OLD_PARENT_SHARE[extreme]:
            sex = "P" if rng.random() < 0.7 else "L"
            self._add("orang_tua", sex, head_age + between(rng, 20, 30), "cerai_mati")
            remaining -= 1
        if remaining >= 3 and head_age >= 42 and rng.random() < THREE_GENERATIONS_SHARE[extreme]:
            remaining -= self._married_child(remaining, head_age, mother)
        for _child in range(remaining):
            age = between(rng, max(0, mother_age - 44), max(0, mother_age - 17))
            self._add("anak", pick(rng, "LP"), age, "belum_kawin", mother)

    def _married_child(self, room: int, head_age: int, mother: SynthPerson | None) -> int:
        """A married child, the child's spouse and 1-4 grandchildren; returns how many."""
        rng = self._rng
        child_age = between(rng, 19, min(head_age - 18, 40))
        child_sex = pick(rng, "LP")
        child = self._add("anak", child_sex, child_age, "kawin", mother)
        in_law_age = max(18, child_age + between(rng, -3, 5) * (1 if child_sex == "L" else -1))
        in_law = self._add("menantu", "P" if child_sex == "L" else "L", in_law_age, "kawin")
        young_mother, young_mother_age = (
            (child, child_age) if child_sex == "P" else (in_law, in_law_age)
        )
        grandchildren = between(rng, 1, min(room - 2, 4))
        for _grandchild in range(grandchildren):
            age = between(rng, 0, max(0, young_mother_age - 18))
            self._add("cucu", pick(rng, "LP"), age, "belum_kawin", young_mother)
        return 2 + grandchildren

    def _departed(self) -> None:
        """A member still on the family card who has since died or moved away."""
        rng = self._rng
        head_age = self._ages[0]
        if head_age <= 68 and rng.random() < 0.5:
            sex = "P" if rng.random() < 0.6 else "L"
            person = self._add("orang_tua", sex, head_age + between(rng, 22, 30), "cerai_mati")
            person.fate = "meninggal"
        elif head_age >= 38:
            mother = next(
                (
                    person
                    for person, _ in self.members
                    if person.sex == "P" and person.relationship in ("kepala", "pasangan")
                ),
                None,
            )
            age = between(rng, 18, head_age - 20)
            person = self._add("anak", pick(rng, "LP"), age, "belum_kawin", mother)
            person.fate = "pindah"
        else:
            person = self._add("lainnya", pick(rng, "LP"), between(rng, 18, 30), "belum_kawin")
            person.fate = "pindah"
