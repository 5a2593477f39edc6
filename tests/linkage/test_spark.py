"""The shipped model on Spark (Splink's SparkAPI, a local session) gives DuckDB's pairs.

Spark needs Java: without it these tests fail (CI installs openjdk-17-jre-headless).
"""

import json
import random
from collections.abc import Iterator

import duckdb
import polars as pl
import pytest
from pyspark.sql import SparkSession

from entas.linkage import engine, preparing
from entas.linkage.spark import (
    SparkSetupError,
    register_udfs,
    spark_dedupe,
    spark_session_local,
    spark_settings,
)

MALE = ["Sugeng", "Budi", "Slamet", "Agus", "Joko", "Wahyu", "Ahmad", "Eko", "Heru", "Bambang"]
FEMALE = ["Sri", "Siti", "Sukirah", "Suparmi", "Endang", "Dewi", "Rina", "Sumarni", "Tri", "Nur"]
LAST = [
    "Santoso",
    "Haryanto",
    "Sundari",
    "Wibowo",
    "Lestari",
    "Prasetyo",
    "Rahayu",
    "Sutrisno",
    "Hidayat",
    "Wahyuni",
    "Purnomo",
    "Suharti",
    "Kurniawan",
    "Handayani",
    "Nugroho",
]
STREETS = ["Mawar", "Melati", "Kenanga", "Anggrek", "Cempaka", "Kutilang", "Merpati"]
PLACES = ["Semarang", "Demak", "Kendal", "Ungaran", "Salatiga"]
KELURAHAN = ["3374101001", "3374101002", "3374101003", "3374161004"]
# Names whose Jaro-Winkler similarity in DuckDB and in Splink's jar fall on two sides of a
# level's threshold (an odd count of out-of-order letters).
JARO_WINKLER_SPLITS = [
    ("sugeng haryanto", "sugeng sundari"),
    ("waluyo hadinata", "waluyo mutmaina"),
    ("lusia supriyadi", "muslima supriyadi"),
    ("wasino sunyoto", "wasino wiyono"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    try:
        session = spark_session_local("entas-test")
    except SparkSetupError as error:
        pytest.fail(str(error))
    yield session
    session.stop()


def _person(rng: random.Random, index: int) -> dict[str, str]:
    sex = rng.choice("LP")
    first = rng.choice(MALE if sex == "L" else FEMALE)
    year, month, day = rng.randint(1975, 1982), rng.randint(1, 12), rng.randint(1, 28)
    kelurahan = rng.choice(KELURAHAN)
    rt, rw = rng.randint(1, 9), rng.randint(1, 3)
    nik_day = day + (40 if sex == "P" else 0)
    return {
        "record_id": f"p{index:05d}",
        "nik": f"{kelurahan[:6]}{nik_day:02d}{month:02d}{year % 100:02d}{rng.randint(1, 9999):04d}",
        "full_name": f"{first} {rng.choice(LAST)}",
        "birth_date": f"{year}-{month:02d}-{day:02d}",
        "sex": sex,
        "birth_place": rng.choice(PLACES),
        "address": f"JL {rng.choice(STREETS).upper()} RT {rt} RW {rw}",
        "kelurahan_code": kelurahan,
        "mother_name": f"{rng.choice(FEMALE)} {rng.choice(LAST)}",
        "kk_number": f"{kelurahan[:6]}{rng.randint(10**9, 10**10 - 1)}",
    }


def _variant(rng: random.Random, person: dict[str, str], index: int) -> dict[str, str]:
    """The same person as another source lists them, with one or two kinds of variation."""
    copy = dict(person, record_id=f"d{index:05d}")
    words = copy["full_name"].split()
    for kind in rng.sample(["title", "old", "abbreviated", "nik", "address", "typo"], 2):
        if kind == "title":
            copy["full_name"] = f"Hj. {copy['full_name']}"
        elif kind == "old":
            copy["full_name"] = copy["full_name"].replace("Su", "Soe").replace("J", "Dj")
        elif kind == "abbreviated":
            copy["full_name"] = " ".join([*words[:-1], f"{words[-1][0]}."])
        elif kind == "nik":
            nik = copy["nik"]
            copy["nik"] = nik[:9] + nik[10] + nik[9] + nik[11:]
        elif kind == "address":
            street = person["address"].split(" RT")[0].removeprefix("JL ").title()
            copy["address"] = f"Jl. {street} No. {rng.randint(1, 120)}"
        else:
            at = rng.randrange(1, len(copy["full_name"]) - 1)
            name = copy["full_name"]
            copy["full_name"] = name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    if rng.random() < 0.2:
        copy["nik"] = ""
    return copy


def _records() -> pl.DataFrame:
    """1,400 persons and 600 of them again, varied; and pairs of two people alike but for a
    name whose Jaro-Winkler similarity DuckDB and Splink's jar disagree on."""
    rng = random.Random(2026)
    persons = [_person(rng, index) for index in range(1400)]
    rows = persons + [_variant(rng, person, i) for i, person in enumerate(rng.sample(persons, 600))]
    for index, (left, right) in enumerate(JARO_WINKLER_SPLITS):
        base = _person(rng, 9000 + index)
        rows.append(dict(base, record_id=f"j{index}l", full_name=left.title(), nik=""))
        rows.append(dict(base, record_id=f"j{index}r", full_name=right.title(), nik=""))
    return pl.DataFrame(rows)


def test_spark_dedupe_gives_duckdbs_pairs_and_probabilities(spark):
    # Given 2,008 records prepared once, and the shipped model
    prepared = preparing.prepare(_records())

    # When both backends dedupe them
    on_duckdb = engine.default_matcher().dedupe(prepared, threshold=0.5)
    result = spark_dedupe(spark, prepared, threshold=0.5)
    on_spark = pl.from_arrow(result.toArrow())

    # Then they find the same pairs with the same rules and probabilities
    assert isinstance(on_spark, pl.DataFrame)
    assert on_spark.columns == list(engine.PAIR_SCHEMA)
    keys = ["record_id_l", "record_id_r"]
    duckdb_sorted, spark_sorted = on_duckdb.sort(keys), on_spark.sort(keys)
    assert on_duckdb.height > 600
    assert spark_sorted.select(*keys, "rule").rows() == duckdb_sorted.select(*keys, "rule").rows()
    for column in ("match_probability", "match_weight"):
        difference = (spark_sorted[column] - duckdb_sorted[column]).abs().max()
        assert isinstance(difference, float)
        assert difference <= 1e-9, column


def test_jaro_winkler_on_spark_is_duckdbs_not_the_jars(spark):
    # Given names on which DuckDB and Splink's jar disagree
    pairs = pl.DataFrame(JARO_WINKLER_SPLITS, schema=["l", "r"], orient="row")
    spark.createDataFrame(
        pairs.to_arrow(compat_level=pl.CompatLevel.oldest())
    ).createOrReplaceTempView("name_pairs")
    register_udfs(spark)

    # When both are computed on Spark
    rows = spark.sql(
        "SELECT l, r, entas_jaro_winkler(l, r) AS ours, jaro_winkler(l, r) AS jar "
        "FROM name_pairs ORDER BY l"
    ).collect()

    # Then entas_jaro_winkler is DuckDB's, to the last bit, and the jar's is not
    expected = dict(duckdb.sql("SELECT l, jaro_winkler_similarity(l, r) FROM pairs").fetchall())
    assert [row["ours"] for row in rows] == [expected[row["l"]] for row in rows]
    assert all(row["jar"] != row["ours"] for row in rows)


def test_a_model_of_other_comparisons_is_refused():
    # Given the shipped model with one level's SQL changed
    model = json.loads(engine.DEFAULT_MODEL.read_text(encoding="utf-8"))
    model["comparisons"][0]["comparison_levels"][1]["sql_condition"] = "name_l LIKE name_r"

    # When it is prepared for Spark, then it is refused, naming the comparison
    with pytest.raises(SparkSetupError, match=r"comparison name has levels"):
        spark_settings(model)
