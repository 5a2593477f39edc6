"""Benchmark of `entas import`: persons per second end to end, on SQLite and PostgreSQL.

Issue 3: a synthetic city (`entas synth --out`, 500,000 households by default) is imported
as the DTSEN family + member pair, first into an empty registry and then again (the second
run must change nothing), then its P3KE file, which links to the persons already loaded.
Each import is one `entas import` process, timed on the wall clock (interpreter start,
parse, validate, key-link and commit), with its own peak resident memory (ru_maxrss from
wait4). Baselines measured in the same run on the same member file, each in its own
process: a bare DuckDB scan and a bare Polars scan (a row count, and a scan that reads
every column), and PostgreSQL COPY alone into an all-text table. A dry run on a small and
on the full file shows whether peak memory grows with the file. Prints figures, asserts
nothing; a failing import prints the tail of its stderr and the run goes on.

    .venv/bin/python bench/bench_import.py [--households 500000] [--seed 7]
        [--skip-postgres] [--work var/bench/import] [--keep-files]

Work files (the synthetic files, the SQLite databases, each import's stdout/stderr) go
to --work. On PostgreSQL the database `entas_bench_import` is dropped and recreated.
Imports run with DEBUG off, as in production. The code measured is the last commit,
unpacked with `git archive HEAD src` into WORK/code and put first on PYTHONPATH, so that
a run measures one version while the working tree changes; --working-tree measures the
working tree as it is at each step instead.
"""

import argparse
import csv
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import ENTAS, ROOT, env_for, fresh_database, git
from postgres import PG_ADMIN, postgres_available, postgres_recreate, url_of

PG_NAME = "entas_bench_import"
PG_URL = url_of(PG_NAME)
FAMILIES, MEMBERS, P3KE = "dtsen_keluarga.csv", "dtsen_anggota.csv", "p3ke_individu.csv"
MEMORY_GOAL_MB = 1536
POSTGRES_GOAL = 250_000  # persons per second end to end, issue 3
SMALL_HOUSEHOLDS = 100_000  # the smaller file of the memory-flatness check
IDEMPOTENT_KEYS = ("households_created", "persons_created", "persons_updated")


@dataclass
class Run:
    """One measured process: wall seconds, peak memory and what it printed."""

    label: str
    seconds: float
    returncode: int
    peak_mb: float  # ru_maxrss of the process (and of any children it waited for)
    tree_mb: float  # largest sampled sum of RSS over the process and its children
    processes: int  # most processes seen at once in the tree
    cpu_seconds: float  # user + system time of the process and the children it waited for
    load: float  # 1-minute load average when it ended: other work on the machine shows here
    stdout: str
    stderr: str
    rows: int = 0
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and bool(self.result)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def memory(self) -> str:
        if self.processes > 1:
            return f"{self.peak_mb:.0f} ({self.processes} proc., sum {self.tree_mb:.0f})"
        return f"{self.peak_mb:.0f}"


# --- measuring -------------------------------------------------------------------------


def measured(label: str, command: list[str], env: dict[str, str], logs: Path) -> Run:
    """Run `command` to the end; wall time, ru_maxrss (wait4) and sampled RSS of its tree."""
    logs.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")
    out_path, err_path = logs / f"{slug}.out", logs / f"{slug}.err"
    tree_kb, processes = 0, 1
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=err)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            sampled, count = _tree_rss_kb(process.pid)
            tree_kb, processes = max(tree_kb, sampled), max(processes, count)
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        label=label,
        seconds=seconds,
        returncode=process.returncode,
        peak_mb=usage.ru_maxrss / 1024,
        tree_mb=max(tree_kb, usage.ru_maxrss) / 1024,
        processes=processes,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        load=os.getloadavg()[0],
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


