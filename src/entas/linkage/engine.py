"""The linkage engine: the only module that imports Splink.

A record is a person as any source lists them (the `COLUMNS`, all text, any may be blank).
`prepare` normalises them the Indonesian way (see `normalise`) and derives the keys the
model compares. The model (`comparisons`) compares name, birth date, sex, NIK, kelurahan,
mother's name, No. KK, address and birth place, each on levels that know Indonesian
records: word order, initials, "bin/binti", a day and month swapped. Its parameters are
estimated from the data itself (u by random sampling, m by expectation maximisation) and
saved as a Splink model JSON, which runs unchanged on DuckDB (default) and Spark.

Deterministic rules come first: the same valid NIK is always a candidate pair, flagged as a
conflict when birth date or sex disagree. Then the probabilistic model scores the pairs
the blocking rules produce.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from entas.linkage import normalise

COLUMNS = (
    "record_id",
    "nik",
    "full_name",
    "birth_date",
    "sex",
    "birth_place",
    "address",
    "kelurahan_code",
    "mother_name",
    "kk_number",
)
# What `prepare` adds and the model reads.
PREPARED_COLUMNS = (
    "record_id",
    "nik",
    "name",
    "name_sorted",
    "name_first",
    "name_last",
    "name_tokens",
    "birth_date",
    "birth_year",
    "sex",
    "birth_place",
    "street",
    "rt_rw",
    "kelurahan_code",
    "kecamatan_code",
    "mother_name",
    "kk_number",
)
DEFAULT_MODEL = Path(__file__).parent / "data" / "model.json"
PAIR_SCHEMA = {
    "record_id_l": pl.Utf8,
    "record_id_r": pl.Utf8,
    "match_probability": pl.Float64,
    "match_weight": pl.Float64,
    "rule": pl.Utf8,
}

# Labels of fields and levels for people (explanations, the review screen).
FIELD_LABELS = {
    "name": "Nama",
    "birth_date": "Tanggal lahir",
    "sex": "Jenis kelamin",
    "nik": "NIK",
    "kelurahan_code": "Kelurahan",
    "mother_name": "Nama ibu kandung",
    "kk_number": "No. KK",
    "street": "Alamat",
    "birth_place": "Tempat lahir",
}

# Levels the data never shows are reported by Splink as warnings; `_with_floors` handles them.
logging.getLogger("splink").setLevel(logging.ERROR)


class LinkageInputError(ValueError):
    """A persons file the engine cannot read; the message is for people (Indonesian)."""


# --- preparing records --------------------------------------------------------------------


def _text(name: str) -> pl.Expr:
    value = pl.col(name).cast(pl.Utf8).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value)


def _nik(name: str) -> pl.Expr:
    """A NIK the model may trust: 16 digits, a region, a day 1–71 and a month 1–12."""
    value = pl.col(name).cast(pl.Utf8).str.replace_all(r"[\s.'`-]", "")
    day = value.str.slice(6, 2).cast(pl.Int32, strict=False)
    month = value.str.slice(8, 2).cast(pl.Int32, strict=False)
    plausible = (
        value.str.contains(r"^[1-9][0-9]{15}$")
        & day.is_between(1, 71)
        & (day % 40).is_between(1, 31)
        & month.is_between(1, 12)
        & (value.str.slice(12, 4) != "0000")
    )
    return pl.when(plausible).then(value).otherwise(None)


def _birth_date(name: str) -> pl.Expr:
    value = pl.col(name).cast(pl.Utf8).str.strip_chars().str.slice(0, 10)
    parsed = value.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    return parsed.cast(pl.Utf8)


def _sex(name: str) -> pl.Expr:
    value = pl.col(name).cast(pl.Utf8).str.strip_chars().str.to_uppercase()
    return (
        pl.when(value.is_in(["L", "LAKI-LAKI", "1", "M"]))
        .then(pl.lit("L"))
        .when(value.is_in(["P", "PEREMPUAN", "2", "F", "W"]))
        .then(pl.lit("P"))
        .otherwise(None)
    )


def _kelurahan(name: str) -> pl.Expr:
    digits = pl.col(name).cast(pl.Utf8).str.replace_all(r"[^0-9]", "")
    dotted = pl.concat_str(
        [
            digits.str.slice(0, 2),
            digits.str.slice(2, 2),
            digits.str.slice(4, 2),
            digits.str.slice(6),
        ],
        separator=".",
    )
    return pl.when(digits.str.len_chars() == 10).then(dotted).otherwise(None)


def _null_if_empty(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == "").then(None).otherwise(expr)


def prepare(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Records in `COLUMNS` (missing columns allowed) → the normalised `PREPARED_COLUMNS`."""
    lazy = frame.lazy()
    present = set(lazy.collect_schema().names())
    if "record_id" not in present:
        raise LinkageInputError("Kolom record_id wajib ada.")
    lazy = lazy.with_columns(
        pl.lit(None, pl.Utf8).alias(column) for column in COLUMNS if column not in present
    )
    raw: Any = lazy.select(
        pl.col("record_id").cast(pl.Utf8).str.strip_chars(),
        _nik("nik").alias("nik"),
        pl.col("full_name").cast(pl.Utf8),
        _birth_date("birth_date").alias("birth_date"),
        _sex("sex").alias("sex"),
        pl.col("birth_place").cast(pl.Utf8),
        pl.col("address").cast(pl.Utf8),
        pl.col("kelurahan_code").cast(pl.Utf8),
        pl.col("mother_name").cast(pl.Utf8),
        _text("kk_number").str.replace_all(r"\D", "").alias("kk_number"),
    )
    try:
        raw = raw.collect()
    except pl.exceptions.PolarsError as error:
        raise LinkageInputError(f"Data tidak dapat dibaca: {error}.") from error
    # Names, places, addresses and kelurahan repeat (a city has far fewer names than
    # people), so each distinct value is normalised once.
    value = pl.col("v")
    name = _null_if_empty(normalise.name_expr(value))
    tokens = name.str.split(" ")
    derived = [
        _distinct(
            raw,
            "full_name",
            {
                "name": name,
                "name_tokens": tokens,
                "name_sorted": tokens.list.sort().list.join(" "),
                "name_first": tokens.list.first(),
                "name_last": tokens.list.last(),
            },
        ),
        _distinct(raw, "birth_place", {"birth_place": name}),
        _distinct(raw, "mother_name", {"mother_name": name}),
        _distinct(
            raw,
            "address",
            {
                "street": _null_if_empty(normalise.address_expr(value)),
                "rt_rw": pl.concat_str(
                    [normalise.rt_expr(value), normalise.rw_expr(value)], separator="/"
                ),
            },
        ),
        _distinct(
            raw,
            "kelurahan_code",
            {"kelurahan_code": _kelurahan("v"), "kecamatan_code": _kelurahan("v").str.slice(0, 8)},
        ),
    ]
    prepared = (
        pl.concat(
            [raw.select("record_id", "nik", "birth_date", "sex", "kk_number"), *derived],
            how="horizontal",
        )
        .with_columns(
            pl.col("birth_date").str.slice(0, 4).alias("birth_year"),
            pl.when(pl.col("rt_rw") == "/").then(None).otherwise(pl.col("rt_rw")).alias("rt_rw"),
            pl.when(pl.col("kk_number").str.len_chars() == 16)
            .then(pl.col("kk_number"))
            .otherwise(None)
            .alias("kk_number"),
        )
        .select(PREPARED_COLUMNS)
    )
    if prepared["record_id"].null_count() or (prepared["record_id"] == "").any():
        raise LinkageInputError("Ada baris tanpa record_id.")
    if prepared["record_id"].n_unique() != prepared.height:
        duplicated = prepared["record_id"].filter(prepared["record_id"].is_duplicated())
        raise LinkageInputError(f"record_id harus unik; berulang: {duplicated[0]}.")
    return prepared


