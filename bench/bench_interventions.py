"""Interventions (issue 7): recommendations for 100,000 families in under a minute, on SQLite
and PostgreSQL, against the time to only read the input frames.

    python bench/bench_interventions.py [--households 110000] [--seed 7] [--runs 2]
        [--skip-postgres] [--skip-sqlite] [--fresh]

- The city: `entas synth --households N --seed S` into a SQLite file
  (var/bench_interventions/registry.sqlite3) and a throwaway PostgreSQL database
  (`entas_bench_interventions`), kept with a marker and reused; --fresh rebuilds.
- The period's families: every active household is put into period 2025-01 by **one
  direct INSERT … SELECT** into `targeting_classification` (every fifth `ekstrem`, the rest
  `miskin`), not by the targeting rules: the synthetic city has far fewer poor families
  than 100,000, and this bench measures recommendations, not classification.
- Open needs: one `Need` for 3 households in 5 and a second for 1 in 4, kinds spread over
  all 15 need kinds by household id; needs of one adult (device, training, chronic care,
  KB) name the family's head, the others (a toddler's stunting risk, schooling, ...) the
  family. Also one direct INSERT …
  SELECT. They all point at one real approved visit: the run reads the needs, never the
  visits.
- The catalogue: `entas load_programmes` (19 example programmes).
- Measured, each in its own process (its own peak memory): the baseline
  (`recommendation_inputs`: the bulk reads into Polars frames, nothing evaluated or
  written) and `recommendations_run` --runs times (the first writes into an empty period,
  later ones replace the open rows).

Figures are printed, never asserted.
"""

# ruff: noqa: S608 - every statement here is built from constants and numbers, no input

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from postgres import postgres_available, postgres_recreate, url_of

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENTAS = str(BIN / "entas")
WORK = ROOT / "var" / "bench_interventions"
PG_NAME = "entas_bench_interventions"
SQLITE_URL = f"sqlite:///{WORK / 'registry.sqlite3'}"
GOAL_SECONDS = 60.0
NEED_KINDS = (
    "alat_bantu", "modal_usaha", "pelatihan", "rtlh", "pangan", "pbi_jkn", "perawatan_kronis",
    "balita_stunting", "ibu_hamil", "kb", "sekolah", "air_bersih", "sanitasi", "listrik",
    "dokumen",
)  # fmt: skip
PERSON_NEEDS = ("alat_bantu", "pelatihan", "perawatan_kronis", "kb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=110_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cities")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        import django

        django.setup()
        result = CHILDREN[arguments.child]()
        result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(result))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    print(
        f"entas interventions benchmark — {time.strftime('%Y-%m-%d %H:%M')},"
        f" {os.cpu_count()} cores, commit {git('rev-parse', '--short', 'HEAD')}"
    )
    databases = {}
    if not arguments.skip_sqlite:
        databases["SQLite"] = SQLITE_URL
    if not arguments.skip_postgres and postgres_available():
        databases["PostgreSQL"] = url_of(PG_NAME)
    for name, url in databases.items():
        database_bench(name, url, arguments)


def env_for(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "entas.config.settings",
        "ENTAS_HOME": str(ROOT),
        "ENTAS_VAR_DIR": str(WORK / "var"),
        "DEBUG": "0",
        "SECRET_KEY": "bench-interventions-only-not-a-secret",
        "PYTHONUNBUFFERED": "1",
    }


def git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()


def entas(url: str, *arguments: str) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        [ENTAS, *arguments], env=env_for(url), cwd=ROOT, capture_output=True, text=True
    )
    if completed.returncode:
        sys.exit(f"entas {' '.join(arguments)} failed:\n{completed.stderr[-3000:]}")
    return time.perf_counter() - started