def _tree_rss_kb(root: int) -> tuple[int, int]:
    """Sum of VmRSS over `root` and its descendants, and how many there are."""
    total, count, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    count += 1
            for task in Path(f"/proc/{pid}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total, count


def last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return {}
    return {}


def failed(run: Run) -> None:
    print(f"  !! {run.label} failed (exit {run.returncode}), last lines of stderr:")
    tail = (run.stderr.strip() or run.stdout.strip()).splitlines()[-15:]
    for line in tail:
        print(f"     {line[:200]}")


# --- databases --------------------------------------------------------------------------


def postgres_version() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return row[0] if row else "?"


def database_size_mb(url: str) -> float:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        extra = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
        return sum(p.stat().st_size for p in (path, *extra) if p.exists()) / 2**20
    import psycopg

    with psycopg.connect(PG_URL) as connection:
        row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
    return (row[0] if row else 0) / 2**20


def code_snapshot(work: Path) -> str:
    """Unpack the last commit's src/ under WORK/code and put it first on PYTHONPATH: every
    process started from now on imports it."""
    target = work / "code"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    commit = git("rev-parse", "--short", "HEAD")
    archive = subprocess.run(
        ["git", "archive", commit, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    for compiled in (ROOT / "src").rglob("*.mo"):  # built at set-up, not in git
        destination = target / compiled.relative_to(ROOT)
        if destination.parent.exists():
            shutil.copy2(compiled, destination)
    os.environ["PYTHONPATH"] = str(target / "src")
    where = subprocess.run(
        [sys.executable, "-c", "import entas; print(entas.__file__)"],
        env=env_for("", work),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not where.startswith(str(target)):
        sys.exit(f"the snapshot is not what Python imports: {where}")
    return commit


# --- the synthetic city -----------------------------------------------------------------


def city_files(households: int, seed: int, folder: Path, work: Path, keep: bool) -> dict:
    """`entas synth --out`; the manifest. Reused with --keep-files when it matches."""
    manifest_path = folder / "manifest.json"
    if keep and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if (manifest.get("households_requested"), manifest.get("seed")) == (households, seed):
            print(f"  {households:,} households: reusing {folder.relative_to(ROOT)}")
            return manifest
    shutil.rmtree(folder, ignore_errors=True)
    regions = f"sqlite:///{work / 'regions.sqlite3'}"  # the generator reads the region tree
    if not (work / "regions.sqlite3").exists():
        fresh_database(regions, work)
    run = measured(
        f"synth {households}",
        [ENTAS, "synth", "--households", str(households), "--seed", str(seed)]
        + ["--out", str(folder)],
        env_for(regions, work),
        work / "logs",
    )
    if run.returncode:
        failed(run)
        sys.exit("the synthetic files are needed for everything else")
    manifest = json.loads(manifest_path.read_text())
    persons = manifest["files"][MEMBERS]
    print(
        f"  {households:,} households: entas synth --out in {run.seconds:.1f} s"
        f" ({persons / run.seconds:,.0f} member rows/s), peak {run.memory} MB"
    )
    return manifest


def describe_files(folder: Path, manifest: dict) -> None:
    counts = manifest["counts"]
    print(
        f"    {counts['persons']:,} persons in {counts['households']:,} households;"
        f" {counts['registry_persons']:,} member records with duplicates, deaths and moves"
    )
    for name in (FAMILIES, MEMBERS, P3KE):
        size = (folder / name).stat().st_size / 2**20
        print(f"    {name:<20} {manifest['files'][name]:>11,} rows  {size:8.1f} MB")


# --- baselines (each in its own process: --child KIND) -----------------------------------


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as file:
        return next(csv.reader(file))


def child_duckdb(path: Path) -> dict[str, Any]:
    import duckdb

    connection = duckdb.connect()
    source = f"read_csv('{path}', all_varchar=true)"
    columns = header(path)
    touch = " + ".join(f'coalesce(length("{column}"), 0)' for column in columns)
    started = time.perf_counter()
    ((rows,),) = connection.execute(f"SELECT count(*) FROM {source}").fetchall()  # noqa: S608
    count_seconds = time.perf_counter() - started
    started = time.perf_counter()
    (scan,) = connection.execute(
        f'SELECT count(DISTINCT "{columns[0]}"), max(length("nama")), sum({touch})'  # noqa: S608
        f" FROM {source}"
    ).fetchall()
    all_seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "count_seconds": count_seconds,
        "all_seconds": all_seconds,
        "check": [int(value) for value in scan],
        "version": duckdb.__version__,
    }


def child_polars(path: Path) -> dict[str, Any]:
    import polars as pl

    columns = header(path)
    started = time.perf_counter()
    rows = pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item()
    count_seconds = time.perf_counter() - started
    started = time.perf_counter()
    touch = pl.sum_horizontal(
        [pl.col(column).str.len_bytes().cast(pl.UInt64).fill_null(0) for column in columns]
    )
    scan = (
        pl.scan_csv(path, infer_schema=False)
        .select(
            pl.col(columns[0]).n_unique().alias("distinct"),
            pl.col("nama").str.len_chars().max().alias("longest"),
            touch.sum().alias("characters"),
        )
        .collect()
        .row(0)
    )
    all_seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "count_seconds": count_seconds,
        "all_seconds": all_seconds,
        "check": [int(value) for value in scan],
        "version": pl.__version__,
    }


def child_copy(paths: list[Path]) -> dict[str, Any]:
    """COPY FROM STDIN of each file, in 1 MB chunks, into a table of text columns."""
    import psycopg

    results = {}
    with psycopg.connect(PG_URL) as connection:
        for number, path in enumerate(paths):
            table = f"bench_copy_{number}"
            columns = ", ".join(f'"{column}" text' for column in header(path))
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                cursor.execute(f"CREATE TABLE {table} ({columns})")
                connection.commit()
                started = time.perf_counter()
                statement = f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)"
                with path.open("rb") as file, cursor.copy(statement) as copy:
                    while chunk := file.read(2**20):
                        copy.write(chunk)
                rows = cursor.rowcount
                connection.commit()
                seconds = time.perf_counter() - started
                cursor.execute(f"DROP TABLE {table}")
                connection.commit()
            results[path.name] = {"rows": rows, "seconds": seconds}
    return {"files": results}


def baseline(kind: str, paths: list[Path], work: Path, url: str = "") -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, *map(str, paths)]
    run = measured(f"baseline {kind}", command, env_for(url, work), work / "logs")
    if run.returncode:
        failed(run)
        return {}
    return {**last_json(run.stdout), "peak_mb": run.peak_mb}


