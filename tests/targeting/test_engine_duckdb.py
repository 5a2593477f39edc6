"""Same data, same result: the households classified in the database (PostgreSQL or SQLite)
and their `inputs` classified from Parquet by DuckDB get the same status, rule, score, rank
and candidate flag, row for row."""

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from django.db import connection
from tests.factories import make_household
from tests.targeting.builders import finding, household, june

from entas.linkage.merging import merge_households
from entas.registry import choices as rc
from entas.registry.models import Household
from entas.targeting import choices as c
from entas.targeting import engine, services
from entas.targeting.models import Classification, Period
from entas.targeting.parameters import SCORE_COLUMNS, rules_from, weights_from

pytestmark = pytest.mark.usefixtures("regions")

TEXT_COLUMNS = {"kelurahan_id", "expenditure_source", "desil_source", "finding_outcome"}
TEXT_COLUMNS |= set(SCORE_COLUMNS)
SCHEMA = {
    name: pl.Utf8 if name in TEXT_COLUMNS else pl.Date if name == "expenditure_as_of" else pl.Int64
    for name in engine.INPUT_COLUMNS
}


def families() -> dict[str, Household]:
    """Every rule, every status, the boundaries, assets of every JSON kind, ties."""
    made = {
        "below_extreme": household(expenditure=390_999, floor_type="tanah"),
        "at_extreme": household(expenditure=391_000, floor_type="bambu"),
        "below_gk": household(expenditure=609_159, wall_type="anyaman_bambu"),
        "at_gk": household(expenditure=609_160, roof_type="jerami"),
        "below_rentan": household(expenditure=730_991, water_source="air_permukaan"),
        "at_rentan": household(expenditure=730_992, lighting="bukan_listrik"),
        "desil_1": household(desil=1, cooking_fuel="kayu_bakar"),
        "desil_2": household(desil=2, toilet_facility="tidak_ada"),
        "desil_4": household(desil=4, house_ownership="bebas_sewa"),
        "desil_5": household(desil=5, floor_type="keramik", assets={"mobil": True}),
        "desil_3_no_house": household(desil=3),
        "eligible_in_window": household(expenditure=700_000, floor_type="semen"),
        "eligible_out_of_window": household(expenditure=300_000, floor_type="semen"),
        "moved": household(expenditure=300_000, floor_type="tanah"),
        "now_able": household(expenditure=300_000, floor_type="kayu"),
        "no_data": household(),
        "crowded_six": household(expenditure=650_000, members=6, floor_area_m2=40,
                                 floor_type="kayu"),
        "assets_mixed": household(
            expenditure=800_000, floor_type="ubin",
            assets={"ac": 1, "lemari_es": 0, "tv_datar": False, "smartphone": True,
                    "emas": None, "sapi": 3},
        ),
        "twin_of_at_extreme": household(expenditure=500_000, floor_type="bambu"),
        "eight_m2_each": household(expenditure=450_000, floor_area_m2=24, floor_type="semen"),
        "poorest_house": household(expenditure=700_000, floor_type="tanah", wall_type="bambu",
                                   roof_type="jerami"),
        "next_poorest": household(expenditure=700_000, floor_type="tanah",
                                  wall_type="anyaman_bambu"),
        "poorest_but_ekstrem": household(expenditure=100_000, floor_type="tanah",
                                         wall_type="bambu", roof_type="jerami",
                                         lighting="bukan_listrik"),
    }  # fmt: skip
    finding(made["eligible_in_window"], c.FindingOutcome.ELIGIBLE, dt.date(2024, 7, 1))
    finding(made["eligible_out_of_window"], c.FindingOutcome.ELIGIBLE, dt.date(2024, 6, 30))
    finding(made["moved"], c.FindingOutcome.MOVED, dt.date(2025, 6, 30))
    finding(made["now_able"], c.FindingOutcome.NOW_ABLE, dt.date(2025, 3, 1))
    duplicate = household(expenditure=300_000, floor_type="tanah")
    merge_households(actor=None, survivor=make_household(), duplicate=duplicate)
    gone = household(expenditure=300_000)
    Household.objects.filter(pk=gone.pk).update(status=rc.HouseholdStatus.MOVED_OUT)
    return made