def child(kind: str, url: str) -> dict[str, Any]:
    """A `--child KIND` process: its JSON result, with its peak memory and wall time."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    started = time.perf_counter()
    completed = subprocess.run(command, env=env_for(url), cwd=ROOT, capture_output=True, text=True)
    if completed.returncode:
        sys.exit(f"--child {kind} failed:\n{completed.stderr[-3000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started
    return result


# --- the city ----------------------------------------------------------------------------


def city(name: str, url: str, arguments: argparse.Namespace) -> None:
    marker = WORK / f"city-{name.lower()}.json"
    wanted = {"households": arguments.households, "seed": arguments.seed}
    if marker.exists() and not arguments.fresh:
        known = json.loads(marker.read_text())
        if {key: known.get(key) for key in wanted} == wanted:
            entas(url, "migrate", "--no-input", "-v", "0")
            print(f"  city reused ({marker.name}, built {known['built']})")
            return
    print(f"  building the city: entas synth --households {arguments.households:,} …", flush=True)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        postgres_recreate(PG_NAME)
    entas(url, "migrate", "--no-input", "-v", "0")
    entas(url, "load_regions")
    seconds = entas(
        url, "synth", "--households", str(arguments.households), "--seed", str(arguments.seed)
    )
    print(f"  entas synth: {seconds:.0f} s")
    marker.write_text(
        json.dumps({**wanted, "built": time.strftime("%Y-%m-%d %H:%M")}, indent=2) + "\n"
    )


def database_bench(name: str, url: str, arguments: argparse.Namespace) -> None:
    print(f"\n== {name} ==", flush=True)
    city(name, url, arguments)
    entas(url, "load_programmes")
    prepared = child("prepare", url)
    print(
        f"  period 2025-01: {prepared['households']:,} families ({prepared['extreme']:,} ekstrem),"
        f" {prepared['persons']:,} current members, {prepared['needs']:,} open needs,"
        f" {prepared['programmes']} programmes (prepared in {prepared['seconds']:.1f} s)"
    )
    baseline = child("inputs", url)
    print(
        f"  baseline, read the input frames only: {baseline['seconds']:6.2f} s,"
        f" peak {baseline['peak_mb']} MB"
    )
    for number in range(1, arguments.runs + 1):
        run = child("run", url)
        rate = run["households"] / run["seconds"]
        verdict = "met" if run["seconds"] < GOAL_SECONDS else "MISSED"
        print(
            f"  recommendations_run #{number}: {run['seconds']:6.2f} s"
            f" ({run['seconds'] - baseline['seconds']:+.2f} s over the baseline),"
            f" {rate:,.0f} families/s, {run['total']:,} recommendations,"
            f" peak {run['peak_mb']} MB — goal < {GOAL_SECONDS:.0f} s {verdict}"
        )
    print(
        "  per programme (last run): "
        + ", ".join(f"{k} {v:,}" for k, v in run["per_programme"].items())
    )


# --- children (inside Django) --------------------------------------------------------------


def prepare() -> dict[str, Any]:
    """Period 2025-01 with every active household classified, open needs, one visit."""
    import datetime as dt

    from django.db import connection, transaction

    from entas.interventions.models import Recommendation
    from entas.targeting.models import Classification, Period
    from entas.verval.models import Need

    started = time.perf_counter()
    with transaction.atomic():
        Recommendation.objects.all().delete()
        period, _ = Period.objects.get_or_create(
            code="2025-01",
            defaults={
                "name": "Januari 2025", "starts_on": dt.date(2025, 1, 1),
                "ends_on": dt.date(2025, 1, 31),
            },
        )  # fmt: skip
        Classification.objects.filter(period=period).delete()
        Need.objects.all().delete()
        visit_id = _one_visit(period)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO targeting_classification (period_id, household_id, kelurahan_id,"
                " status, rule, members, expenditure_source, desil_source, finding_outcome,"
                f" is_candidate) SELECT {period.pk}, id, kelurahan_id,"
                " CASE WHEN id % 5 = 0 THEN 'ekstrem' ELSE 'miskin' END, 'pengeluaran', 0, '',"
                " '', '', FALSE FROM registry_household WHERE status = 'aktif'"
            )
            for share, multiplier in (("id % 5 < 3", 7), ("id % 4 = 0", 11)):
                cursor.execute(_needs_sql(visit_id, share, multiplier))
    from entas.interventions.recommendations import recommendation_inputs

    inputs = recommendation_inputs(period=period)
    return {
        "households": inputs.households.height,
        "extreme": inputs.households.filter(inputs.households["status"] == "ekstrem").height,
        "persons": inputs.persons.height,
        "needs": inputs.needs.height,
        "programmes": _programme_count(),
        "seconds": time.perf_counter() - started,
    }


def _programme_count() -> int:
    from entas.interventions.models import Programme

    return Programme.objects.filter(is_active=True).count()


def _needs_sql(visit_id: int, share: str, multiplier: int) -> str:
    kinds = " ".join(f"WHEN {number} THEN '{kind}'" for number, kind in enumerate(NEED_KINDS))
    kind = f"CASE (h.id * {multiplier}) % {len(NEED_KINDS)} {kinds} END"
    person_kinds = ", ".join(f"'{kind}'" for kind in PERSON_NEEDS)
    return (
        "INSERT INTO verval_need (created_at, updated_at, household_id, person_id, kind,"
        " detail, note, status, visit_id, closed_note)"
        f" SELECT CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, h.id,"
        f" CASE WHEN {kind} IN ({person_kinds}) THEN m.person_id END, {kind}, '', '',"
        f" 'terbuka', {visit_id}, ''"
        " FROM registry_household h LEFT JOIN registry_membership m ON m.household_id = h.id"
        " AND m.end_date IS NULL AND m.relationship = 'kepala'"
        f" WHERE h.status = 'aktif' AND h.{share}"
    )


def _one_visit(period: Any) -> int:
    """One approved visit (of the first household) that every synthetic need points at."""
    import datetime as dt

    from entas.accounts.models import Role, User
    from entas.registry.models import Household
    from entas.verval.models import Assignment, Campaign, Visit

    officer, _ = User.objects.get_or_create(
        username="bench-petugas", defaults={"role": Role.FIELD_OFFICER}
    )
    family = Household.objects.order_by("pk").first()
    assert family is not None, "the synthetic city is empty"  # noqa: S101 - a bench's guard
    campaign = Campaign.objects.create(
        name="Verval bench", period=period, starts_on=dt.date(2025, 1, 2),
        deadline=dt.date(2025, 1, 31), created_by=officer,
    )  # fmt: skip
    assignment = Assignment.objects.create(
        campaign=campaign, household=family, kelurahan_id=family.kelurahan_id, officer=officer,
        reason="ekstrem",
    )  # fmt: skip
    moment = dt.datetime(2025, 1, 20, 9, 0, tzinfo=dt.UTC)
    visit = Visit.objects.create(
        assignment=assignment, household=family, officer=officer, visited_at=moment,
        outcome="layak", consent="setuju", submitted_at=moment,
    )  # fmt: skip
    return visit.pk


def inputs_only() -> dict[str, Any]:
    from entas.interventions.recommendations import recommendation_inputs
    from entas.targeting.models import Period

    period = Period.objects.get(code="2025-01")
    started = time.perf_counter()
    inputs = recommendation_inputs(period=period)
    return {"seconds": time.perf_counter() - started, "households": inputs.households.height}


def run() -> dict[str, Any]:
    from entas.interventions.recommendations import recommendations_run
    from entas.targeting.models import Period

    period = Period.objects.get(code="2025-01")
    started = time.perf_counter()
    result = recommendations_run(actor=None, period=period)
    return {
        "seconds": time.perf_counter() - started,
        "households": result.households,
        "total": result.total,
        "per_programme": result.per_programme,
    }


CHILDREN = {"prepare": prepare, "inputs": inputs_only, "run": run}


if __name__ == "__main__":
    main()