# --- imports ----------------------------------------------------------------------------


def import_run(
    label: str,
    url: str,
    work: Path,
    files: list[Path],
    source: str,
    as_of: str,
    rows: int,
    *options: str,
) -> Run:
    command = [ENTAS, "import", *map(str, files), "--source", source, *options]
    if as_of:
        command += ["--as-of", as_of]
    run = measured(label, command, env_for(url, work), work / "logs")
    run.rows = rows
    run.result = last_json(run.stdout) if run.returncode == 0 else {}
    if not run.ok:
        failed(run)
    else:
        print(
            f"  {label}: {run.seconds:.1f} s, {run.rate:,.0f} persons/s, peak {run.memory} MB",
            flush=True,
        )
    return run


def database_runs(
    name: str, url: str, work: Path, folder: Path, manifest: dict[str, Any]
) -> list[tuple[str, Run]]:
    print(f"\n== Import into {name} ==", flush=True)
    fresh_database(url, work)
    pair = [folder / FAMILIES, folder / MEMBERS]
    members, p3ke_rows = manifest["files"][MEMBERS], manifest["files"][P3KE]
    as_of, p3ke_as_of = manifest.get("as_of", ""), manifest.get("p3ke_as_of", "")
    runs = []
    for run_name in ("DTSEN first", "DTSEN again"):
        run = import_run(f"{name} {run_name}", url, work, pair, "dtsen", as_of, members)
        runs.append((run_name, run))
    again = runs[1][1]
    if again.ok:
        changes = {key: again.result.get(key) for key in IDEMPOTENT_KEYS}
        verdict = "yes" if all(value == 0 for value in changes.values()) else "NO"
        print(f"  second import changed nothing: {verdict} {changes}")
    run = import_run(f"{name} P3KE", url, work, [folder / P3KE], "p3ke", p3ke_as_of, p3ke_rows)
    runs.append(("P3KE linked", run))
    print(f"  database size after the imports: {database_size_mb(url):,.0f} MB")
    return runs


