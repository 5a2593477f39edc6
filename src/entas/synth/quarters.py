"""A synthetic quarter: every active household's welfare a few months later.

`entas synth` writes a city as of one date. A period comparison needs a second one: who
left extreme poverty, who fell into it, who came back. `synthetic_quarter_write` adds one
welfare record (source "sintetis") per active household, evolved from its newest record:

- Most families move a little: spending is multiplied by a lognormal factor (median
  +1 %, σ 6 %: nominal spending grows with prices and incomes, and repeated surveys of the
  same family never give the same figure). This noise never carries a family across the
  extreme line on its own: it is kept on its side (at least Rp1.000 away). Crossing the
  line is a change in a family's situation, so only the two events below cross it, and
  their rates are exactly what a period comparison shows.
- `EXIT_RATE` (20 %) of the extremely poor families rise above the line, to 1.02–1.35×
  it: help, a job, a child starting work. The brief of the elimination programme is to
  take families out; 15–25 % a quarter is the range that, with the inflow below, gives
  the national decline.
- Poor and vulnerable families (below 1.2× the poverty line) fall below the extreme line,
  to 0.70–0.98× it: a job lost, an illness, a death. Poor families fall three times as
  often as vulnerable ones. The chance is set so that the expected inflow is
  `INFLOW_SHARE` (11 %) of the extreme families: a per-family rate would give a flow out of
  all proportion in the synthetic city, whose extreme group is either the published 1,024
  families in a large city or a scaled-down share of a small test city.
  20 % out and 11 % in is a net fall of about 9 % a quarter, the pace of the USD 2.15 PPP
  2017 series (3.56 M people in March 2024, 2.78 M in September 2024, 2.38 M in March
  2025; targeting/data/poverty_figures.csv).
- Desil is the national ranking, refreshed rarely: it is carried over, except for
  `DESIL_UPDATE_SHARE` (3 %) of the families, re-ranked one step towards their new
  spending. Housing and assets change over years, not months: carried over unchanged.

Income moves in proportion to spending. A family without spending data stays without it.
The draws come from one `random.Random` seeded with the seed and the date, taken in the
order of household ids, so a seed gives the same quarter for the same city, whatever ids
the database handed out. Reading, drawing and writing are column-wise (Polars, COPY on
PostgreSQL): 500,000 households take seconds, not minutes.
"""

import datetime as dt
import time
from dataclasses import dataclass, field
from random import Random
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from entas.core.bulk import bulk_insert_frame, now_for_database, refresh_statistics
from entas.core.services import audit_record
from entas.registry.models import Household, WelfareRecord
from entas.synth.exceptions import SynthError
from entas.synth.loader import SOURCE
from entas.synth.profile import city_frame

EXIT_RATE = 0.20
INFLOW_SHARE = 0.11
POOR_FALL_WEIGHT = 3.0  # a poor family falls 3 times as often as a vulnerable one
VULNERABLE_MULTIPLE = 1.2  # of the poverty line, as in the shipped rule set
NOISE_MEDIAN, NOISE_SIGMA = 1.01, 0.06
RISE_RANGE = (1.02, 1.35)  # multiples of the extreme line
FALL_RANGE = (0.70, 0.98)
DESIL_UPDATE_SHARE = 0.03
MARGIN = 1000  # rupiah: spending is rounded to thousands, as in the generator
CARRIED = (
    "house_ownership", "floor_area_m2", "floor_type", "wall_type", "roof_type",
    "water_source", "lighting", "cooking_fuel", "toilet_facility", "desil_source",
)  # fmt: skip


@dataclass
class QuarterResult:
    as_of: dt.date
    seed: int
    households: int = 0  # records written
    risen: int = 0  # extreme → above the extreme line
    fallen: int = 0  # poor or vulnerable → below it
    extreme_before: int = 0
    extreme_after: int = 0
    replaced: int = 0  # records of the same date deleted first (--replace)
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)


def synthetic_quarter_write(
    *,
    as_of: dt.date,
    seed: int,
    replace: bool = False,
    region_code: str | None = None,
    actor: Any = None,
) -> QuarterResult:
    """Add a welfare record as of `as_of` for every active household, evolved from its
    newest record, and make it the current one; in one transaction with its audit event.

    Only households whose newest record is older than `as_of` get one. Refuses a registry
    with non-synthetic households, and an existing quarter of the same date unless
    `replace`."""
    frame = city_frame(region_code or settings.ENTAS_REGION_CODE)
    result = QuarterResult(as_of=as_of, seed=seed)
    started = time.perf_counter()
    with transaction.atomic():
        _check_synthetic_only(as_of=as_of, replace=replace)
        if replace:
            result.replaced = _quarter_delete(as_of)
        base = _newest_records(as_of)
        evolved = quarter_evolve(
            base,
            rng=Random(f"{seed}:{as_of.isoformat()}"),
            extreme_line=frame.extreme_line,
            poverty_line=frame.poverty_line,
        )
        _tally(result, base, evolved, frame.extreme_line)
        _write(evolved, as_of)
        _audit(actor, result)
    refresh_statistics(WelfareRecord, Household)
    result.seconds = time.perf_counter() - started
    return result