def inputs_parquet(period: Period, path: Path) -> Path:
    assert period.rules is not None
    rules = rules_from(period.rules.parameters)
    sql, params = engine.registry_inputs_sql(
        connection.vendor,
        on=period.ends_on,
        findings_from=period.ends_on - dt.timedelta(days=rules.finding_valid_days),
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {sql} SELECT * FROM inputs", params)  # noqa: S608
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    assert tuple(columns) == engine.INPUT_COLUMNS
    as_of = columns.index("expenditure_as_of")
    rows = [
        (*r[:as_of], dt.date.fromisoformat(r[as_of]) if isinstance(r[as_of], str) else r[as_of],
         *r[as_of + 1 :])
        for r in rows
    ]  # fmt: skip
    pl.DataFrame(rows, schema=SCHEMA, orient="row").write_parquet(path)
    return path


def classified_by_duckdb(period: Period, source: Path, out: Path) -> dict[int, tuple]:
    assert period.rules is not None
    assert period.score_model is not None
    assert period.extreme_line is not None
    assert period.poverty_line is not None
    count = engine.classify_files(
        [source],
        out,
        rules=rules_from(period.rules.parameters),
        lines=engine.Lines(
            extreme=period.extreme_line.monthly_amount, poverty=period.poverty_line.monthly_amount
        ),
        weights=weights_from(period.score_model.parameters),
    )
    frame = pl.read_parquet(out)
    assert count == frame.height
    return {
        r["household_id"]: (r["status"], r["rule"], r["score"], r["score_rank"],
                            bool(r["is_candidate"]), r["members"])
        for r in frame.iter_rows(named=True)
    }  # fmt: skip


def classified_in_database(period: Period) -> dict[int, tuple]:
    rows = Classification.objects.filter(period=period).values_list(
        "household_id", "status", "rule", "score", "score_rank", "is_candidate", "members"
    )
    return {household_id: tuple(rest) for household_id, *rest in rows}


def test_duckdb_over_parquet_gives_the_databases_result_row_for_row(admin_dinsos, tmp_path):
    made = families()
    june_2025 = june()
    counts = services.period_classify(actor=admin_dinsos, period=june_2025)
    source = inputs_parquet(june_2025, tmp_path / "inputs.parquet")

    in_database = classified_in_database(june_2025)
    by_duckdb = classified_by_duckdb(june_2025, source, tmp_path / "result.parquet")

    assert by_duckdb == in_database
    # the comparison covers every status and rule (the merge survivor has no data), and the
    # candidates the ranking gives
    assert counts == {
        "ekstrem": 5, "miskin": 5, "rentan": 7, "tidak_miskin": 4, "tanpa_data": 2, "keluar": 1
    }  # fmt: skip
    assert {rule for _status, rule, *_rest in in_database.values()} == set(c.Rule.values)
    named = {family.pk: name for name, family in made.items()}
    assert len(in_database) == len(made) + 1  # and the survivor of the merge
    # 21 scored families ranked k/20: ranks 0 and 0.05 are under the 10 % share, 0.1 is not,
    # and the poorest house is ekstrem already
    candidates = {named.get(pk) for pk, r in in_database.items() if r[4]}
    assert candidates == {"poorest_house"}
    assert sum(r[2] is not None for r in in_database.values()) == 21
    scores = {named.get(pk): r[2] for pk, r in in_database.items()}
    assert (scores["assets_mixed"], scores["crowded_six"], scores["eight_m2_each"]) == (
        60.0 + 8 + 2, 60.0 - 3 * 2 - 6 - 4, 60.0 - 2
    )  # fmt: skip
    assert (scores["desil_3_no_house"], scores["no_data"]) == (None, None)
    ranks = {named.get(pk): r[3] for pk, r in in_database.items()}
    assert [ranks[name] for name in ("poorest_but_ekstrem", "poorest_house", "next_poorest")] == [
        0.0, 0.05, 0.1
    ]  # fmt: skip
    assert ranks["at_extreme"] < ranks["twin_of_at_extreme"]
