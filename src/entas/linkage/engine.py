"""The linkage engine, where Splink is used (and in `spark`, for the same model on Spark;
import-linter keeps Splink out of every other package).

Records come prepared by `preparing`. The model (`comparisons`) compares name, birth date,
sex, NIK, kelurahan, mother's name, No. KK, address and birth place, each on levels that
know Indonesian records: word order, initials, "bin/binti", a day and month swapped. Its
parameters are
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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from entas.linkage.preparing import PREPARED_COLUMNS, LinkageInputError

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


def training_rules() -> list[tuple[str, ...]]:
    """Expectation maximisation sessions, each teaching the fields it does not block on.

    Pairs sharing a NIK show how one person's other fields vary between sources; pairs of
    one sex born on one day teach how far apart one person's two addresses can be; pairs
    with one name in one kecamatan teach the NIK (whose typo level reads the birth date, so
    it learns nothing where the birth date is blocked on). A shared name and address is
    never a training block: family members share the address and the No. KK, and relatives
    may share a name, which would teach the model to forgive a different birth date.
    """
    return [("nik",), ("birth_date", "sex"), ("name_sorted", "kecamatan_code")]


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
    _estimate_prior(linker, prepared)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    # A session without pairs is skipped before Splink sees it (a registry keeps each NIK
    # once): a failed session would leave the linker's settings without its comparison.
    sessions = [keys for keys in training_rules() if _has_pairs(prepared, keys)]
    if not sessions:
        raise LinkageInputError(_TOO_FEW)
    for keys in sessions:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*keys), fix_probability_two_random_records_match=True
        )
    return _with_floors(linker.misc.save_model_to_json())


_TOO_FEW = "Data terlalu sedikit untuk melatih model: tidak ada pasangan yang bisa dipelajari."


def _has_pairs(prepared: pl.DataFrame, keys: tuple[str, ...]) -> bool:
    groups = prepared.drop_nulls(list(keys)).group_by(list(keys)).len()
    return bool((groups["len"] > 1).any())


def _estimate_prior(linker: Linker, prepared: pl.DataFrame) -> None:
    """The share of pairs that match, from records sharing a NIK; where none do (a registry
    keeps a NIK once), from records sharing name and birth date."""
    for keys, recall in ((("nik",), 0.8), (("name_sorted", "birth_date"), 0.6)):
        if _has_pairs(prepared, keys):
            linker.training.estimate_probability_two_random_records_match(
                [block_on(*keys)], recall=recall
            )
            return
    raise LinkageInputError(_TOO_FEW)


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