# --- the draws ---------------------------------------------------------------------------


def quarter_evolve(
    base: pl.DataFrame, *, rng: Random, extreme_line: int, poverty_line: int
) -> pl.DataFrame:
    """The next quarter's values of `base` (one row per household, sorted by id)."""
    spending = pl.col("expenditure_per_capita")
    band = spending.is_between(extreme_line, poverty_line * VULNERABLE_MULTIPLE, closed="left")
    marked = base.with_columns(
        was_extreme=(spending < extreme_line).fill_null(False),
        poor=(band & (spending < poverty_line)).fill_null(False),
        vulnerable=(band & (spending >= poverty_line)).fill_null(False),
    )
    fall_poor, fall_vulnerable = _fall_chances(
        *(int(marked[name].sum()) for name in ("was_extreme", "poor", "vulnerable"))
    )
    return (
        marked.with_columns(_draws(rng, marked.height))
        .with_columns(
            rises=pl.col("was_extreme") & (pl.col("event") < EXIT_RATE),
            falls=(pl.col("poor") & (pl.col("event") < fall_poor))
            | (pl.col("vulnerable") & (pl.col("event") < fall_vulnerable)),
        )
        .with_columns(new_spending=_new_spending(extreme_line))
        .with_columns(
            income_per_capita=_thousands(
                pl.col("income_per_capita") * pl.col("new_spending") / spending
            ),
            desil=_new_desil(),
        )
        .with_columns(expenditure_per_capita=pl.col("new_spending"))
    )


def _draws(rng: Random, count: int) -> list[pl.Series]:
    """Four draws per household, drawn household by household in id order."""
    event, noise, place, desil = [], [], [], []
    for _index in range(count):
        event.append(rng.random())
        noise.append(rng.gauss(0.0, NOISE_SIGMA))
        place.append(rng.random())
        desil.append(rng.random())
    return [
        pl.Series(name, values, dtype=pl.Float64)
        for name, values in (
            ("event", event),
            ("noise", noise),
            ("place", place),
            ("desil_draw", desil),
        )
    ]


def _fall_chances(extreme: int, poor: int, vulnerable: int) -> tuple[float, float]:
    """Per-family chances of falling (poor, vulnerable) for an expected inflow of
    INFLOW_SHARE × the extreme families."""
    weighted = POOR_FALL_WEIGHT * poor + vulnerable
    if not weighted:
        return 0.0, 0.0
    unit = min(1.0 / POOR_FALL_WEIGHT, INFLOW_SHARE * extreme / weighted)
    return POOR_FALL_WEIGHT * unit, unit


def _thousands(expression: pl.Expr) -> pl.Expr:
    return ((expression / 1000).round(0) * 1000).cast(pl.Int64)


def _new_spending(line: int) -> pl.Expr:
    old = pl.col("expenditure_per_capita")
    moved = _thousands(old * NOISE_MEDIAN * pl.col("noise").exp()).clip(lower_bound=MARGIN)
    below = (line - MARGIN) // MARGIN * MARGIN  # the generator keeps extreme spending here
    kept = (
        pl.when(pl.col("was_extreme"))
        .then(moved.clip(upper_bound=below))
        .otherwise(moved.clip(lower_bound=line + MARGIN))
    )
    span = pl.col("place")
    risen = _thousands(line * (RISE_RANGE[0] + span * (RISE_RANGE[1] - RISE_RANGE[0])))
    fallen = _thousands(line * (FALL_RANGE[0] + span * (FALL_RANGE[1] - FALL_RANGE[0])))
    return (
        pl.when(old.is_null())
        .then(None)
        .when(pl.col("rises"))
        .then(risen.clip(lower_bound=line + MARGIN))
        .when(pl.col("falls"))
        .then(fallen.clip(upper_bound=below))
        .otherwise(kept)
    )


def _new_desil() -> pl.Expr:
    """One step towards the new spending for DESIL_UPDATE_SHARE of the families."""
    desil = pl.col("desil")
    step = pl.when(pl.col("new_spending") > pl.col("expenditure_per_capita")).then(1).otherwise(-1)
    return (
        pl.when(desil.is_not_null() & (pl.col("desil_draw") < DESIL_UPDATE_SHARE))
        .then((desil + step).clip(1, 10))
        .otherwise(desil)
        .cast(pl.Int64)
    )


# --- reading and writing --------------------------------------------------------------


BASE_COLUMNS = (
    "household_id", "expenditure_per_capita", "income_per_capita", "desil", "assets", *CARRIED,
)  # fmt: skip


