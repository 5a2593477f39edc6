"""`entas linkage dedupe --input persons.csv --output pairs.csv`: the file mode, for analysts
and benchmarks. No database is read or written."""

import argparse
import json
import time
from pathlib import Path
from typing import Any, TextIO

from entas.linkage import engine, preparing
from entas.linkage.clusters import clusters

HELP = "Deduplikasi berkas individu (CSV) tanpa basis data."
DEFAULT_THRESHOLD = 0.9


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, type=Path, help="persons.csv")
    parser.add_argument("--output", required=True, type=Path, help="pairs.csv")
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"peluang cocok minimum, 0–1 (bawaan {DEFAULT_THRESHOLD})",
    )
    parser.add_argument("--clusters", type=Path, help="clusters.csv: record_id, cluster_id")
    parser.add_argument(
        "--model", type=Path, help="model JSON (bawaan: model bawaan entas, lihat `train`)"
    )
    parser.add_argument(
        "--train", action="store_true", help="latih model dari berkas ini sendiri dahulu"
    )


def run(options: dict[str, Any], stdout: TextIO) -> int:
    threshold = options["threshold"]
    if not 0 <= threshold <= 1:
        raise preparing.LinkageInputError("--threshold harus antara 0 dan 1.")
    started = time.perf_counter()
    records = preparing.prepare(preparing.read_persons(options["input"]))
    if options["train"]:
        matcher = engine.Matcher(engine.train(records))
    elif options["model"]:
        matcher = engine.Matcher.from_path(options["model"])
    else:
        matcher = engine.default_matcher()
    pairs = matcher.dedupe(records, threshold=threshold)
    pairs.select("record_id_l", "record_id_r", "match_probability").write_csv(
        options["output"], float_precision=6
    )
    summary: dict[str, Any] = {"records": records.height, "pairs": pairs.height}
    if options["clusters"]:
        grouped = clusters(pairs, records["record_id"], threshold=threshold)
        grouped.write_csv(options["clusters"])
        summary["clusters"] = grouped["cluster_id"].n_unique()
    summary["seconds"] = round(time.perf_counter() - started, 2)
    stdout.write(json.dumps(summary) + "\n")
    return 0
