"""The linkage model on Spark, for national-scale data: the same model JSON, Splink's SparkAPI.

A model JSON trained on DuckDB carries each comparison level's SQL in DuckDB's dialect
(`jaro_winkler_similarity`, `list_intersect`, double-quoted columns), which Spark does not
read: a double-quoted name is a string there, so a level would silently never match. Nor
does sqlglot translate the similarity functions. The comparisons themselves, though, are
Splink creators that write every dialect (`engine.comparisons`), so each level's SQL is
rendered for Spark from them and the trained m and u are taken from the model JSON, level
by level. A model whose DuckDB SQL is not what `engine.comparisons` writes is refused:
its levels could not be paired with the creators' safely.

Spark has no Jaro-Winkler or Damerau-Levenshtein of its own. Splink ships both as Scala UDFs
in its jar (registered by `SparkAPI`; the jar must be on the cluster's classpath, see
docs/linkage-spark.md). Its `damerau_levenshtein` gives DuckDB's distances. Its
`jaro_winkler` does not: it counts half a transposition as 0.5 where DuckDB rounds the
transpositions down, so an odd count of out-of-order letters gives another similarity
(about one random pair of names in 20,000 lands on the other side of a level's threshold).
The levels were trained on DuckDB's, so on Spark they call DuckDB's own function: an Arrow
UDF (`entas_jaro_winkler`) that runs `jaro_winkler_similarity` in DuckDB on each batch.
Its Python workers need entas installed, like the driver.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
from copy import deepcopy
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import sqlglot
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F  # noqa: N812
from splink import Linker
from splink.backends.spark import SparkAPI, similarity_jar_location

from entas.linkage import engine, preparing

SPARK_DIALECT = "spark"
JARO_WINKLER_UDF = "entas_jaro_winkler"
_KEYS = ("nik", "birth_date", "sex")

# py4j says at interpreter exit, after the streams closed, that it closes its connection.
logging.getLogger("py4j").setLevel(logging.WARNING)


class SparkSetupError(RuntimeError):
    """Spark cannot run here, or the model does not fit the engine's comparisons."""


def spark_session_local(
    app_name: str = "entas", *, checkpoint_dir: str | None = None
) -> SparkSession:
    """A Spark session on this machine (local[2], 1 GB, no UI, no network) with Splink's
    similarity UDF jar, for tests and small runs.

    Splink writes its intermediate tables as Parquet under the checkpoint directory; a
    temporary one is made when none is given. Python workers run this interpreter (unless
    PYSPARK_PYTHON says otherwise), so that they find DuckDB for `entas_jaro_winkler`.
    """
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise SparkSetupError(
            "Spark needs a Java runtime (17 or newer) and `java` is not on PATH: "
            "install it, e.g. `apt-get install openjdk-17-jre-headless`."
        )
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName(app_name)
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", "1g")
        # A short local run spends its time starting the JVM and compiling plans: the
        # quick JIT and a serial collector halve that. Not for a cluster's long jobs.
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(checkpoint_dir or tempfile.mkdtemp(prefix="entas-spark-"))
    return session


def spark_settings(model: dict[str, Any]) -> dict[str, Any]:
    """The model JSON with every level's SQL and the blocking rules written for Spark."""
    settings = deepcopy(model)
    settings["link_type"] = "dedupe_only"
    settings["sql_dialect"] = SPARK_DIALECT
    settings["blocking_rules_to_generate_predictions"] = [
        rule.get_blocking_rule(SPARK_DIALECT).blocking_rule_sql
        for rule in engine.prediction_rules()
    ]
    settings["additional_columns_to_retain"] = list(_KEYS)
    settings["retain_matching_columns"] = False
    settings["retain_intermediate_calculation_columns"] = False
    creators = engine.comparisons()
    if len(creators) != len(settings["comparisons"]):
        raise _mismatch(
            f"{len(settings['comparisons'])} comparisons, the engine has {len(creators)}"
        )
    for trained, creator in zip(settings["comparisons"], creators, strict=True):
        _render_for_spark(trained, creator)
    return settings


def _render_for_spark(trained: dict[str, Any], creator: Any) -> None:
    written = creator.create_comparison_dict("duckdb")
    name = trained["output_column_name"]
    if written["output_column_name"] != name:
        raise _mismatch(f"comparison {name}, the engine has {written['output_column_name']}")
    expected = [level["sql_condition"] for level in written["comparison_levels"]]
    found = [level["sql_condition"] for level in trained["comparison_levels"]]
    if expected != found:
        raise _mismatch(f"comparison {name} has levels {found}, the engine writes {expected}")
    spark = creator.create_comparison_dict(SPARK_DIALECT)["comparison_levels"]
    for level, rendered in zip(trained["comparison_levels"], spark, strict=True):
        level["sql_condition"] = _with_duckdb_jaro_winkler(rendered["sql_condition"])


