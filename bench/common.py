"""What the benchmarks share: the environment of their child processes, `entas` commands,
fresh databases, one `--child KIND` process per measurement (so its peak memory is its
own), the cities they keep between runs, percentiles and the run's first line."""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postgres import postgres_available, postgres_recreate, url_of

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENTAS = str(BIN / "entas")


def env_for(url: str, work: Path) -> dict[str, str]:
    """A child's environment: the database at `url`, DEBUG off as in production, work files
    under `work`/var."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "entas.config.settings",
        "ENTAS_HOME": str(ROOT),
        "ENTAS_VAR_DIR": str(work / "var"),
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret",
        "PYTHONUNBUFFERED": "1",
    }


def entas(url: str, work: Path, *arguments: str) -> float:
    """`entas ARGUMENTS` on the database at `url`, its output dropped: the wall seconds. A
    failure ends the benchmark with the tail of its stderr."""
    started = time.perf_counter()
    completed = subprocess.run(
        [ENTAS, *arguments],
        env=env_for(url, work),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode:
        sys.exit(f"entas {' '.join(arguments)} failed:\n{completed.stderr[-3000:]}")
    return time.perf_counter() - started


def fresh_database(url: str, work: Path) -> None:
    """An empty, migrated database with the region tree at `url` (not timed): the SQLite
    file is removed with its WAL, the PostgreSQL database dropped and created."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
    else:
        postgres_recreate(url.rsplit("/", 1)[-1])
    entas(url, work, "migrate", "--no-input", "-v", "0")
    entas(url, work, "load_regions")


def measured(command: list[str], env: dict[str, str], logs: Path) -> tuple[float, float, str]:
    """Run `command` to the end: wall seconds, its peak RSS in MB (wait4), its stdout. Its
    output goes to `logs`/last.out and .err; a failure ends the benchmark with the tail."""
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "last.out").open("w+") as out, (logs / "last.err").open("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0), err.seek(0)
        if os.waitstatus_to_exitcode(status):
            sys.exit(f"{' '.join(command[:4])} failed:\n{err.read()[-3000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


def git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()


def title(name: str) -> str:
    """The first line of a benchmark's output: when, on how many cores, which commit."""
    return (
        f"entas {name} benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores,"
        f" commit {git('rev-parse', '--short', 'HEAD')}"
    )


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 (nearest rank) in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def database_options(parser: argparse.ArgumentParser) -> None:
    """The options `databases` reads, --fresh and the hidden --child KIND."""
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cities")
    parser.add_argument("--child", help=argparse.SUPPRESS)


def databases(arguments: argparse.Namespace, sqlite_url: str, postgres_name: str) -> dict[str, str]:
    """The databases to measure: SQLite unless --skip-sqlite, then PostgreSQL unless
    --skip-postgres or no server answers."""
    found = {}
    if not arguments.skip_sqlite:
        found["SQLite"] = sqlite_url
    if not arguments.skip_postgres and postgres_available():
        found["PostgreSQL"] = url_of(postgres_name)
    return found


def same_flags(arguments: argparse.Namespace) -> list[str]:
    """The whole-number options a benchmark was given, as flags for its children."""
    return [
        f"--{name.replace('_', '-')}={value}"
        for name, value in vars(arguments).items()
        if isinstance(value, int) and not isinstance(value, bool)
    ]


# --- in the child --------------------------------------------------------------------------


def django_setup() -> None:
    import django

    django.setup()


def child_print(result: dict[str, Any]) -> None:
    """A child's last line: its result as JSON, with its own peak resident memory."""
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


# --- one benchmark -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bench:
    """A benchmark script and its work folder (var/bench_NAME), where it keeps its cities."""

    script: str  # the benchmark's __file__: its children run it again with --child KIND
    work: Path

    def entas(self, url: str, *arguments: str) -> float:
        return entas(url, self.work, *arguments)

    def fresh_database(self, url: str) -> None:
        fresh_database(url, self.work)

    def child(self, kind: str, *flags: str, url: str = "", check: bool = True) -> dict[str, Any]:
        """A `--child KIND` process on the database at `url`: its JSON result (see
        `child_print`) and its wall time. When it fails, the benchmark ends (`check`) or
        the failure is printed and the result is empty."""
        command = [sys.executable, str(Path(self.script).resolve()), "--child", kind, *flags]
        started = time.perf_counter()
        completed = subprocess.run(
            command,
            env=env_for(url, self.work),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode and check:
            sys.exit(f"--child {kind} failed:\n{completed.stderr[-3000:]}")
        if completed.returncode:
            print(f"  !! --child {kind} failed:\n{completed.stderr[-2500:]}")
            return {}
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        result["wall"] = time.perf_counter() - started
        return result

    def city_known(self, name: str, wanted: dict[str, Any], *, fresh: bool) -> dict[str, Any]:
        """What the marker of the kept city on database `name` says, when that city was
        built with `wanted` (and --fresh was not asked for); else nothing."""
        marker = self.work / f"city-{name.lower()}.json"
        if fresh or not marker.exists():
            return {}
        known = json.loads(marker.read_text())
        return known if {key: known.get(key) for key in wanted} == wanted else {}

    def city_built(self, name: str, known: dict[str, Any]) -> dict[str, Any]:
        """Mark the city on database `name` as built from `known`; what the marker says."""
        known = {**known, "built": time.strftime("%Y-%m-%d %H:%M")}
        (self.work / f"city-{name.lower()}.json").write_text(json.dumps(known, indent=2) + "\n")
        return known

    def synth_city(self, name: str, url: str, arguments: argparse.Namespace) -> None:
        """`entas synth --households N --seed S` into a fresh database, or the city kept
        from an earlier run with the same size and seed (--fresh rebuilds it)."""
        wanted = {"households": arguments.households, "seed": arguments.seed}
        known = self.city_known(name, wanted, fresh=arguments.fresh)
        if known:
            self.entas(url, "migrate", "--no-input", "-v", "0")  # the code may be newer
            print(f"  city reused (city-{name.lower()}.json, built {known.get('built', '?')})")
            return
        households = arguments.households
        print(f"  building the city: entas synth --households {households:,} …", flush=True)
        self.fresh_database(url)
        seconds = self.entas(
            url, "synth", "--households", str(households), "--seed", str(arguments.seed)
        )
        print(f"  entas synth: {seconds:.1f} s")
        self.city_built(name, wanted)