def flatness(work: Path, sizes: list[tuple[int, Path, dict[str, Any]]]) -> list[Run]:
    """Dry runs of the DTSEN pair of each size into a fresh SQLite registry."""
    print("\n== Memory against file size: entas import --dry-run on SQLite ==", flush=True)
    url = f"sqlite:///{work / 'dry-run.sqlite3'}"
    fresh_database(url, work)
    runs = []
    for households, folder, manifest in sizes:
        size = sum((folder / name).stat().st_size for name in (FAMILIES, MEMBERS)) / 2**20
        run = import_run(
            f"dry run {households:,} households ({size:,.0f} MB)",
            url,
            work,
            [folder / FAMILIES, folder / MEMBERS],
            "dtsen",
            manifest.get("as_of", ""),
            manifest["files"][MEMBERS],
            "--dry-run",
        )
        runs.append(run)
    return runs


# --- report -----------------------------------------------------------------------------


def rate(result: dict[str, Any], key: str) -> float:
    return result["rows"] / result[key] if result.get(key) else 0.0


def report_baselines(duck: dict, polars: dict, copy: dict, members: int) -> None:
    print(f"\n== Baselines on {MEMBERS} ({members:,} rows), each in its own process ==")
    for name, result in (("DuckDB", duck), ("Polars", polars)):
        if not result:
            continue
        print(
            f"  {name} {result['version']:<7} count(*) {result['count_seconds']:6.2f} s"
            f" = {rate(result, 'count_seconds'):>12,.0f} rows/s;"
            f" every column {result['all_seconds']:6.2f} s"
            f" = {rate(result, 'all_seconds'):>12,.0f} rows/s; peak {result['peak_mb']:.0f} MB"
        )
    if copy:
        for name, result in copy["files"].items():
            print(
                f"  PostgreSQL COPY {name}: {result['rows']:,} rows in {result['seconds']:.2f} s"
                f" = {result['rows'] / result['seconds']:,.0f} rows/s"
            )
        pair = sum(result["seconds"] for result in copy["files"].values())
        print(
            f"  PostgreSQL COPY of both DTSEN files: {pair:.2f} s"
            f" = {members / pair:,.0f} persons/s; peak {copy['peak_mb']:.0f} MB"
        )


def report_table(
    results: list[tuple[str, str, Run]], duck: dict[str, Any], copy_rate: float
) -> None:
    print("\n== Imports (persons/s = member rows of the file / wall seconds of the process) ==")
    duck_all, duck_count = rate(duck, "all_seconds"), rate(duck, "count_seconds")
    print(
        f"  {'database':<11}{'run':<13}{'seconds':>8}{'cpu s':>7}{'persons/s':>10}"
        f"{'÷DuckDB':>9}{'÷count':>8}{'÷COPY':>7}{'load':>6}  peak MB"
    )
    for database, run_name, run in results:
        if not run.ok:
            print(f"  {database:<11}{run_name:<13}{'failed':>8}  (exit {run.returncode})")
            continue
        dtsen = run_name.startswith("DTSEN")  # the baselines read the DTSEN member file

        def ratio(base: float, applies: bool = True, run: Run = run) -> str:
            return f"{run.rate / base:.2f}" if base and applies else "—"

        print(
            f"  {database:<11}{run_name:<13}{run.seconds:8.1f}{run.cpu_seconds:7.1f}"
            f"{run.rate:10,.0f}{ratio(duck_all, dtsen):>9}{ratio(duck_count, dtsen):>8}"
            f"{ratio(copy_rate, dtsen and database == 'PostgreSQL'):>7}{run.load:6.1f}"
            f"  {run.memory}"
        )
        print(f"  {'':<11}{json.dumps(run.result, separators=(',', ':'))}")
    print(
        "  cpu s: user+system time of the import process (the database server's is not in it);"
        "\n  ÷DuckDB, ÷count: import persons/s ÷ DuckDB rows/s reading every column of the member"
        " file, or counting its rows;\n  ÷COPY: ÷ COPY rows/s of the member file alone;"
        " load: 1-minute load average when the run ended (2 cores)."
    )


