"""Rule sets and score weights as data: read, checked, and turned into typed values.

Everything here is validated before it reaches SQL. Numbers must be numbers and codes must
be known codes, so the engine can write them into the statement as literals.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from entas.registry import choices as registry_choices
from entas.targeting import choices as c
from entas.targeting.exceptions import TargetingError

CODE = re.compile(r"^[a-z0-9_]{1,40}$")
REGION = re.compile(r"^(|00|\d{2}(\.\d{2}){0,2}(\.\d{4})?)$")
SCORE_COLUMNS = {
    "floor_type": registry_choices.FloorType,
    "wall_type": registry_choices.WallType,
    "roof_type": registry_choices.RoofType,
    "water_source": registry_choices.WaterSource,
    "lighting": registry_choices.Lighting,
    "cooking_fuel": registry_choices.CookingFuel,
    "toilet_facility": registry_choices.ToiletFacility,
    "house_ownership": registry_choices.HouseOwnership,
}
ASSET_CODES = tuple(registry_choices.Asset.values)


@dataclass(frozen=True)
class LineChoice:
    kind: str
    basis: str  # "" accepts any basis
    region: str = ""  # "" lets the newest line of the city, province or Indonesia win


@dataclass(frozen=True)
class Graduation:
    periods: int
    above: str  # a status: graduating means being above it (better off) for `periods`
    confirmed_by_finding: bool


@dataclass(frozen=True)
class Rules:
    extreme_line: LineChoice
    poverty_line: LineChoice
    vulnerable_multiple: float
    desil_ekstrem: int
    desil_miskin: int
    desil_rentan: int
    finding_valid_days: int
    finding_outcomes: dict[str, str]  # outcome -> status; outcomes not listed keep the data
    candidate_share: float
    graduation: Graduation
    compare: tuple[str, ...]


@dataclass(frozen=True)
class Weights:
    intercept: float
    members_from: int
    members_points: float
    area_below: float
    area_points: float
    categorical: dict[str, dict[str, float]]
    assets: dict[str, float]


def _fail(message: str) -> TargetingError:
    return TargetingError(message, code="parameters")


def _number(data: dict[str, Any], key: str, *, low: float, high: float, path: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(_("Parameter “%(path)s” harus berupa angka.") % {"path": f"{path}{key}"})
    if not low <= value <= high:
        raise _fail(
            _("Parameter “%(path)s” harus antara %(low)s dan %(high)s.")
            % {"path": f"{path}{key}", "low": low, "high": high}
        )
    return float(value)


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise _fail(_("Bagian “%(key)s” tidak ada atau bukan objek.") % {"key": key})
    return value


def _line(data: dict[str, Any], key: str) -> LineChoice:
    section = _section(data, key)
    kind, basis = section.get("kind"), section.get("basis", "")
    if kind not in c.LineKind.values:
        raise _fail(
            _("“%(key)s.kind” harus salah satu dari: %(kinds)s.")
            % {"key": key, "kinds": ", ".join(c.LineKind.values)}
        )
    if not isinstance(basis, str) or len(basis) > 80:
        raise _fail(_("“%(key)s.basis” harus teks (paling panjang 80).") % {"key": key})
    region = section.get("region", "")
    if not isinstance(region, str) or not REGION.match(region):
        raise _fail(
            _("“%(key)s.region” harus kode wilayah seperti 00, 33 atau 33.74 (atau kosong).")
            % {"key": key}
        )
    return LineChoice(kind=kind, basis=basis, region=region)


def _status(value: object, path: str) -> str:
    if value not in c.Status.values:
        raise _fail(
            _("“%(path)s” harus salah satu status: %(statuses)s.")
            % {"path": path, "statuses": ", ".join(c.Status.values)}
        )
    return str(value)


def rules_from(data: object) -> Rules:
    """Check a rule set's parameters; raise `TargetingError` naming the first problem."""
    if not isinstance(data, dict):
        raise _fail(_("Aturan harus berupa objek JSON."))
    desil = _section(data, "desil")
    cut = {
        str(k): int(_number(desil, str(k), low=0, high=10, path="desil."))
        for k in c.RANKED_STATUSES[:3]
    }
    if not cut["ekstrem"] <= cut["miskin"] <= cut["rentan"]:
        raise _fail(_("Batas desil harus naik: ekstrem ≤ miskin ≤ rentan."))
    findings = _section(data, "findings")
    outcomes = findings.get("outcomes", {})
    if not isinstance(outcomes, dict) or any(k not in c.FindingOutcome.values for k in outcomes):
        raise _fail(
            _("“findings.outcomes” hanya boleh memuat hasil: %(outcomes)s.")
            % {"outcomes": ", ".join(c.FindingOutcome.values)}
        )
    mapped = {k: _status(v, f"findings.outcomes.{k}") for k, v in outcomes.items() if v}
    graduation = _section(data, "graduation")
    compare = data.get("compare", ["ekstrem"])
    if not isinstance(compare, list) or not compare:
        raise _fail(_("“compare” harus daftar status yang dibandingkan antarperiode."))
    return Rules(
        extreme_line=_line(data, "extreme_line"),
        poverty_line=_line(data, "poverty_line"),
        vulnerable_multiple=_number(data, "vulnerable_multiple", low=1, high=5, path=""),
        desil_ekstrem=cut["ekstrem"],
        desil_miskin=cut["miskin"],
        desil_rentan=cut["rentan"],
        finding_valid_days=int(_number(findings, "valid_days", low=1, high=3660, path="findings.")),
        finding_outcomes=mapped,
        candidate_share=_number(
            _section(data, "candidates"), "share", low=0, high=1, path="candidates."
        ),
        graduation=Graduation(
            periods=int(_number(graduation, "periods", low=1, high=12, path="graduation.")),
            above=_status(graduation.get("above"), "graduation.above"),
            confirmed_by_finding=bool(graduation.get("confirmed_by_finding", True)),
        ),
        compare=tuple(_status(s, "compare") for s in compare),
    )


