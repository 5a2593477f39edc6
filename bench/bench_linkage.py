"""Record linkage: quality against the synthetic ground truth, speed and memory at 100k,
300k and 1M person records of one city, blocking, and the warm path for new records.

    python bench/bench_linkage.py [--households 205000] [--fresh]

The synthetic city (seed 7: not the seed the shipped model was trained on) is written by
`entas synth --out` once and kept in var/bench_linkage (use --fresh to rebuild it). Every
measured step runs in its own process, so its peak memory (ru_maxrss) is its own:

- `entas linkage dedupe` with the shipped model: read CSV, normalise, block, score, write;
- Splink with a plain generic configuration on the same records, trained on them (as a
  generic model must be) and predicting, timed apart;
- training the entas model on the 1M records themselves (`entas linkage train`);
- blocking: candidate pairs per record and the share of true pairs the rules keep;
- the warm path: 1,000 new records, then single records, against a 1M registry, and a
  plain Splink prediction call for the same single record as the baseline.

Figures are printed, never asserted.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

from common import BIN, ROOT, Bench, child_print, measured, title

WORK = ROOT / "var" / "bench_linkage"
BENCH = Bench(__file__, WORK)
SIZES = tuple(
    int(s) for s in os.environ.get("ENTAS_BENCH_SIZES", "100000,300000,1000000").split(",")
)
THRESHOLD = 0.9  # the CLI's default


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=205_000)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child_print(CHILDREN[arguments.child](arguments.folder))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    city = WORK / f"city-{arguments.households}"
    print(title("linkage"))
    city_files(city, arguments.households, fresh=arguments.fresh)
    sizes = subsets(city)
    print("\n## entas model (shipped, trained on another synthetic city), threshold 0.9")
    print(
        f"{'records':>10} {'wall s':>7} {'rec/s':>9} {'peak MB':>8} {'pairs':>9}"
        f" {'precision':>9} {'recall':>7} {'F1':>6}"
    )
    for size, folder in sizes.items():
        pairs = folder / "pairs.csv"
        seconds, peak = entas_measured(
            "linkage", "dedupe", "--input", str(folder / "persons.csv"), "--output", str(pairs),
            "--threshold", str(THRESHOLD),
        )  # fmt: skip
        quality = score(pl.read_csv(pairs, infer_schema=False), folder / "truth.csv")
        print(
            f"{size:>10,} {seconds:>7.1f} {size / seconds:>9,.0f} {peak:>8,.0f}"
            f" {quality['pairs']:>9,} {quality['precision']:>9.4f} {quality['recall']:>7.4f}"
            f" {quality['f1']:>6.4f}"
        )
    largest = max(sizes)
    folder = sizes[largest]
    print(f"\n## Splink, plain generic configuration, {largest:,} records, threshold 0.9")
    generic = child("generic", folder)
    quality = score(pl.read_parquet(folder / "generic_pairs.parquet"), folder / "truth.csv")
    print(
        f"  train {generic['train_s']:.1f} s + predict {generic['predict_s']:.1f} s"
        f" = {generic['train_s'] + generic['predict_s']:.1f} s, peak {generic['peak_mb']:,} MB"
    )
    print(
        f"  pairs {quality['pairs']:,}  precision {quality['precision']:.4f}"
        f"  recall {quality['recall']:.4f}  F1 {quality['f1']:.4f}"
    )
    print(f"\n## Training the entas model on the {largest:,} records themselves")
    model = folder / "model.json"
    seconds, peak = entas_measured(
        "linkage", "train", "--input", str(folder / "persons.csv"), "--output", str(model)
    )
    print(f"  entas linkage train: {seconds:.1f} s, peak {peak:,.0f} MB")
    seconds, peak = entas_measured(
        "linkage", "dedupe", "--input", str(folder / "persons.csv"),
        "--output", str(folder / "pairs_self.csv"), "--model", str(model),
    )  # fmt: skip
    quality = score(
        pl.read_csv(folder / "pairs_self.csv", infer_schema=False), folder / "truth.csv"
    )
    print(
        f"  dedupe with it: {seconds:.1f} s, peak {peak:,.0f} MB, precision"
        f" {quality['precision']:.4f}, recall {quality['recall']:.4f}, F1 {quality['f1']:.4f}"
    )
    print(f"\n## Blocking, {largest:,} records")
    blocking = child("blocking", folder)
    print(
        f"  candidate pairs {blocking['candidates']:,}"
        f" ({blocking['candidates'] / largest:.1f} per record);"
        f" true pairs kept {blocking['kept']:,} of {blocking['true']:,}"
        f" = {blocking['kept'] / blocking['true']:.4f}"
    )
    for rule, count in blocking["per_rule"].items():
        print(f"    {rule:<40} {count:>12,}")
    print(f"\n## Warm path against a registry of {largest - 1000:,} records")
    warm = child("warm", folder)
    print(f"  index build {warm['build_s']:.1f} s (once per process), peak {warm['peak_mb']:,} MB")
    print(
        f"  1,000 new records: {warm['batch_s'] * 1000:.0f} ms"
        f" (plain Splink predict_between: {warm['splink_batch_s'] * 1000:.0f} ms,"
        f" ratio {warm['splink_batch_s'] / warm['batch_s']:.1f}x)"
    )
    print(
        f"  one record: p50 {warm['single_p50_ms']:.1f} ms, p95 {warm['single_p95_ms']:.1f} ms"
        f" (plain Splink predict_between, one record: p50 {warm['splink_single_p50_ms']:.0f} ms,"
        f" ratio {warm['splink_single_p50_ms'] / warm['single_p50_ms']:.0f}x)"
    )
    print(
        f"  agreement: the warm path and Splink scored the same pairs of the 1,000 records"
        f" within {warm['max_difference']:.1e}"
    )


# --- data ---------------------------------------------------------------------------------


def city_files(city: Path, households: int, *, fresh: bool) -> None:
    if (city / "persons.csv").exists() and not fresh:
        print(f"Synthetic city: {city} (kept; --fresh rebuilds it)")
        return
    database = WORK / "synth.sqlite3"
    env = os.environ | {"DATABASE_URL": f"sqlite:///{database}", "ENTAS_HOME": str(ROOT)}
    database.unlink(missing_ok=True)
    for command in (["migrate", "--no-input", "-v", "0"], ["load_regions"]):
        subprocess.run([str(BIN / "entas"), *command], env=env, check=True, cwd=ROOT)
    started = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "entas"),
            "synth",
            "--households",
            str(households),
            "--seed",
            "7",
            "--out",
            str(city),
        ],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    from entas.synth.linkage_files import linkage_persons

    persons, truth = linkage_persons(city)
    persons.write_csv(city / "persons.csv")
    truth.write_csv(city / "truth.csv")
    print(
        f"Synthetic city: {households:,} households, {persons.height:,} person records"
        f" in {time.perf_counter() - started:.0f} s"
    )


def subsets(city: Path) -> dict[int, Path]:
    """Records of a random share of the persons (all records of each person kept)."""
    persons = pl.read_csv(city / "persons.csv", infer_schema=False)
    truth = pl.read_csv(city / "truth.csv", infer_schema=False)
    total = persons.height
    folders = {}
    for size in SIZES:
        target = min(size, total)
        folder = city / f"n{target}"
        folders[target] = folder
        if (folder / "persons.csv").exists():
            continue
        folder.mkdir(exist_ok=True)
        share = target / total
        chosen = truth.filter(
            (pl.col("person_id").hash(seed=3) % 1_000_000) < int(share * 1_000_000)
        )
        keep = chosen if target < total else truth
        keep.write_csv(folder / "truth.csv")
        persons.join(keep.select("record_id"), on="record_id", how="semi").write_csv(
            folder / "persons.csv"
        )
    return {len(pl.read_csv(f / "truth.csv", columns=["record_id"])): f for f in folders.values()}


def true_pairs(truth_path: Path) -> pl.DataFrame:
    truth = pl.read_csv(truth_path, infer_schema=False)
    return (
        truth.join(truth, on="person_id")
        .filter(pl.col("record_id") < pl.col("record_id_right"))
        .select(pl.col("record_id").alias("a"), pl.col("record_id_right").alias("b"))
    )


def score(pairs: pl.DataFrame, truth_path: Path) -> dict[str, Any]:
    truth = true_pairs(truth_path).with_columns(pl.lit(True).alias("true"))
    found = pairs.select(
        pl.min_horizontal("record_id_l", "record_id_r").alias("a"),
        pl.max_horizontal("record_id_l", "record_id_r").alias("b"),
    ).unique()
    hits = found.join(truth, on=["a", "b"], how="inner").height
    precision = hits / found.height if found.height else 0.0
    recall = hits / truth.height if truth.height else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": found.height, "precision": precision, "recall": recall, "f1": f1}


# --- measuring -----------------------------------------------------------------------------


def entas_measured(*arguments: str) -> tuple[float, float]:
    """Wall time and peak resident memory (ru_maxrss, from wait4) of `entas ARGUMENTS`."""
    env = os.environ | {"ENTAS_HOME": str(ROOT)}
    seconds, peak, _out = measured([str(BIN / "entas"), *arguments], env, WORK / "logs")
    return seconds, peak


def child(name: str, folder: Path) -> dict[str, Any]:
    return BENCH.child(name, "--folder", str(folder))


def child_generic(folder: Path) -> dict[str, Any]:
    """Splink as a newcomer would configure it: library comparisons on the raw columns."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    connection = duckdb.connect()
    connection.execute("SET threads TO 2")
    connection.execute(
        f"CREATE TABLE persons AS SELECT * FROM read_csv('{folder / 'persons.csv'}',"  # noqa: S608
        " all_varchar = true)"
    )
    api = DuckDBAPI(connection)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[
            cl.NameComparison("full_name"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.LevenshteinAtThresholds("nik", [1, 2]),
            cl.ExactMatch("kelurahan_code"),
            cl.NameComparison("mother_name"),
            cl.ExactMatch("kk_number"),
            cl.LevenshteinAtThresholds("address", [2, 5]),
            cl.ExactMatch("birth_place"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("birth_date", "kelurahan_code"),
            block_on("full_name", "kelurahan_code"),
        ],
    )
    started = time.perf_counter()
    linker = Linker(api.register("persons"), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match([block_on("nik")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_date", "kelurahan_code")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("nik"))
    trained = time.perf_counter()
    pairs = linker.inference.predict(threshold_match_probability=THRESHOLD)
    frame = pairs.as_duckdbpyrelation().pl()
    predicted = time.perf_counter()
    frame.select(
        pl.col("record_id_l").cast(pl.Utf8), pl.col("record_id_r").cast(pl.Utf8)
    ).write_parquet(folder / "generic_pairs.parquet")
    return {"train_s": trained - started, "predict_s": predicted - trained}


def child_blocking(folder: Path) -> dict[str, Any]:
    import duckdb

    from entas.linkage import engine, preparing

    records = preparing.prepare(pl.read_csv(folder / "persons.csv", infer_schema=False))
    truth = true_pairs(folder / "truth.csv")
    connection = duckdb.connect()
    connection.register("records", records.drop("name_tokens").to_arrow())
    connection.register("truth", truth.to_arrow())
    per_rule = {}
    selects = []
    for rule in engine.prediction_rules():
        sql = rule.get_blocking_rule("duckdb").blocking_rule_sql
        select = (
            "SELECT l.record_id AS a, r.record_id AS b FROM records l JOIN records r "  # noqa: S608
            f"ON {sql} AND l.record_id < r.record_id"
        )
        per_rule[sql] = connection.sql(f"SELECT count(*) FROM ({select})").fetchall()[0][0]  # noqa: S608
        selects.append(select)
    connection.execute(f"CREATE TABLE candidates AS {' UNION '.join(selects)}")
    candidates = connection.sql("SELECT count(*) FROM candidates").fetchall()[0][0]
    kept = connection.sql(
        "SELECT count(*) FROM truth t JOIN candidates c ON c.a = t.a AND c.b = t.b"
    ).fetchall()[0][0]
    return {"candidates": candidates, "kept": kept, "true": truth.height, "per_rule": per_rule}


def child_warm(folder: Path) -> dict[str, Any]:
    from splink import DuckDBAPI, Linker

    from entas.linkage import engine, preparing, warm

    records = preparing.prepare(pl.read_csv(folder / "persons.csv", infer_schema=False))
    new = records.sample(1000, seed=5)
    registry = records.join(new.select("record_id"), on="record_id", how="anti")
    matcher = engine.default_matcher()
    started = time.perf_counter()
    index = warm.WarmIndex(matcher, registry)
    build = time.perf_counter() - started
    index.match(new.head(10), threshold=0.5)  # first call: DuckDB's own warm-up
    started = time.perf_counter()
    batch = index.match(new, threshold=0.5)
    batch_s = time.perf_counter() - started
    singles = []
    for row in range(200):
        one = new[row : row + 1]
        started = time.perf_counter()
        index.match(one, threshold=0.5)
        singles.append((time.perf_counter() - started) * 1000)
    # Baseline: Splink's own incremental call on the same registry.
    api = DuckDBAPI()
    existing = engine._register(api, registry, "registry")
    linker = Linker(existing, matcher._settings("dedupe_only"), log_level=None)
    incoming = engine._register(api, new, "incoming")
    started = time.perf_counter()
    splink_pairs = (
        linker.inference.predict_between(existing, incoming, threshold_match_probability=0.5)
        .as_duckdbpyrelation()
        .pl()
    )
    splink_batch_s = time.perf_counter() - started
    splink_singles = []
    for row in range(5):
        one = engine._register(api, new[row : row + 1], f"one_{row}")
        started = time.perf_counter()
        linker.inference.predict_between(existing, one, threshold_match_probability=0.5)
        splink_singles.append((time.perf_counter() - started) * 1000)
    ours = batch.select(
        pl.min_horizontal("record_id_l", "record_id_r").alias("a"),
        pl.max_horizontal("record_id_l", "record_id_r").alias("b"),
        "match_probability",
    )
    theirs = splink_pairs.select(
        pl.min_horizontal(
            pl.col("record_id_l").cast(pl.Utf8), pl.col("record_id_r").cast(pl.Utf8)
        ).alias("a"),
        pl.max_horizontal(
            pl.col("record_id_l").cast(pl.Utf8), pl.col("record_id_r").cast(pl.Utf8)
        ).alias("b"),
        pl.col("match_probability").alias("splink"),
    )
    both = ours.join(theirs, on=["a", "b"])
    return {
        "build_s": build,
        "batch_s": batch_s,
        "single_p50_ms": statistics.median(singles),
        "single_p95_ms": statistics.quantiles(singles, n=20)[18],
        "splink_batch_s": splink_batch_s,
        "splink_single_p50_ms": statistics.median(splink_singles),
        "max_difference": float((both["match_probability"] - both["splink"]).abs().max() or 0.0),
        "pairs_ours": ours.height,
        "pairs_splink": theirs.height,
    }


CHILDREN = {"generic": child_generic, "blocking": child_blocking, "warm": child_warm}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
