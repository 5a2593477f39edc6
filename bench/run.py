"""`make bench`: every benchmark, each in its own process, figures printed (never asserted).

    python bench/run.py [--persons 1000000] [--skip-postgres]

1. region tree load (91,599 codes) on a fresh SQLite database and on PostgreSQL;
2. the synthetic generator to files and into the database (bench_synth);
3. a synthetic registry of --persons persons built with `entas synth` on SQLite (and
   PostgreSQL), then registry search latency p50/p95 on it (bench_search);
4. `entas import` of a synthetic city of 500,000 households on SQLite (and PostgreSQL,
   database `entas_bench_import`) against DuckDB, Polars and COPY alone (bench_import);
5. record linkage of up to 1M synthetic person records: quality against the ground truth
   and against a generic Splink model, speed, memory, blocking, the warm path
   (bench_linkage; its synthetic city is kept in var/bench_linkage).
6. targeting: classification of a 500,000-household city on PostgreSQL and SQLite against
   the same rules in a Python loop, and of 10 M households from Parquet files with DuckDB
   (bench_targeting; its cities and files are kept in var/bench_targeting).
7. verval: balanced assignment of 20,000 families to 200 officers against round-robin,
   visit_submit and visit_approve latency, photo_prepare of a 12-megapixel photo, and the
   progress of a 500,000-assignment campaign (bench_verval; kept in var/bench_verval).
8. interventions: recommendations for 110,000 families against reading their inputs only,
   then a bulk proposal of 2,000 referrals against bare inserts (bench_interventions; kept
   in var/bench_interventions).
9. convergence: the city-wide family × organisation matrix, coverage gaps and double-dipping
   of 20,000 families with ~3 referrals each against a plain GROUP BY (bench_convergence;
   kept in var/bench_convergence).

Work files go to var/bench (removed at the start of a run). PostgreSQL is used when
a server answers on 127.0.0.1:5432; its database `entas_bench` is dropped and recreated.
"""

import argparse
import os
import shutil
import subprocess
import time
from pathlib import Path

from common import BIN, ROOT
from postgres import postgres_available, postgres_recreate, url_of

WORK = ROOT / "var" / "bench"
PG_NAME = "entas_bench"
PG_URL = url_of(PG_NAME)
PERSONS_PER_HOUSEHOLD = 3.69  # what the generator produces on average; the run prints the truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    arguments = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    databases = {"SQLite": f"sqlite:///{WORK / 'registry.sqlite3'}"}
    if not arguments.skip_postgres and postgres_available():
        databases["PostgreSQL"] = PG_URL
    print(f"entas benchmarks — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores")
    section("1. Region tree (91,599 Kemendagri codes)")
    for name, url in databases.items():
        fresh_database(url)
        entas(url, "migrate", "--no-input", "-v", "0")
        seconds, peak = timed(url, "load_regions")
        print(
            f"  {name:<10} load_regions: {seconds:6.2f} s,"
            f" {91_599 / seconds:,.0f} regions/s, peak {peak} MB"
        )
    section("2. Synthetic generator")
    # The database load is measured in step 3, where the search benchmark needs it anyway.
    run_script("bench_synth.py", "--persons", str(arguments.persons), "--no-database")
    households = round(arguments.persons / PERSONS_PER_HOUSEHOLD)
    for name, url in databases.items():
        section(f"3. Registry of ~{arguments.persons:,} persons on {name}")
        entas(url, "load_boundaries")
        seconds, peak = timed(
            url, "synth", "--households", str(households), "--seed", "7", "--replace"
        )
        persons = count_persons(url)
        print(
            f"  entas synth into {name}: {persons:,} persons in {seconds:.1f} s "
            f"= {persons / seconds:,.0f} persons/s, peak {peak} MB"
        )
        run_script("bench_search.py", url)
    section("4. Import of a synthetic city (500,000 households)")
    run_script("bench_import.py", *([] if "PostgreSQL" in databases else ["--skip-postgres"]))
    section("5. Record linkage: 100k, 300k and 1M person records of one city")
    run_script("bench_linkage.py")
    section("6. Targeting: 500,000 households in the database, 10 M from files (DuckDB)")
    run_script("bench_targeting.py", *([] if "PostgreSQL" in databases else ["--skip-postgres"]))
    section("7. Verval: balanced assignment, visits sent and approved, photos, progress")
    run_script("bench_verval.py", *([] if "PostgreSQL" in databases else ["--skip-postgres"]))
    section("8. Interventions: recommendations for 110,000 families")
    run_script(
        "bench_interventions.py", *([] if "PostgreSQL" in databases else ["--skip-postgres"])
    )
    section("9. Convergence: city matrix, coverage gaps, double-dipping (20,000 families)")
    run_script("bench_convergence.py", *([] if "PostgreSQL" in databases else ["--skip-postgres"]))


def section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def env_for(url: str) -> dict[str, str]:
    """DEBUG and the var folder at their development defaults, as these steps always ran;
    the benchmarks' own children run as in production (common.env_for)."""
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "entas.config.settings"}


def entas(url: str, *arguments: str) -> None:
    subprocess.run(
        [str(BIN / "entas"), *arguments],
        check=True,
        env=env_for(url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def timed(url: str, *arguments: str) -> tuple[float, int]:
    """Wall time and the child's peak resident memory in MB (run alone, so the peak is its own)."""
    start = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "python"), "-c", PEAK_WRAPPER, *arguments],
        check=True,
        env=env_for(url),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - start, int(result.stdout.strip().splitlines()[-1])


PEAK_WRAPPER = """
import pathlib, resource, subprocess, sys
entas = pathlib.Path(sys.executable).parent / "entas"
subprocess.run([str(entas), *sys.argv[1:]], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
"""


def run_script(script: str, *arguments: str) -> None:
    subprocess.run(
        [str(BIN / "python"), str(ROOT / "bench" / script), *arguments], check=True, cwd=ROOT
    )


def count_persons(url: str) -> int:
    code = (
        "import django; django.setup(); from entas.registry.models import Person;"
        " print(Person.objects.count())"
    )
    result = subprocess.run(
        [str(BIN / "python"), "-c", code],
        check=True,
        env=env_for(url),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return int(result.stdout.strip())


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    postgres_recreate(PG_NAME)


if __name__ == "__main__":
    main()