def _with_duckdb_jaro_winkler(condition: str) -> str:
    """`condition` calling `entas_jaro_winkler` where Splink wrote its jar's `jaro_winkler`."""
    if "jaro_winkler" not in condition.lower():
        return condition
    tree = sqlglot.parse_one(condition, read=SPARK_DIALECT)
    for call in tree.find_all(sqlglot.exp.Anonymous):
        if call.name.lower() == "jaro_winkler":
            call.set("this", JARO_WINKLER_UDF)
    return tree.sql(dialect=SPARK_DIALECT)


def duckdb_jaro_winkler(left: pa.Array, right: pa.Array) -> pa.Array:
    """DuckDB's `jaro_winkler_similarity` of two string columns (null where one is null)."""
    pairs = pa.table({"l": left, "r": right})  # noqa: F841 (DuckDB reads it by name)
    with duckdb.connect() as connection:
        connection.execute("SET threads TO 1")
        result = connection.sql("SELECT jaro_winkler_similarity(l, r) FROM pairs")
        return result.fetch_arrow_table().column(0).combine_chunks()


def register_udfs(spark: SparkSession) -> None:
    """Register `entas_jaro_winkler` in `spark` (Splink's SparkAPI registers the rest)."""
    # The kind of UDF comes from the type hints (naming it warns); pyspark's overloads
    # then ask for it all the same.
    jaro_winkler = F.arrow_udf(duckdb_jaro_winkler, "double")  # type: ignore[call-overload]
    spark.udf.register(JARO_WINKLER_UDF, jaro_winkler)


def _mismatch(detail: str) -> SparkSetupError:
    return SparkSetupError(
        f"The model was not trained from engine.comparisons() ({detail}); "
        "retrain it with `entas linkage train` before running it on Spark."
    )


def spark_dedupe(
    spark: SparkSession,
    prepared: DataFrame | pl.DataFrame,
    *,
    model: dict[str, Any] | None = None,
    threshold: float,
    break_lineage_method: str | None = None,
) -> DataFrame:
    """`engine.Matcher.dedupe` on Spark: every pair of `prepared` records (the engine's
    PREPARED_COLUMNS) at or above `threshold`, with its rule (same NIK, its conflict, or
    probabilistic), as a Spark DataFrame in `engine.PAIR_SCHEMA` order, unsorted.

    `model` is a model JSON; the one shipped with entas by default. `break_lineage_method`
    is Splink's: how intermediate tables are materialised ("parquet" files under the
    checkpoint directory by default, "delta_lake_table" on Databricks, "persist" in memory).
    """
    if model is None:
        model = json.loads(engine.DEFAULT_MODEL.read_text(encoding="utf-8"))
    records = prepared if isinstance(prepared, DataFrame) else _to_spark(spark, prepared)
    api = SparkAPI(spark_session=spark, break_lineage_method=break_lineage_method)
    register_udfs(spark)
    table = api.register(records.select(*preparing.PREPARED_COLUMNS))
    linker = Linker(table, spark_settings(model), log_level=None)
    predicted = linker.inference.predict(threshold_match_probability=threshold)
    return _with_rules(predicted.as_spark_dataframe())


def _to_spark(spark: SparkSession, prepared: pl.DataFrame) -> DataFrame:
    # Spark reads Arrow's classic string layout, not the string views Polars uses now.
    arrow = prepared.select(preparing.PREPARED_COLUMNS).to_arrow(
        compat_level=pl.CompatLevel.oldest()
    )
    return spark.createDataFrame(arrow)


def _with_rules(pairs: DataFrame) -> DataFrame:
    """The rule of each pair, as `engine.Matcher._with_rules` gives it."""
    same_nik = F.col("nik_l").isNotNull() & (F.col("nik_l") == F.col("nik_r"))
    conflict = same_nik & (
        F.coalesce(F.col("birth_date_l") != F.col("birth_date_r"), F.lit(False))
        | F.coalesce(F.col("sex_l") != F.col("sex_r"), F.lit(False))
    )
    rule = (
        F.when(conflict, F.lit("nik_konflik"))
        .when(same_nik, F.lit("nik_sama"))
        .otherwise(F.lit("probabilistik"))
    )
    return pairs.select(
        F.col("record_id_l").cast("string").alias("record_id_l"),
        F.col("record_id_r").cast("string").alias("record_id_r"),
        F.col("match_probability").cast("double").alias("match_probability"),
        F.col("match_weight").cast("double").alias("match_weight"),
        rule.alias("rule"),
    )


__all__ = [
    "SparkSetupError",
    "duckdb_jaro_winkler",
    "register_udfs",
    "spark_dedupe",
    "spark_session_local",
    "spark_settings",
]