def _distinct(frame: pl.DataFrame, column: str, outputs: dict[str, pl.Expr]) -> pl.DataFrame:
    """`outputs` (expressions on a column named "v") computed once per distinct value of
    `column` and spread back over the rows, in row order; a null value gives nulls."""
    values = frame.select(pl.col(column).unique().drop_nulls().alias("v"))
    mapped = values.with_columns(expr.alias(name) for name, expr in outputs.items())
    return (
        frame.select(pl.col(column).alias("v"))
        .join(mapped, on="v", how="left", maintain_order="left")
        .select(list(outputs))
    )


def read_persons(path: Path) -> pl.LazyFrame:
    """A persons CSV (header row, comma or semicolon, UTF-8) as text columns, read lazily:
    only the known columns are ever held, once, by `prepare`."""
    try:
        with path.open(encoding="utf-8-sig") as file:
            head = file.readline()
    except (OSError, UnicodeDecodeError) as error:
        raise LinkageInputError(f"Berkas {path.name} tidak dapat dibaca: {error}.") from error
    separator = ";" if head.count(";") > head.count(",") else ","
    try:
        frame = pl.scan_csv(path, separator=separator, infer_schema=False, encoding="utf8-lossy")
        names = frame.collect_schema().names()
    except pl.exceptions.PolarsError as error:
        raise LinkageInputError(f"Berkas {path.name} bukan CSV yang sah: {error}.") from error
    renamed = {name: name.strip().lstrip("\ufeff").lower() for name in names}
    frame = frame.rename(renamed)
    known = [name for name in renamed.values() if name in COLUMNS]
    if "record_id" not in known:
        raise LinkageInputError(f"Berkas {path.name} tidak punya kolom record_id.")
    return frame.select(known)


