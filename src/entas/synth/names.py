"""Names of synthetic persons: by culture, sex and generation, from `data/names.json`.

Older Javanese are often known by one name (Sukirah, Paimin); younger generations carry two
or three (Aditya Pratama, Nabila Putri Ramadhani). Christian names put a baptismal name
first (Yohanes Sutrisno); Chinese-Indonesian families share a surname, the oldest members
the clan name first (Tan Siok Lan). Some of the oldest names are written in the spelling of
their time (Soekirah, Djoemadi); `old_spelling` and `new_spelling` convert between the two.
"""

import json
import re
from functools import cache
from pathlib import Path
from random import Random
from typing import Any

from entas.synth.weighted import Weighted, pick

NAMES_FILE = Path(__file__).resolve().parent / "data" / "names.json"
CULTURES = ("jawa", "islami", "kristen", "tionghoa")
OLD_SPELLING_BEFORE = 1950
OLD_SPELLING_SHARE = 0.25

# Van Ophuijsen/Soewandi spelling, used until 1972: one pass, so "y" → "j" never becomes "dj".
_TO_OLD = {"kh": "ch", "sy": "sj", "ny": "nj", "c": "tj", "j": "dj", "y": "j", "u": "oe"}
_TO_NEW = {"ch": "kh", "sj": "sy", "nj": "ny", "tj": "c", "dj": "j", "oe": "u"}
_OLD_PATTERN = re.compile("|".join(_TO_OLD), re.IGNORECASE)
_NEW_PATTERN = re.compile("|".join(_TO_NEW), re.IGNORECASE)


def old_spelling(name: str) -> str:
    """`Sukarno Cahyono` → `Soekarno Tjahjono`."""
    return _OLD_PATTERN.sub(lambda match: _same_case(match.group(), _TO_OLD), name)


def new_spelling(name: str) -> str:
    """`Soekarno Tjahjono` → `Sukarno Cahyono`."""
    return _NEW_PATTERN.sub(lambda match: _same_case(match.group(), _TO_NEW), name)


def has_old_spelling(name: str) -> bool:
    return bool(_NEW_PATTERN.search(name))


def _same_case(found: str, table: dict[str, str]) -> str:
    replacement = table[found.lower()]
    if found.isupper() and len(found) > 1:
        return replacement.upper()
    if found[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


@cache
def name_pools() -> dict[str, Any]:
    with NAMES_FILE.open(encoding="utf-8") as file:
        pools: dict[str, Any] = json.load(file)
    return pools


class NameMaker:
    """Draws names; every method takes the random generator so callers control the stream."""

    def __init__(self, name_mix: tuple[tuple[str, float], ...]) -> None:
        pools = name_pools()
        limits = pools["generations"]
        self._limits = (limits["old"], limits["middle"], limits["young"])
        self._pools = pools
        self.culture = Weighted(name_mix)
        self._father_names = tuple(pools["father_names"])
        self.streets = tuple(pools["streets"])
        self.street_suffixes = tuple(pools["street_suffixes"])

    def generation(self, birth_year: int) -> str:
        old, middle, young = self._limits
        if birth_year < old:
            return "old"
        if birth_year < middle:
            return "middle"
        return "young" if birth_year < young else "modern"

    def family_name(self, rng: Random, culture: str) -> str:
        """The surname a Chinese-Indonesian family shares; empty for other cultures."""
        if culture != "tionghoa":
            return ""
        return pick(rng, self._pools["tionghoa"]["families"])

    def person(self, rng: Random, *, culture: str, sex: str, birth_year: int, family: str) -> str:
        generation = self.generation(birth_year)
        if culture == "kristen":
            name = self._christian(rng, sex, generation, birth_year)
        elif culture == "tionghoa":
            name = self._chinese(rng, sex, generation, family)
        else:
            name = self._plain(rng, culture, sex, generation)
        if birth_year < OLD_SPELLING_BEFORE and rng.random() < OLD_SPELLING_SHARE:
            return old_spelling(name)
        return name

    def father_first_name(self, person_key: int) -> str:
        """A father's name for "bin/binti", the same for a person in every source."""
        return self._father_names[person_key % len(self._father_names)]

    def _plain(self, rng: Random, culture: str, sex: str, generation: str) -> str:
        pool = self._pools[culture][sex][generation]
        if rng.random() < pool["single_share"]:
            return pick(rng, pool["single"])
        return f"{pick(rng, pool['first'])} {pick(rng, pool['last'])}"

    def _christian(self, rng: Random, sex: str, generation: str, birth_year: int) -> str:
        pool = self._pools["kristen"][sex]
        if generation == "modern":
            return f"{pick(rng, pool['modern_first'])} {pick(rng, pool['modern_last'])}"
        return f"{pick(rng, pool['baptismal'])} {self._plain(rng, 'jawa', sex, generation)}"

    def _chinese(self, rng: Random, sex: str, generation: str, family: str) -> str:
        pool = self._pools["tionghoa"]
        if generation == "old":
            if rng.random() < 0.5:
                return f"{pick(rng, pool['clans'])} {pick(rng, pool[sex]['old_given'])}"
            generation = "middle"
        return f"{pick(rng, pool[sex]['given'][generation])} {family}"