def report_goals(results: list[tuple[str, str, Run]], dry_runs: list[Run]) -> None:
    print("\n== Against the goals of issue 3 (figures, not checks) ==")
    for database, run_name, run in results:
        if database == "PostgreSQL" and run_name == "DTSEN first" and run.ok:
            print(
                f"  PostgreSQL first import: {run.rate:,.0f} persons/s (goal ≥ {POSTGRES_GOAL:,})"
            )
    peaks = [run for _d, _n, run in results if run.ok] + [run for run in dry_runs if run.ok]
    if peaks:
        top = max(peaks, key=lambda run: run.tree_mb)
        print(
            f"  largest import peak: {top.tree_mb:,.0f} MB ({top.label}; goal < {MEMORY_GOAL_MB:,})"
        )
    if len(dry_runs) == 2 and all(run.ok for run in dry_runs):
        small, full = dry_runs
        print(
            f"  dry-run peak {small.tree_mb:,.0f} MB at {small.rows:,} rows,"
            f" {full.tree_mb:,.0f} MB at {full.rows:,} rows"
            f" ({full.rows / small.rows:.1f}x the rows,"
            f" {full.tree_mb / small.tree_mb:.2f}x the memory)"
        )


# --- main -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "import")
    parser.add_argument(
        "--keep-files", action="store_true", help="reuse synthetic files of the same size and seed"
    )
    parser.add_argument(
        "--working-tree",
        action="store_true",
        help="measure the working tree instead of a snapshot of the last commit",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child = {"duckdb": child_duckdb, "polars": child_polars}.get(arguments.child)
        result = child(arguments.paths[0]) if child else child_copy(arguments.paths)
        print(json.dumps(result))
        return

    work = arguments.work.resolve()
    if not arguments.keep_files:
        shutil.rmtree(work, ignore_errors=True)
    else:  # keep the synthetic files, nothing else
        for stale in work.glob("*"):
            if stale.is_dir() and stale.name.startswith("files"):
                continue
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    (work / "var").mkdir(parents=True)
    use_postgres = not arguments.skip_postgres and postgres_available()
    uncommitted = len(git("status", "--short", "--", "src").splitlines())
    if arguments.working_tree:
        commit = git("rev-parse", "--short", "HEAD")
        code = f"the working tree at {commit} with {uncommitted} uncommitted changes under src/"
    else:
        commit = code_snapshot(work)
        code = f"commit {commit} (git archive into {work.name}/code"
        code += f"; {uncommitted} uncommitted changes under src/ left out)"
    print(
        f"entas import benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
        + (f", PostgreSQL {postgres_version()}" if use_postgres else "")
    )
    print(f"Code measured: {code}")

    print("\n== Synthetic city files ==", flush=True)
    households = arguments.households
    folder = work / "files"
    manifest = city_files(households, arguments.seed, folder, work, arguments.keep_files)
    describe_files(folder, manifest)
    members = manifest["files"][MEMBERS]
    sizes = [(households, folder, manifest)]
    small = min(SMALL_HOUSEHOLDS, households // 5)
    if small >= 1:
        small_folder = work / "files-small"
        small_manifest = city_files(small, arguments.seed, small_folder, work, arguments.keep_files)
        sizes.insert(0, (small, small_folder, small_manifest))

    duck = baseline("duckdb", [folder / MEMBERS], work)
    polars = baseline("polars", [folder / MEMBERS], work)
    copy: dict[str, Any] = {}
    if use_postgres:
        postgres_recreate(PG_NAME)
        copy = baseline("copy", [folder / MEMBERS, folder / FAMILIES], work, PG_URL)
    report_baselines(duck, polars, copy, members)

    dry_runs = flatness(work, sizes)
    results: list[tuple[str, str, Run]] = []
    databases = {"SQLite": f"sqlite:///{work / 'registry.sqlite3'}"}
    if use_postgres:
        databases["PostgreSQL"] = PG_URL
    for name, url in databases.items():
        for run_name, run in database_runs(name, url, work, folder, manifest):
            results.append((name, run_name, run))

    copy_rate = 0.0
    if copy:
        copy_rate = copy["files"][MEMBERS]["rows"] / copy["files"][MEMBERS]["seconds"]
    report_table(results, duck, copy_rate)
    report_goals(results, dry_runs)
    now = git("rev-parse", "--short", "HEAD")
    if now != commit:
        print(f"\nHEAD moved to {now} during the run; the figures above are of {commit}.")
    print(f"\nLogs of every process: {work / 'logs'}")


if __name__ == "__main__":
    main()