def _points(data: dict[str, Any], path: str, known: tuple[str, ...]) -> dict[str, float]:
    points = {}
    for code in data:
        if not CODE.match(str(code)) or code not in known:
            raise _fail(
                _("Kode “%(code)s” di “%(path)s” tidak dikenal.") % {"code": code, "path": path}
            )
        points[code] = _number(data, code, low=-1000, high=1000, path=f"{path}.")
    return points


def weights_from(data: object) -> Weights:
    """Check proxy-means weights; raise `TargetingError` naming the first problem."""
    if not isinstance(data, dict):
        raise _fail(_("Bobot harus berupa objek JSON."))
    members = _section(data, "members")
    area = _section(data, "floor_area_per_person")
    categorical = _section(data, "categorical")
    unknown = set(categorical) - set(SCORE_COLUMNS)
    if unknown:
        raise _fail(
            _("Variabel “%(name)s” tidak dikenal; yang dikenal: %(known)s.")
            % {"name": sorted(unknown)[0], "known": ", ".join(SCORE_COLUMNS)}
        )
    return Weights(
        intercept=_number(data, "intercept", low=-1000, high=1000, path=""),
        members_from=int(_number(members, "from", low=1, high=30, path="members.")),
        members_points=_number(members, "points_each", low=-100, high=100, path="members."),
        area_below=_number(area, "below", low=0, high=1000, path="floor_area_per_person."),
        area_points=_number(area, "points", low=-100, high=100, path="floor_area_per_person."),
        categorical={
            column: _points(
                _section(categorical, column), column, tuple(SCORE_COLUMNS[column].values)
            )
            for column in categorical
        },
        assets=_points(_section(data, "assets"), "assets", ASSET_CODES),
    )
