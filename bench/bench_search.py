"""Registry search latency, through the selector and through the HTTP view (as an admin).

    python bench/bench_search.py [DATABASE_URL]

Uses whatever database the settings point at (e.g. the 1M-person synthetic registry
built by `entas synth`). Each case runs on randomly sampled existing records; a plain
indexed `Person.objects.filter(nik=...)` lookup is timed alongside as the baseline, so the
ratios say how much the scoping, ordering, counting and rendering cost on top of it.
Planner statistics of the registry tables are refreshed first (VACUUM ANALYZE on
PostgreSQL, ANALYZE on SQLite), as autovacuum would have done on a database in service:
right after a bulk load PostgreSQL has no statistics and no visibility map, and picks
plans ten times slower than it will a few minutes later. Otherwise nothing is written:
the HTTP requests (which log a `registry.search` audit event) and the benchmark user run
inside a transaction that is rolled back. Figures are printed, never asserted.
"""

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

REPEATS = 40
SEED = 2025


def _setup(db_url: str | None) -> None:
    if db_url:
        os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "entas.config.settings")
    import django

    django.setup()


def _timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def _percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": round(cuts[18], 2)}


REGISTRY_TABLES = (
    "registry_person",
    "registry_personnametoken",
    "registry_membership",
    "registry_household",
)


def _refresh_statistics() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in REGISTRY_TABLES:
            command = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")


def _sample_people(count: int) -> list[Any]:
    from entas.registry.models import Person

    rng = random.Random(SEED)
    bounds = Person.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    if low is None or high is None:
        raise SystemExit("The registry is empty: build it first (entas synth).")
    people: list[Any] = []
    while len(people) < count:
        person = (
            Person.objects.filter(pk__gte=rng.randint(low, high), nik__isnull=False)
            .prefetch_related("memberships__household")
            .order_by("pk")
            .first()
        )
        if person is not None and person.memberships.all():
            people.append(person)
    return people


def _name_query(full_name: str) -> str:
    words = full_name.split()
    return f"{words[0][:3]} {words[-1][:4]}" if len(words) > 1 else words[0][:4]


def _cases(people: list[Any]) -> dict[str, list[dict[str, Any]]]:
    household = [person.memberships.all()[0].household for person in people]
    return {
        "nik": [{"query": person.nik} for person in people],
        "kk": [{"query": home.kk_number} for home in household if home.kk_number],
        "name_two_prefixes": [{"query": _name_query(person.full_name)} for person in people],
        "name_one_prefix_3": [{"query": person.full_name.split()[0][:3]} for person in people],
        "kelurahan_status": [
            {"query": "", "kelurahan_code": home.kelurahan_id, "status": "aktif"}
            for home in household
        ],
    }


def _http_params(arguments: dict[str, Any]) -> dict[str, str]:
    names = {"query": "q", "kelurahan_code": "kelurahan", "status": "status"}
    return {names[key]: value for key, value in arguments.items() if value}


def run(db_url: str | None = None, *, repeats: int = REPEATS) -> dict[str, Any]:
    _setup(db_url)
    from django.db import connection, transaction
    from django.test import Client

    from entas.accounts.models import Role, User
    from entas.registry.models import Person
    from entas.registry.selectors import person_search

    _refresh_statistics()
    people = _sample_people(repeats)
    cases = _cases(people)
    results: dict[str, Any] = {"database": connection.vendor, "persons": Person.objects.count()}
    with transaction.atomic():
        admin = User.objects.create(username="bench-search-admin", role=Role.ADMIN)
        client = Client()
        client.force_login(admin)
        client.get("/registri/")  # warm caches (region names, templates)
        baseline = [
            _timed(lambda nik=person.nik: Person.objects.filter(nik=nik).first())
            for person in people
        ]
        results["baseline_nik_lookup"] = _percentiles(baseline)
        for case, argument_list in cases.items():
            selector = [
                _timed(lambda arguments=arguments: person_search(user=admin, **arguments))
                for arguments in argument_list
            ]
            http = [
                _timed(
                    lambda arguments=arguments: client.get("/registri/", _http_params(arguments))
                )
                for arguments in argument_list
            ]
            results[case] = {"selector": _percentiles(selector), "http": _percentiles(http)}
        transaction.set_rollback(True)
    _print(results)
    return results


def _print(results: dict[str, Any]) -> None:
    base = results["baseline_nik_lookup"]["p50_ms"] or 0.01
    print(f"registry search on {results['database']}, {results['persons']:,} persons")
    print(f"  baseline Person.objects.filter(nik=...): p50 {base:.2f} ms")
    header = ("case", "selector p50/p95 ms", "http p50/p95 ms", "http p50 / baseline")
    print(f"  {header[0]:<20} {header[1]:>22} {header[2]:>20} {header[3]:>20}")
    for case, figures in results.items():
        if not isinstance(figures, dict) or "selector" not in figures:
            continue
        selector, http = figures["selector"], figures["http"]
        print(
            f"  {case:<20} {selector['p50_ms']:>10.1f} / {selector['p95_ms']:<9.1f}"
            f" {http['p50_ms']:>9.1f} / {http['p95_ms']:<8.1f} {http['p50_ms'] / base:>12.0f}x"
        )


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else None)