def _newest_records(as_of: dt.date) -> pl.DataFrame:
    """The newest record of every active household whose newest record is older than
    `as_of`, sorted by household id."""
    columns = ", ".join(
        "CAST(w.assets AS TEXT)" if name == "assets" else f"w.{name}" for name in BASE_COLUMNS
    )
    sql = (
        f"SELECT {columns} FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY household_id"  # noqa: S608 - constant names
        " ORDER BY as_of DESC, id DESC) AS n, as_of FROM registry_welfarerecord) newest"
        " JOIN registry_welfarerecord w ON w.id = newest.id AND newest.n = 1"
        " JOIN registry_household h ON h.id = w.household_id"
        " WHERE h.status = 'aktif' AND newest.as_of < %s ORDER BY w.household_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [as_of])
        rows = cursor.fetchall()
    schema: dict[str, Any] = {name: pl.String for name in BASE_COLUMNS}
    for name in ("household_id", "expenditure_per_capita", "income_per_capita", "desil"):
        schema[name] = pl.Int64
    schema["floor_area_m2"] = pl.Int64
    return pl.DataFrame(rows, schema=schema, orient="row")


def _write(evolved: pl.DataFrame, as_of: dt.date) -> None:
    now = now_for_database()
    records = evolved.select(
        pl.col("household_id").alias("household"),
        pl.lit(as_of.isoformat()).alias("as_of"),
        pl.lit(SOURCE).alias("source"),
        "expenditure_per_capita",
        "income_per_capita",
        *CARRIED,
        "assets",
        "desil",
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )
    bulk_insert_frame(WelfareRecord, records)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_household SET current_welfare_id = w.id"
            " FROM registry_welfarerecord w WHERE w.household_id = registry_household.id"
            " AND w.source = %s AND w.as_of = %s",
            [SOURCE, as_of],
        )


def _tally(result: QuarterResult, base: pl.DataFrame, evolved: pl.DataFrame, line: int) -> None:
    result.households = evolved.height
    result.risen = int(evolved["rises"].sum())
    result.fallen = int(evolved["falls"].sum())
    result.extreme_before = int((base["expenditure_per_capita"] < line).sum())
    result.extreme_after = int((evolved["expenditure_per_capita"] < line).sum())
    result.rows = {WelfareRecord._meta.label: evolved.height}


def _check_synthetic_only(*, as_of: dt.date, replace: bool) -> None:
    real = Household.objects.exclude(source=SOURCE).count()
    if real:
        raise SynthError(
            _(
                "Registri berisi %(households)d keluarga yang bukan data sintetis. Kuartal "
                "sintetis hanya boleh ditambahkan ke registri sintetis."
            )
            % {"households": real},
            code="registry_not_synthetic",
        )
    if not Household.objects.exists():
        raise SynthError(
            _("Registri kosong: muat kota sintetis dahulu (entas synth)."), code="registry_empty"
        )
    if not replace and WelfareRecord.objects.filter(source=SOURCE, as_of=as_of).exists():
        raise SynthError(
            _(
                "Sudah ada data kesejahteraan sintetis per %(as_of)s. Tambahkan --replace untuk "
                "menggantinya."
            )
            % {"as_of": as_of.isoformat()},
            code="quarter_present",
        )


def _quarter_delete(as_of: dt.date) -> int:
    """Delete the synthetic records of `as_of`; households point at their newest other one."""
    quarter = WelfareRecord.objects.filter(source=SOURCE, as_of=as_of)
    if not quarter.exists():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_household SET current_welfare_id = (SELECT w.id FROM"
            " registry_welfarerecord w WHERE w.household_id = registry_household.id"
            " AND NOT (w.source = %s AND w.as_of = %s) ORDER BY w.as_of DESC, w.id DESC"
            " LIMIT 1) WHERE id IN (SELECT household_id FROM registry_welfarerecord"
            " WHERE source = %s AND as_of = %s)",
            [SOURCE, as_of, SOURCE, as_of],
        )
    return int(quarter._raw_delete(quarter.db))


def _audit(actor: Any, result: QuarterResult) -> None:
    audit_record(
        actor=actor,
        action="synth.quarter",
        summary=_(
            "Kuartal sintetis per %(as_of)s (seed %(seed)d): %(households)d keluarga, "
            "%(risen)d keluar dari miskin ekstrem, %(fallen)d jatuh ke miskin ekstrem."
        )
        % {
            "as_of": result.as_of.isoformat(),
            "seed": result.seed,
            "households": result.households,
            "risen": result.risen,
            "fallen": result.fallen,
        },
        changes={
            "as_of": result.as_of.isoformat(),
            "seed": result.seed,
            "households": result.households,
            "risen": result.risen,
            "fallen": result.fallen,
            "extreme_before": result.extreme_before,
            "extreme_after": result.extreme_after,
            "replaced": result.replaced,
        },
    )
