"""A real kill -9 in the middle of a commit leaves the registry exactly as before."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ENTAS = str(Path(sys.executable).parent / "entas")
REGISTRY_TABLES = (
    "registry_household",
    "registry_person",
    "registry_membership",
    "registry_personnametoken",
    "registry_welfarerecord",
)


def entas(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([ENTAS, *args], capture_output=True, text=True, env=env, check=True)  # noqa: S603


def counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in REGISTRY_TABLES
        }


def committing(database: Path) -> bool:
    try:
        with sqlite3.connect(database, timeout=0.1) as db:
            row = db.execute(
                "SELECT status, phase FROM imports_importbatch ORDER BY id DESC LIMIT 1"
            ).fetchone()
    except sqlite3.OperationalError:
        return False
    return row is not None and row == ("disimpan", "menyimpan ke registri")


def test_kill_during_commit_then_import_again(tmp_path):
    database = tmp_path / "registry.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    entas("migrate", "--no-input", "-v", "0", env=env)
    entas("load_regions", env=env)
    entas("synth", "--households", "8000", "--seed", "4", "--out", str(tmp_path / "city"), env=env)
    files = [
        str(tmp_path / "city" / "dtsen_keluarga.csv"),
        str(tmp_path / "city" / "dtsen_anggota.csv"),
    ]
    before = counts(database)

    process = subprocess.Popen(  # noqa: S603
        [ENTAS, "import", *files], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while not committing(database):
        assert process.poll() is None, "the import ended before its commit could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.3)  # well inside the write
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    assert counts(database) == before
    again = entas("import", *files, env=env)
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert summary["persons_created"] > 10_000
    after = counts(database)
    assert after["registry_person"] == summary["persons_created"]
    assert after["registry_household"] == summary["households_created"]
