"""The city a synthetic population lives in: its region tree and the facts of that region.

Nothing here is specific to one kabupaten/kota. Facts about a region live in
`profiles/<code>.json` (population per kecamatan, the published extreme-poverty count and
where it concentrates, where migrants come from, poverty lines). A region without a profile
gets a generic one: every kelurahan of the region tree weighs the same, for the population
and for the extreme poor, and the extreme-poor group is 1 % of households.
"""

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from entas.synth.exceptions import SynthError
from entas.wilayah.models import Region

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
GENERIC_EXTREME_SHARE = 0.01
GENERIC_EXTREME_MEAN_SIZE = 4.5
GENERIC_LINES = {"extreme_poverty": 391_000, "poverty": 609_160}  # national, 2025 (BPS)
GENERIC_DESIL_WEIGHTS = (10, 10, 10, 10, 10, 10, 10, 10, 10, 10)
GENERIC_NAME_MIX = {"jawa": 0.6, "islami": 0.3, "kristen": 0.07, "tionghoa": 0.03}
GENERIC_MIGRANT_SHARE = 0.1
GENERIC_ORIGINS = 8


@dataclass(frozen=True, slots=True)
class Kelurahan:
    code: str
    name: str
    kecamatan_code: str
    kecamatan_name: str
    extreme_weight: float

    @property
    def plain_code(self) -> str:
        return self.code.replace(".", "")


@dataclass(frozen=True, slots=True)
class Kecamatan:
    code: str
    name: str
    population_weight: float
    extreme_weight: float
    kelurahan: tuple[Kelurahan, ...]

    @property
    def region6(self) -> str:
        return self.code.replace(".", "")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where migrants' NIKs were first issued: a kecamatan outside the city."""

    region6: str
    place: str


@dataclass(frozen=True)
class CityFrame:
    code: str
    name: str
    place_name: str
    province_code: str
    province_name: str
    as_of: dt.date
    kecamatan: tuple[Kecamatan, ...]
    origins: tuple[Origin, ...]
    migrant_share: float
    extreme_households: int | None
    extreme_persons: int | None
    extreme_line: int
    poverty_line: int
    desil_weights: tuple[float, ...]
    name_mix: tuple[tuple[str, float], ...]
    has_profile: bool

    def extreme_target(self, households: int) -> tuple[int, int]:
        """The published extreme-poor group (households, persons), or the generic share."""
        if self.extreme_households is not None and self.extreme_persons is not None:
            return self.extreme_households, self.extreme_persons
        count = max(1, round(households * GENERIC_EXTREME_SHARE))
        return count, round(count * GENERIC_EXTREME_MEAN_SIZE)


RegionRow = tuple[str, str, int]  # code, name, level


def city_frame(region_code: str) -> CityFrame:
    """The frame of a kab/kota from the region tree in the database and its profile."""
    province_code = region_code.split(".")[0]
    rows = Region.objects.filter(code__startswith=f"{province_code}.").values_list(
        "code", "name", "level"
    )
    top = Region.objects.filter(code=province_code).values_list("code", "name", "level")
    return city_frame_from_regions(region_code, [*top, *rows])


def city_frame_from_regions(region_code: str, rows: Iterable[RegionRow]) -> CityFrame:
    """The frame of a kab/kota from region rows of its province (code, name, level)."""
    by_code = {code: (name, level) for code, name, level in rows}
    if region_code not in by_code or by_code[region_code][1] != 2:
        raise SynthError(
            _(
                "Kabupaten/kota %(code)s tidak ada di daftar wilayah. "
                "Jalankan dulu: entas load_regions."
            )
            % {"code": region_code},
            code="region_unknown",
        )
    profile = _profile(region_code)
    kecamatan = _kecamatan(region_code, by_code, profile)
    if not kecamatan:
        raise SynthError(
            _("Kabupaten/kota %(code)s belum memiliki kecamatan dan kelurahan di daftar wilayah.")
            % {"code": region_code},
            code="region_empty",
        )
    province_code = region_code.split(".")[0]
    name = by_code[region_code][0]
    lines = profile.get("lines", GENERIC_LINES)
    extreme = profile.get("extreme_poor", {})
    return CityFrame(
        code=region_code,
        name=name,
        place_name=profile.get("place_name") or _place_name(name),
        province_code=province_code,
        province_name=by_code.get(province_code, ("", 1))[0],
        as_of=dt.date.fromisoformat(profile.get("as_of", "2025-01-15")),
        kecamatan=kecamatan,
        origins=_origins(region_code, by_code, profile),
        migrant_share=float(profile.get("migrant_share", GENERIC_MIGRANT_SHARE)),
        extreme_households=extreme.get("households"),
        extreme_persons=extreme.get("persons"),
        extreme_line=int(lines["extreme_poverty"]),
        poverty_line=int(lines["poverty"]),
        desil_weights=tuple(profile.get("desil_weights", GENERIC_DESIL_WEIGHTS)),
        name_mix=tuple(profile.get("name_mix", GENERIC_NAME_MIX).items()),
        has_profile=bool(profile),
    )


def _profile(region_code: str) -> dict[str, Any]:
    path = PROFILES_DIR / f"{region_code}.json"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as file:
        profile: dict[str, Any] = json.load(file)
    return profile


def _kecamatan(
    region_code: str, by_code: dict[str, tuple[str, int]], profile: dict[str, Any]
) -> tuple[Kecamatan, ...]:
    facts = profile.get("kecamatan", {})
    pockets = profile.get("extreme_kelurahan_weights", {})
    result = []
    for code, (name, level) in sorted(by_code.items()):
        if level != 3 or not code.startswith(f"{region_code}."):
            continue
        kelurahan = tuple(
            Kelurahan(
                code=child,
                name=child_name,
                kecamatan_code=code,
                kecamatan_name=name,
                extreme_weight=float(pockets.get(child, 1)),
            )
            for child, (child_name, child_level) in sorted(by_code.items())
            if child_level == 4 and child.startswith(f"{code}.")
        )
        if not kelurahan:
            continue
        fact = facts.get(code, {})
        result.append(
            Kecamatan(
                code=code,
                name=name,
                population_weight=float(fact.get("population", len(kelurahan))),
                extreme_weight=float(fact.get("extreme_weight", len(kelurahan))),
                kelurahan=kelurahan,
            )
        )
    return tuple(result)


def _origins(
    region_code: str, by_code: dict[str, tuple[str, int]], profile: dict[str, Any]
) -> tuple[Origin, ...]:
    if "migrant_origins" in profile:
        return tuple(
            Origin(region6=item["code"].replace(".", ""), place=item["place"])
            for item in profile["migrant_origins"]
        )
    # Generic: the first kecamatan of the other kab/kota of the same province.
    origins: list[Origin] = []
    for code, (name, level) in sorted(by_code.items()):
        if level != 2 or code == region_code or len(origins) >= GENERIC_ORIGINS:
            continue
        first = next((child for child in sorted(by_code) if child.startswith(f"{code}.")), None)
        if first and by_code[first][1] == 3:
            origins.append(Origin(region6=first.replace(".", ""), place=_place_name(name)))
    return tuple(origins)


def _place_name(name: str) -> str:
    for prefix in ("Kota Administrasi ", "Kabupaten Administrasi ", "Kabupaten ", "Kota "):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name
