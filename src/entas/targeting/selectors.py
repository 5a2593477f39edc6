"""Reads of targeting: the lines in force, a household's statuses, period comparisons."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from entas.targeting import choices as c
from entas.targeting.exceptions import TargetingError
from entas.targeting.models import Classification, Period, PovertyLine, RuleSet, ScoreModel
from entas.targeting.parameters import LineChoice
from entas.wilayah.models import Region


def _regions_up(code: str) -> list[str]:
    """The region, its ancestors and Indonesia (``00``): ``33.74`` → 33.74, 33, 00."""
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)] + ["00"]


def line_in_force(
    *, choice: LineChoice, on: dt.date, region_code: str | None = None
) -> PovertyLine:
    """The current version of the newest line of `choice` in force on `on` for the region.

    Newest first; between lines of the same date, the most specific region wins (a city's
    own line over its province's, a province's over Indonesia's).
    """
    regions = _regions_up(region_code or settings.ENTAS_REGION_CODE)
    lines = PovertyLine.objects.filter(
        kind=choice.kind, is_current=True, effective_from__lte=on, region_code__in=regions
    )
    if choice.basis:
        lines = lines.filter(basis=choice.basis)
    if choice.region:
        lines = lines.filter(region_code=choice.region)
    depth = {code: depth for depth, code in enumerate(reversed(regions))}  # "00" is 0
    found = sorted(lines, key=lambda line: (line.effective_from, depth[line.region_code]))
    if not found:
        raise TargetingError(
            _(
                "Tidak ada %(kind)s%(basis)s yang berlaku pada %(on)s. Tambahkan garisnya di "
                "halaman Garis kemiskinan, atau pakai aturan dengan dasar garis yang lain."
            )
            % {
                "kind": c.LineKind(choice.kind).label.lower(),
                "basis": f" ({choice.basis})" if choice.basis else "",
                "on": on.isoformat(),
            },
            code="no_line",
        )
    return found[-1]


def rules_active() -> RuleSet:
    found = RuleSet.objects.filter(is_active=True).first()
    if found is None:
        raise TargetingError(_("Belum ada aturan klasifikasi yang dipakai."), code="no_rules")
    return found


def score_model_active() -> ScoreModel:
    found = ScoreModel.objects.filter(is_active=True).first()
    if found is None:
        raise TargetingError(_("Belum ada bobot skor proksi yang dipakai."), code="no_weights")
    return found


def period_get(code: str) -> Period:
    found = Period.objects.filter(code=code).first()
    if found is None:
        raise TargetingError(
            _("Periode “%(code)s” tidak ada.") % {"code": code}, code="no_period", field="period"
        )
    return found


def period_counts(period: Period) -> dict[str, int]:
    """Households per status in a period's snapshot, every status present (0 if none)."""
    counts = dict(period.classifications.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in c.Status.values}


def household_classifications(household_id: int) -> QuerySet[Classification]:
    """A household's status in every period, newest period first."""
    return (
        Classification.objects.filter(household_id=household_id)
        .select_related("period", "extreme_line", "poverty_line", "finding", "period__rules")
        .order_by("-period__ends_on")
    )


# --- comparing two periods -------------------------------------------------------------

MOVES = ("entered", "came_back", "left", "stayed")


@dataclass
class AreaMoves:
    """Counts of families moving in or out of the compared statuses in one area."""

    code: str
    name: str = ""
    entered: int = 0  # in the list in B, not in A, never before A
    came_back: int = 0  # in the list in B, not in A, but in it in a period before A
    left: int = 0  # in the list in A, not in B
    stayed: int = 0  # in the list in both
    left_reasons: dict[str, int] = field(default_factory=dict)  # B's status (or "absent")

    def add(self, moves: "AreaMoves") -> None:
        """Count `moves` (a smaller area) into this one."""
        for name in MOVES:
            setattr(self, name, getattr(self, name) + getattr(moves, name))
        for reason, count in moves.left_reasons.items():
            self.left_reasons[reason] = self.left_reasons.get(reason, 0) + count

    @property
    def in_a(self) -> int:
        return self.left + self.stayed

    @property
    def in_b(self) -> int:
        return self.entered + self.came_back + self.stayed


@dataclass
class Comparison:
    first: Period
    second: Period
    statuses: tuple[str, ...]
    kecamatan: list[AreaMoves]
    kelurahan: list[AreaMoves]
    total: AreaMoves


ABSENT = "absent"


def _snapshot(period: Period) -> dict[int, tuple[str, str]]:
    rows = Classification.objects.filter(period=period).values_list(
        "household_id", "status", "kelurahan_id"
    )
    return {household: (status, kelurahan) for household, status, kelurahan in rows.iterator()}


def _ever_listed_before(period: Period, statuses: Iterable[str]) -> set[int]:
    return set(
        Classification.objects.filter(
            period__ends_on__lt=period.starts_on, status__in=list(statuses)
        ).values_list("household_id", flat=True)
    )


def period_compare(
    *, first: Period, second: Period, statuses: tuple[str, ...] | None = None
) -> Comparison:
    """Who entered, left, stayed and came back between two periods, per kecamatan/kelurahan.

    `statuses` is the list compared (default: the second period's rule set `compare`,
    usually just ``ekstrem``). A family counts in the area of its newer snapshot row.
    """
    if first.ends_on > second.ends_on:
        first, second = second, first
    if statuses is None:
        compare = (second.rules or rules_active()).parameters.get("compare") or ["ekstrem"]
        statuses = tuple(compare)
    wanted = set(statuses)
    a, b = _snapshot(first), _snapshot(second)
    before = _ever_listed_before(first, wanted)
    kelurahan: dict[str, AreaMoves] = {}
    for household in a.keys() | b.keys():
        status_a, area_a = a.get(household, (ABSENT, ""))
        status_b, area_b = b.get(household, (ABSENT, ""))
        listed_a, listed_b = status_a in wanted, status_b in wanted
        if not (listed_a or listed_b):
            continue
        area = kelurahan.setdefault(area_b or area_a, AreaMoves(code=area_b or area_a))
        if listed_a and listed_b:
            area.stayed += 1
        elif listed_a:
            area.left += 1
            area.left_reasons[status_b] = area.left_reasons.get(status_b, 0) + 1
        elif household in before:
            area.came_back += 1
        else:
            area.entered += 1
    names = dict(
        Region.objects.filter(code__in=_with_parents(kelurahan)).values_list("code", "name")
    )
    kecamatan: dict[str, AreaMoves] = {}
    total = AreaMoves(code="", name=_("Seluruh wilayah"))
    for moves in kelurahan.values():
        moves.name = names.get(moves.code, moves.code)
        parent = kecamatan.setdefault(
            moves.code[:8], AreaMoves(code=moves.code[:8], name=names.get(moves.code[:8], ""))
        )
        for target in (parent, total):
            target.add(moves)
    return Comparison(
        first=first,
        second=second,
        statuses=tuple(statuses),
        kecamatan=sorted(kecamatan.values(), key=lambda m: m.code),
        kelurahan=sorted(kelurahan.values(), key=lambda m: m.code),
        total=total,
    )


def _with_parents(codes: Iterable[str]) -> set[str]:
    return {code for kelurahan in codes for code in (kelurahan, kelurahan[:8])}
