"""Benchmark of `entas synth`: persons per second to files and into SQLite, and peak memory.

Every measurement runs in its own interpreter, so its peak resident memory (ru_maxrss) is
its own. The baseline, measured in the same run, writes as many CSV rows of constant data
with plain `csv.writer`: the ratio to it is what the generator itself costs. Prints figures,
asserts nothing.

    .venv/bin/python bench/bench_synth.py [--persons 1000000] [--no-database]
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ROOT, child_print

SEED = 2025
PERSONS_PER_HOUSEHOLD = 3.68  # mean size of the families outside the extreme-poor group


def run(persons: int = 1_000_000, *, database: bool = True) -> dict[str, Any]:
    """Generate about `persons` persons to files and (optionally) into SQLite; the figures."""
    households = max(1, round(persons / PERSONS_PER_HOUSEHOLD))
    work = Path(tempfile.mkdtemp(prefix="entas-bench-synth-", dir="/tmp"))
    try:
        _child("migrate", work, households)  # the region tree, which both runs read
        files = _child("files", work, households)
        shape = {name: [count, files["widths"][name]] for name, count in files["rows"].items()}
        baseline = _child("baseline", work, households, rows=json.dumps(shape))
        results: dict[str, Any] = {
            "households": households,
            "files": files,
            "baseline": baseline,
            "files_vs_baseline": files["seconds"] / baseline["seconds"],
        }
        if database:
            results["database"] = _child("database", work, households)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _child(kind: str, work: Path, households: int, **extra: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "entas.config.settings",
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "ENTAS_VAR_DIR": str(work),
        "DEBUG": "1",
    }
    command = [sys.executable, __file__, "--child", kind, "--work", str(work)]
    command += ["--households", str(households)]
    for name, value in extra.items():
        command += [f"--{name}", value]
    completed = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if completed.returncode:
        raise RuntimeError(f"bench child {kind} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _in_child(kind: str, work: Path, households: int, rows: str) -> dict[str, Any]:
    if kind == "baseline":
        return _baseline(work / "baseline", json.loads(rows))
    import django

    django.setup()
    from django.core.management import call_command

    if kind == "migrate":
        call_command("migrate", verbosity=0)
        from entas.wilayah.services import regions_load

        regions_load()
        return {}
    from entas.wilayah.identity import parse_nik

    parse_nik("3374012211740001")  # loads the national region names, as any real run does
    widths: dict[str, int] = {}
    if kind == "files":
        from entas.synth.services import synthetic_files_write

        result = synthetic_files_write(households=households, seed=SEED, out_dir=work / "files")
        widths = _widths(work / "files", result.rows)
    else:
        from entas.synth.services import synthetic_registry_load

        result = synthetic_registry_load(households=households, seed=SEED)
    return {
        "persons": result.tally.persons,
        "records": result.tally.registry_persons + result.tally.p3ke_persons,
        "seconds": result.seconds,
        "rate": result.persons_per_second,
        "rows": result.rows,
        "widths": widths,
    }


def _baseline(folder: Path, shape: dict[str, list[int]]) -> dict[str, Any]:
    """As many rows per file as the generator wrote, of constant data as wide as its rows."""
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for name, (count, width) in shape.items():
        row = ["3374012211740001", "SUKIRAH", "2", *(["1"] * (width - 3))]
        with (folder / name).open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            for _row in range(count):
                writer.writerow(row)
    seconds = time.perf_counter() - started
    total = sum(count for count, _width in shape.values())
    return {"rows": total, "seconds": seconds, "rate_rows": total / seconds}


def _widths(folder: Path, rows: dict[str, int]) -> dict[str, int]:
    widths = {}
    for name in rows:
        with (folder / name).open(encoding="utf-8", newline="") as file:
            widths[name] = len(next(csv.reader(file)))
    return widths


def report(results: dict[str, Any]) -> None:
    files, baseline = results["files"], results["baseline"]
    print(f"entas synth, {results['households']:,} households, {files['persons']:,} persons")
    print(
        f"  files:    {files['seconds']:7.1f} s  {files['rate']:9,.0f} persons/s"
        f"  peak {files['peak_mb']:6.0f} MB  ({files['records']:,} person records)"
    )
    print(
        f"  baseline: {baseline['seconds']:7.1f} s  {baseline['rate_rows']:9,.0f} rows/s"
        f"     peak {baseline['peak_mb']:6.0f} MB  (csv.writer, {baseline['rows']:,} constant rows)"
    )
    print(f"  files / baseline time: {results['files_vs_baseline']:.1f}x")
    if "database" in results:
        database = results["database"]
        print(
            f"  sqlite:   {database['seconds']:7.1f} s  {database['rate']:9,.0f} persons/s"
            f"  peak {database['peak_mb']:6.0f} MB  ({sum(database['rows'].values()):,} rows)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--no-database", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--households", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rows", default="{}", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child_print(
            _in_child(arguments.child, arguments.work, arguments.households, arguments.rows)
        )
        return
    report(run(arguments.persons, database=not arguments.no_database))


if __name__ == "__main__":
    main()