# --- the model ----------------------------------------------------------------------------


def comparisons() -> list[Any]:
    """The Indonesian-aware comparisons, most telling level first."""
    return [
        cl.CustomComparison(
            output_column_name="name",
            comparison_levels=[
                cll.NullLevel("name"),
                cll.ExactMatchLevel("name"),
                cll.CustomLevel("name_sorted_l = name_sorted_r", "Urutan kata berbeda"),
                cll.JaroWinklerLevel("name", 0.93),
                cll.CustomLevel(
                    "name_first_l = name_first_r AND name_last_l <> name_last_r "
                    "AND (length(name_last_l) = 1 OR length(name_last_r) = 1) "
                    "AND substr(name_last_l, 1, 1) = substr(name_last_r, 1, 1)",
                    "Kata terakhir disingkat",
                ),
                cll.ArrayIntersectLevel("name_tokens", 2),
                cll.JaroWinklerLevel("name", 0.85),
                cll.CustomLevel(
                    "name_first_l = name_first_r OR name_last_l = name_last_r",
                    "Satu kata sama",
                ),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="birth_date",
            comparison_levels=[
                cll.NullLevel("birth_date"),
                cll.ExactMatchLevel("birth_date"),
                cll.CustomLevel(
                    "substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) "
                    "AND substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) "
                    "AND substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)",
                    "Tanggal dan bulan tertukar",
                ),
                cll.DamerauLevenshteinLevel("birth_date", 1),
                cll.ExactMatchLevel("birth_year"),
                cll.ElseLevel(),
            ],
        ),
        cl.ExactMatch("sex"),
        cl.CustomComparison(
            output_column_name="nik",
            comparison_levels=[
                cll.NullLevel("nik"),
                cll.ExactMatchLevel("nik"),
                # One digit mistyped or two swapped, by the same person born on the same day
                # in the same region: the date part must then disagree with a birth date
                # both records share, and the serial must agree. Twins, or two people born
                # on one day in one kecamatan, differ in the serial or the region instead.
                cll.CustomLevel(
                    "damerau_levenshtein(nik_l, nik_r) <= 1 "
                    "AND birth_date_l = birth_date_r "
                    "AND substr(nik_l, 1, 6) = substr(nik_r, 1, 6) "
                    "AND substr(nik_l, 13, 4) = substr(nik_r, 13, 4)",
                    "Salah ketik satu angka",
                ),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="kelurahan_code",
            comparison_levels=[
                cll.NullLevel("kelurahan_code"),
                cll.ExactMatchLevel("kelurahan_code"),
                cll.ExactMatchLevel("kecamatan_code"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="mother_name",
            comparison_levels=[
                cll.NullLevel("mother_name"),
                cll.ExactMatchLevel("mother_name"),
                cll.JaroWinklerLevel("mother_name", 0.88),
                cll.ElseLevel(),
            ],
        ),
        cl.ExactMatch("kk_number"),
        cl.CustomComparison(
            output_column_name="street",
            comparison_levels=[
                cll.NullLevel("street"),
                cll.CustomLevel(
                    "street_l = street_r AND rt_rw_l = rt_rw_r", "Jalan, RT dan RW sama"
                ),
                cll.JaroWinklerLevel("street", 0.9),
                cll.ExactMatchLevel("rt_rw"),
                cll.ElseLevel(),
            ],
        ),
        cl.ExactMatch("birth_place"),
    ]


def prediction_rules() -> list[Any]:
    """Blocking: which pairs are compared at all. Each rule is cheap on its own."""
    return [
        block_on("nik"),
        block_on("birth_date", "kecamatan_code"),
        block_on("name_sorted", "kelurahan_code"),
        block_on("birth_date", "name_first"),
        block_on("birth_date", "name_last"),
    ]


def training_rules() -> list[Any]:
    """Expectation maximisation sessions, each teaching the fields it does not block on.

    Pairs sharing a NIK show how one person's other fields vary between sources; pairs of
    one sex born on one day teach how far apart one person's two addresses can be; pairs
    with one name in one kecamatan teach the NIK (whose typo level reads the birth date, so
    it learns nothing where the birth date is blocked on). A shared name and address is
    never a training block: family members share the address and the No. KK, and relatives
    may share a name, which would teach the model to forgive a different birth date.
    """
    return [
        block_on("nik"),
        block_on("birth_date", "sex"),
        block_on("name_sorted", "kecamatan_code"),
    ]


def settings_creator(
    link_type: Literal["dedupe_only", "link_only", "link_and_dedupe"] = "dedupe_only",
) -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="record_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=prediction_rules(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        additional_columns_to_retain=["nik", "birth_date", "sex"],
    )


# DuckDB may take most of the machine's memory by default; a linkage run stays within this
# and spills the rest to a temporary folder.
DUCKDB_MEMORY = os.environ.get("ENTAS_LINKAGE_MEMORY", "1GB")


def _duckdb_api() -> DuckDBAPI:
    connection = duckdb.connect()
    spill = Path(tempfile.gettempdir()) / "entas-duckdb"
    connection.execute(
        "SET threads TO 2; SET preserve_insertion_order = false; "
        f"SET memory_limit = '{DUCKDB_MEMORY}'; SET temp_directory = '{spill}'"
    )
    return DuckDBAPI(connection)


def _register(api: DuckDBAPI, frame: pl.DataFrame, name: str) -> Any:
    """`frame` as a Splink input table, read in place (Arrow), not copied into DuckDB."""
    arrow = frame.to_arrow(compat_level=pl.CompatLevel.newest())  # string views, no copy
    return api.register(arrow, table_name=name, dataset_display_name=name)


def _frame(result: Any) -> pl.DataFrame:
    return result.as_duckdbpyrelation().pl()


def train(prepared: pl.DataFrame, *, seed: int = 1, max_pairs: float = 2e6) -> dict[str, Any]:
    """Estimate the model on `prepared` records themselves; returns the model JSON."""
    api = _duckdb_api()
    table = _register(api, prepared, "records")
    linker = Linker(table, settings_creator(), log_level=None)
    linker.training.estimate_probability_two_random_records_match([block_on("nik")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for rule in training_rules():
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, fix_probability_two_random_records_match=True
        )
    return _with_floors(linker.misc.save_model_to_json())


# A level the training data never showed (a day and month swapped, say) keeps a small m
# rather than none, and no level is treated as impossible: one wrong sex or birth place
# must weigh against a match, not veto it.
M_FLOOR = 1e-4
U_FLOOR = 1e-7


def _with_floors(model: dict[str, Any]) -> dict[str, Any]:
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            level["m_probability"] = max(level.get("m_probability") or 0.0, M_FLOOR)
            level["u_probability"] = max(level.get("u_probability") or 0.0, U_FLOOR)
    return model


@dataclass(frozen=True)
class Level:
    label: str
    sql: str
    weight: float  # log2 Bayes factor; 0 for the null level
    is_null: bool


@dataclass(frozen=True)
class Comparison:
    field: str
    levels: tuple[Level, ...]


class Matcher:
    """A trained model, ready to score records on DuckDB."""

    def __init__(self, model: dict[str, Any]) -> None:
        self.model = model
        prior = model["probability_two_random_records_match"]
        self.prior_weight = math.log2(prior / (1 - prior))
        self.comparisons = tuple(_comparison(entry) for entry in model["comparisons"])

    @classmethod
    def from_path(cls, path: Path) -> Matcher:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    # --- whole tables ---

    def dedupe(self, prepared: pl.DataFrame, *, threshold: float) -> pl.DataFrame:
        """Every pair of `prepared` records at or above `threshold`, and every same-NIK pair."""
        api = _duckdb_api()
        table = _register(api, prepared, "records")
        linker = Linker(table, self._settings("dedupe_only"), log_level=None)
        pairs = _four(_frame(linker.inference.predict(threshold_match_probability=threshold)))
        pairs = pairs.with_columns(
            pl.min_horizontal("record_id_l", "record_id_r").alias("record_id_l"),
            pl.max_horizontal("record_id_l", "record_id_r").alias("record_id_r"),
        )
        same_nik = self._same_nik(prepared, prepared, dedupe=True)
        return self._with_rules(pl.concat([pairs, same_nik]), prepared, prepared, threshold)

    def link(self, left: pl.DataFrame, right: pl.DataFrame, *, threshold: float) -> pl.DataFrame:
        """Pairs of a `left` record and a `right` record (never two of one side)."""
        api = _duckdb_api()
        tables = [_register(api, left, "records_l"), _register(api, right, "records_r")]
        linker = Linker(tables, self._settings("link_only"), log_level=None)
        pairs = _frame(linker.inference.predict(threshold_match_probability=threshold))
        # Splink orders each pair by source; ours: left side first, always.
        if pairs.height:
            left_ids = left.select(pl.col("record_id").alias("record_id_l"))
            pairs = _left_first(pairs, left_ids)
        pairs = _four(pairs)
        same_nik = self._same_nik(left, right, dedupe=False)
        return self._with_rules(pl.concat([pairs, same_nik]), left, right, threshold)

    def _same_nik(self, left: pl.DataFrame, right: pl.DataFrame, *, dedupe: bool) -> pl.DataFrame:
        """Every pair sharing a NIK, scored: a rule keeps them whatever the probability."""
        ids_l = left.select("record_id", "nik").with_row_index("_l").drop_nulls("nik")
        ids_r = right.select("record_id", "nik").with_row_index("_r").drop_nulls("nik")
        if dedupe:
            ids_l = ids_r = ids_l.filter(pl.col("nik").is_duplicated()).rename({"_l": "_r"})
            ids_l = ids_l.rename({"_r": "_l"})
        else:
            ids_l = ids_l.join(ids_r.select("nik"), on="nik", how="semi")
        joined = ids_l.join(ids_r, on="nik", suffix="_other")
        if dedupe:
            joined = joined.filter(pl.col("record_id") < pl.col("record_id_other"))
        if joined.is_empty():
            return pl.DataFrame(schema={k: v for k, v in PAIR_SCHEMA.items() if k != "rule"})
        pairs = pl.concat(
            [
                left[joined["_l"]].rename(lambda c: f"{c}_l"),
                right[joined["_r"]].rename(lambda c: f"{c}_r"),
            ],
            how="horizontal",
        )
        return _four(self.score(pairs))

    def _settings(self, link_type: str) -> dict[str, Any]:
        settings = dict(self.model)
        settings["link_type"] = link_type
        settings["blocking_rules_to_generate_predictions"] = [
            rule.get_blocking_rule("duckdb").blocking_rule_sql for rule in prediction_rules()
        ]
        settings["additional_columns_to_retain"] = []
        settings["retain_matching_columns"] = False
        settings["retain_intermediate_calculation_columns"] = False
        return settings

    def _with_rules(
        self, pairs: pl.DataFrame, left: pl.DataFrame, right: pl.DataFrame, threshold: float
    ) -> pl.DataFrame:
        """Keep the probabilistic pairs and add the deterministic NIK rules."""
        scored = (
            pairs.select(
                pl.col("record_id_l").cast(pl.Utf8),
                pl.col("record_id_r").cast(pl.Utf8),
                pl.col("match_probability").cast(pl.Float64),
                pl.col("match_weight").cast(pl.Float64),
            )
            if pairs.height
            else pl.DataFrame(schema={k: v for k, v in PAIR_SCHEMA.items() if k != "rule"})
        )
        keys = ["record_id", "nik", "birth_date", "sex"]
        with_keys = scored.join(
            left.select(keys).rename(lambda c: f"{c}_l"), on="record_id_l", how="left"
        ).join(right.select(keys).rename(lambda c: f"{c}_r"), on="record_id_r", how="left")
        same_nik = pl.col("nik_l").is_not_null() & (pl.col("nik_l") == pl.col("nik_r"))
        conflict = same_nik & (
            (pl.col("birth_date_l") != pl.col("birth_date_r")).fill_null(False)
            | (pl.col("sex_l") != pl.col("sex_r")).fill_null(False)
        )
        rule = (
            pl.when(conflict)
            .then(pl.lit("nik_konflik"))
            .when(same_nik)
            .then(pl.lit("nik_sama"))
            .otherwise(pl.lit("probabilistik"))
        )
        return (
            with_keys.with_columns(rule.alias("rule"))
            .unique(["record_id_l", "record_id_r"], keep="first")
            .filter((pl.col("match_probability") >= threshold) | same_nik)
            .select(list(PAIR_SCHEMA))
            .sort("match_probability", descending=True)
        )

    # --- the warm path: candidate pairs already found, scored in one SQL statement ---

    def score(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """`pairs` with every prepared column as <name>_l and <name>_r → record ids, the
        level reached per field (its index in the model), match weight and probability.

        The level conditions are the model's own SQL, so this gives what Splink's predict
        gives for the same pairs (tested), without Splink's per-call set-up.
        """
        if not pairs.height:
            return pl.DataFrame(
                schema={"record_id_l": pl.Utf8, "record_id_r": pl.Utf8}
                | {c.field: pl.Int32 for c in self.comparisons}
                | {"match_weight": pl.Float64, "match_probability": pl.Float64}
            )
        levels = ", ".join(f"{_case(c)} AS {c.field}" for c in self.comparisons)
        connection = _scoring_connection()
        connection.register("pairs", pairs.to_arrow())
        try:
            reached = connection.sql(
                f"SELECT record_id_l, record_id_r, {levels} FROM pairs"  # noqa: S608
            ).pl()
        finally:
            connection.unregister("pairs")
        weight = pl.lit(self.prior_weight)
        for comparison in self.comparisons:
            weights = pl.Series([level.weight for level in comparison.levels], dtype=pl.Float64)
            weight = weight + pl.col(comparison.field).replace_strict(
                list(range(len(weights))), weights, return_dtype=pl.Float64
            )
        return reached.with_columns(weight.alias("match_weight")).with_columns(
            (1 - 1 / (1 + pl.lit(2.0).pow(pl.col("match_weight")))).alias("match_probability")
        )

    def explain(self, left: dict[str, Any], right: dict[str, Any]) -> list[dict[str, Any]]:
        """Per field: the level two prepared records reach and its weight, for people."""
        schema = dict.fromkeys(PREPARED_COLUMNS, pl.Utf8) | {"name_tokens": pl.List(pl.Utf8)}
        frame_l = pl.DataFrame([{k: left.get(k) for k in PREPARED_COLUMNS}], schema=schema)
        frame_r = pl.DataFrame([{k: right.get(k) for k in PREPARED_COLUMNS}], schema=schema)
        return self.explanations(frame_l, frame_r)[0]

    def explanations(self, left: pl.DataFrame, right: pl.DataFrame) -> list[list[dict[str, Any]]]:
        """`explain` for row i of `left` against row i of `right`, for many pairs at once."""
        pairs = pl.concat(
            [left.rename(lambda c: f"{c}_l"), right.rename(lambda c: f"{c}_r")],
            how="horizontal",
        )
        levels = self.score(pairs).select(c.field for c in self.comparisons)
        left_rows, right_rows = left.to_dicts(), right.to_dicts()
        result = []
        for row, mine, theirs in zip(levels.iter_rows(), left_rows, right_rows, strict=True):
            explanation = []
            for comparison, index in zip(self.comparisons, row, strict=True):
                level = comparison.levels[index]
                field = comparison.field
                explanation.append(
                    {
                        "field": field,
                        "label": FIELD_LABELS.get(field, field),
                        "level": level_label(level.label),
                        "weight": round(level.weight, 2),
                        "left": _shown(mine, field),
                        "right": _shown(theirs, field),
                    }
                )
            result.append(explanation)
        return result


# Splink names the levels it builds in English; people read them in Indonesian.
_LEVEL_LABELS = {
    "All other comparisons": "Berbeda",
    "Exact match on kecamatan_code": "Kecamatan sama, kelurahan berbeda",
    "Exact match on birth_year": "Tahun lahir sama",
    "Exact match on rt_rw": "RT/RW sama, jalan berbeda",
    "Array intersection size >= 2": "Dua kata nama sama",
}
_LEVEL_PATTERNS = (
    (re.compile(r"^Exact match on \w+$"), "Sama persis"),
    (re.compile(r"^\w+ is NULL$"), "Kosong di salah satu"),
    (re.compile(r"^Jaro-Winkler distance of \w+ >= ([0-9.]+)$"), "Mirip (Jaro-Winkler ≥ {0})"),
    (re.compile(r"^Damerau-Levenshtein distance of \w+ <= 1$"), "Beda satu huruf atau angka"),
)


def level_label(label: str) -> str:
    """A level's name for people: ours as written, Splink's own translated."""
    if label in _LEVEL_LABELS:
        return _LEVEL_LABELS[label]
    for pattern, text in _LEVEL_PATTERNS:
        match = pattern.match(label)
        if match:
            return text.format(*match.groups())
    return label


@lru_cache(maxsize=1)
def _scoring_connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("SET threads TO 1")
    return connection


def _weight_case(comparison: Comparison) -> str:
    whens = " ".join(
        _when(level.sql, f"CAST({level.weight!r} AS DOUBLE)") for level in comparison.levels
    )
    return f"(CASE {whens} END)"


class WarmIndex:
    """A registry held in memory with one lookup table per blocking rule, for matching a
    few new records (an import's unknown persons, a citizen's report) in milliseconds.

    The blocking keys are those of `prediction_rules`, so the warm path sees the same
    candidates as a full run would.
    """

    KEYS: tuple[tuple[str, ...], ...] = (
        ("nik",),
        ("birth_date", "kecamatan_code"),
        ("name_sorted", "kelurahan_code"),
        ("birth_date", "name_first"),
        ("birth_date", "name_last"),
    )

    def __init__(self, matcher: Matcher, registry: pl.DataFrame) -> None:
        self.matcher = matcher
        self.registry = registry.select(PREPARED_COLUMNS)
        numbered = self.registry.with_row_index("_at")
        self.lookups: list[dict[Any, list[int]]] = []
        for key in self.KEYS:
            groups = numbered.drop_nulls(list(key)).group_by(list(key)).agg(pl.col("_at"))
            columns = [groups[name].to_list() for name in key]
            rows = groups["_at"].to_list()
            self.lookups.append(dict(zip(zip(*columns, strict=True), rows, strict=True)))

    def __len__(self) -> int:
        return self.registry.height

    def candidates(self, prepared: pl.DataFrame) -> pl.DataFrame:
        """Every (new record, registry record) pair a blocking rule produces, once."""
        new_rows: list[int] = []
        registry_rows: list[int] = []
        for key, lookup in zip(self.KEYS, self.lookups, strict=True):
            values = zip(*(prepared[name].to_list() for name in key), strict=True)
            for index, value in enumerate(values):
                found = lookup.get(value) if None not in value else None
                if found:
                    new_rows.extend([index] * len(found))
                    registry_rows.extend(found)
        pairs = pl.DataFrame(
            {"n": new_rows, "r": registry_rows}, schema={"n": pl.UInt32, "r": pl.UInt32}
        ).unique()
        left = prepared[pairs["n"]].rename(lambda c: f"{c}_l")
        right = self.registry[pairs["r"]].rename(lambda c: f"{c}_r")
        return pl.concat([left, right], how="horizontal")

    def match(self, prepared: pl.DataFrame, *, threshold: float) -> pl.DataFrame:
        """Pairs (new record on the left) at or above `threshold`, and same-NIK pairs."""
        pairs = self.candidates(prepared)
        scored = self.matcher.score(pairs).select(
            "record_id_l", "record_id_r", "match_probability", "match_weight"
        )
        # The rules read the candidates' keys only, never the whole registry.
        keys = ("record_id", "nik", "birth_date", "sex")
        found = pairs.select(pl.col(f"{key}_r").alias(key) for key in keys).unique("record_id")
        return self.matcher._with_rules(scored, prepared, found, threshold)


def _comparison(entry: dict[str, Any]) -> Comparison:
    levels = []
    for level in entry["comparison_levels"]:
        is_null = bool(level.get("is_null_level"))
        m, u = level.get("m_probability"), level.get("u_probability")
        weight = 0.0 if is_null or not m or not u else math.log2(m / u)
        levels.append(
            Level(
                label=level.get("label_for_charts", ""),
                sql=level["sql_condition"],
                weight=weight,
                is_null=is_null,
            )
        )
    return Comparison(field=entry["output_column_name"], levels=tuple(levels))


def _when(condition: str, value: object) -> str:
    return (
        f"ELSE {value}" if condition.strip().upper() == "ELSE" else f"WHEN {condition} THEN {value}"
    )


def _case(comparison: Comparison) -> str:
    whens = " ".join(_when(level.sql, index) for index, level in enumerate(comparison.levels))
    return f"CAST(CASE {whens} END AS INTEGER)"


def _pair_schema() -> dict[str, Any]:
    schema: dict[str, Any] = {}
    for column in PREPARED_COLUMNS:
        kind = pl.List(pl.Utf8) if column == "name_tokens" else pl.Utf8
        schema[f"{column}_l"] = kind
        schema[f"{column}_r"] = kind
    return schema


def _shown(record: dict[str, Any], field: str) -> str:
    value = record.get(field)
    if field == "street" and record.get("rt_rw"):
        return f"{value or ''} RT/RW {record['rt_rw']}".strip()
    return "" if value is None else str(value)


def _four(pairs: pl.DataFrame) -> pl.DataFrame:
    """Record ids, probability and weight of scored pairs, in one schema whatever scored them."""
    return pairs.select(
        pl.col(name).cast(kind) for name, kind in PAIR_SCHEMA.items() if name != "rule"
    )


def _left_first(pairs: pl.DataFrame, left_ids: pl.DataFrame) -> pl.DataFrame:
    is_left = pairs["record_id_l"].cast(pl.Utf8).is_in(left_ids["record_id_l"].implode())
    return pairs.with_columns(
        pl.when(is_left).then(pl.col("record_id_l")).otherwise(pl.col("record_id_r")).alias("a"),
        pl.when(is_left).then(pl.col("record_id_r")).otherwise(pl.col("record_id_l")).alias("b"),
    ).with_columns(pl.col("a").alias("record_id_l"), pl.col("b").alias("record_id_r"))


@lru_cache(maxsize=1)
def default_matcher() -> Matcher:
    """The model shipped with entas, trained on the synthetic city (see `entas linkage train`)."""
    return Matcher.from_path(DEFAULT_MODEL)


def clusters(pairs: pl.DataFrame, record_ids: Iterable[str], *, threshold: float) -> pl.DataFrame:
    """record_id → cluster_id (the smallest record_id of its connected component)."""
    ids = pl.Series("record_id", list(record_ids), dtype=pl.Utf8)
    edges = pairs.filter(pl.col("match_probability") >= threshold).select(
        "record_id_l", "record_id_r"
    )
    return _components(ids, edges)


def _components(ids: pl.Series, edges: pl.DataFrame) -> pl.DataFrame:
    """Connected components by min-label propagation over the records that have an edge;
    every other record is its own cluster."""
    both = pl.concat(
        [
            edges.select(pl.col("record_id_l").alias("a"), pl.col("record_id_r").alias("b")),
            edges.select(pl.col("record_id_r").alias("a"), pl.col("record_id_l").alias("b")),
        ]
    )
    labels = both.select(pl.col("a").unique().alias("record_id")).with_columns(
        pl.col("record_id").alias("cluster_id")
    )
    while True:
        smallest = (
            both.join(labels, left_on="b", right_on="record_id")
            .group_by("a")
            .agg(pl.col("cluster_id").min().alias("neighbour"))
        )
        updated = labels.join(smallest, left_on="record_id", right_on="a", how="left").select(
            "record_id",
            pl.min_horizontal("cluster_id", "neighbour").alias("cluster_id"),
        )
        changed = updated.join(labels, on="record_id").filter(
            pl.col("cluster_id") != pl.col("cluster_id_right")
        )
        labels = updated
        if changed.is_empty():
            break
    return (
        ids.to_frame()
        .join(labels, on="record_id", how="left")
        .with_columns(pl.coalesce("cluster_id", "record_id").alias("cluster_id"))
        .sort("record_id")
    )


def records_as_dicts(prepared: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["record_id"]: row for row in prepared.iter_rows(named=True)}


__all__: Sequence[str] = (
    "COLUMNS",
    "LinkageInputError",
    "Matcher",
    "clusters",
    "default_matcher",
    "prepare",
    "read_persons",
    "train",
)
