"""Convergence: the city-wide family × organisation matrix, coverage gaps and double-dipping
on a synthetic city, against a plain GROUP BY over referrals in the same run.

    python bench/bench_convergence.py [--households 20000] [--referrals 3] [--runs 20]
        [--seed 7] [--skip-postgres] [--skip-sqlite] [--fresh]

On SQLite (var/bench_convergence/city.sqlite3) and PostgreSQL (database
`entas_bench_convergence`, when a server answers): --households families over the city's
177 kelurahan (half extreme-poor, half poor in one classified period; no members), 12
organisations with 24 programmes (some cash, some excluding each other), about --referrals
referrals per family in every status, and 1.5 open needs per family (each on a minimal
approved visit), a third of them answered. Rows go in with `bulk_create` (multi-row
INSERTs), built once and reused while size and seed match (--fresh rebuilds).

Measured, --runs times each, p50/p95: `selectors_convergence.convergence_matrix` for the
whole city (admin); the baseline: one `Referral` GROUP BY kelurahan, organisation and
status; one kelurahan's family matrix; `selectors_gaps.coverage_gap_count` and
`coverage_gaps` for the city; `double_dipping` for the city; `selectors_progress.
convergence_progress` (every organisation's progress). Goal: the city matrix under
1 s. Figures are printed, never asserted.
"""

import argparse
import random
import statistics
import time
import uuid
from typing import Any

from common import (
    ROOT,
    Bench,
    child_print,
    database_options,
    databases,
    django_setup,
    percentiles,
    same_flags,
    title,
)

WORK = ROOT / "var" / "bench_convergence"
BENCH = Bench(__file__, WORK)
PG_NAME = "entas_bench_convergence"
SQLITE_URL = f"sqlite:///{WORK / 'city.sqlite3'}"
ORGANIZATIONS = 12
NEED_KINDS = ["alat_bantu", "modal_usaha", "pelatihan", "rtlh", "pangan", "pbi_jkn", "sekolah"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--referrals", type=int, default=3, help="per family, on average")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    database_options(parser)
    arguments = parser.parse_args()
    if arguments.child:
        child_print(CHILDREN[arguments.child](arguments))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    print(title("convergence"))
    for name, url in databases(arguments, SQLITE_URL, PG_NAME).items():
        print(f"\n== {name} ==", flush=True)
        city(name, url, arguments)
        report(BENCH.child("measure", *same_flags(arguments), url=url))


def city(name: str, url: str, arguments: argparse.Namespace) -> None:
    wanted = {
        "households": arguments.households,
        "referrals": arguments.referrals,
        "seed": arguments.seed,
    }
    if BENCH.city_known(name, wanted, fresh=arguments.fresh):
        BENCH.entas(url, "migrate", "--no-input", "-v", "0")
        print(f"  city reused (city-{name.lower()}.json)")
        return
    BENCH.fresh_database(url)
    built = BENCH.child("build", *same_flags(arguments), url=url)
    print(
        f"  city built in {built['seconds']:.1f} s: {built['households']:,} families"
        f" ({built['extreme']:,} extreme-poor), {built['referrals']:,} referrals,"
        f" {built['needs']:,} needs"
    )
    BENCH.city_built(name, wanted)


def timings(samples: list[float]) -> str:
    p50, p95 = percentiles(samples)
    return f"p50 {p50:6.0f} ms, p95 {p95:6.0f} ms"


def report(result: dict[str, Any]) -> None:
    plain = statistics.median(result["plain"])
    for label, key in (
        ("plain GROUP BY (kelurahan, organisation, status)", "plain"),
        ("convergence_matrix, whole city (admin)", "matrix"),
        ("convergence_matrix, one kelurahan's families", "kelurahan"),
        ("coverage_gap_count, whole city", "gap_count"),
        ("coverage_gaps, whole city (rows built)", "gaps"),
        ("double_dipping, whole city", "double"),
        ("convergence_progress, every organisation", "progress"),
    ):
        ratio = statistics.median(result[key]) / plain if plain else 0
        print(f"  {label:<52} {timings(result[key])}  (÷ plain {ratio:5.1f})")
    print(
        f"  matrix: {result['rows']} kelurahan × {result['columns']} organisations,"
        f" {result['families']:,} families, {result['untouched']:,} untouched;"
        f" {result['gap_total']:,} gaps; {result['alerts']:,} alerts;"
        f" {result['queries']} queries for the city matrix"
    )


# --- children (Django set up in the child) ------------------------------------------------


def _catalogue(random_: random.Random) -> tuple[Any, list[Any]]:
    from entas.accounts.models import Organization, OrganizationKind, Role, User
    from entas.interventions.models import Programme

    admin = User.objects.create(username="bench-admin", role=Role.ADMIN)
    programmes = []
    for number in range(ORGANIZATIONS):
        kind = OrganizationKind.PARTNER if number >= 8 else OrganizationKind.OPD
        owner = Organization.objects.create(
            code=f"org-{number}", name=f"Organisasi {number}", kind=kind
        )
        for offer in range(2):
            programmes.append(
                Programme.objects.create(
                    code=f"prog-{number}-{offer}", name=f"Program {number}.{offer}", owner=owner,
                    kind="tunai" if (number + offer) % 5 == 0 else "layanan",
                    strategy="kurangi_beban", needs=random_.sample(NEED_KINDS, 2),
                )
            )  # fmt: skip
    for first, second in zip(programmes[::4], programmes[1::4], strict=False):
        first.excludes.add(second)
    return admin, programmes


def child_build(arguments: argparse.Namespace) -> dict[str, Any]:
    django_setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from entas.interventions.models import Referral
    from entas.registry.models import Household
    from entas.targeting.models import Classification, Period
    from entas.verval.models import Assignment, Campaign, Need, Visit
    from entas.wilayah.models import Region

    started = time.perf_counter()
    random_ = random.Random(arguments.seed)
    kelurahan = list(
        Region.objects.filter(code__startswith="33.74.", level=4).values_list("code", flat=True)
    )
    now = timezone.now()
    with transaction.atomic():
        admin, programmes = _catalogue(random_)
        period = Period.objects.create(
            code="bench", name="Bench", starts_on="2025-01-01", ends_on="2025-01-31",
            classified_at=now,
        )  # fmt: skip
        Household.objects.bulk_create(
            [
                Household(
                    address=f"Jl. Bench {n}",
                    rt="001",
                    rw="001",
                    source="sintetis",
                    kelurahan_id=kelurahan[n % len(kelurahan)],
                    as_of="2025-01-01",
                )  # fmt: skip
                for n in range(arguments.households)
            ],
            batch_size=2000,
        )
        households = list(Household.objects.values_list("pk", "kelurahan_id"))
        Classification.objects.bulk_create(
            [
                Classification(
                    period=period,
                    household_id=pk,
                    kelurahan_id=code,
                    rule="pengeluaran",
                    status="ekstrem" if index % 2 == 0 else "miskin",
                )  # fmt: skip
                for index, (pk, code) in enumerate(households)
            ],
            batch_size=2000,
        )
        needs = _needs(admin, households, random_, Assignment, Campaign, Need, Visit)
        referrals = _referrals(
            admin, period, programmes, households, needs, random_, arguments.referrals
        )
        Referral.objects.bulk_create(referrals, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "households": len(households),
        "extreme": (len(households) + 1) // 2,
        "referrals": len(referrals),
        "needs": len(needs),
    }


def _needs(admin: Any, households: list, random_: random.Random, *models: Any) -> list[Any]:
    """1.5 needs per family on average, each family's on one approved visit."""
    assignment_model, campaign_model, need_model, visit_model = models
    campaign = campaign_model.objects.create(
        name="Bench", starts_on="2025-01-01", deadline="2025-01-31", created_by=admin,
        status="berjalan",
    )  # fmt: skip
    assignment_model.objects.bulk_create(
        [
            assignment_model(
                campaign=campaign,
                household_id=pk,
                kelurahan_id=code,
                reason="ekstrem",
                status="disetujui",
            )  # fmt: skip
            for pk, code in households
        ],
        batch_size=2000,
    )
    at = "2025-01-20T09:00:00+00:00"
    visit_model.objects.bulk_create(
        [
            visit_model(
                client_id=uuid.uuid4(),
                assignment_id=assignment,
                household_id=household,
                officer=admin,
                visited_at=at,
                outcome="layak",
                consent="setuju",
                status="disetujui",
                submitted_at=at,
            )  # fmt: skip
            for assignment, household in assignment_model.objects.values_list("pk", "household_id")
        ],
        batch_size=2000,
    )
    visits = dict(visit_model.objects.values_list("household_id", "pk"))
    made = []
    for pk, _code in households:
        for kind in random_.sample(NEED_KINDS, random_.choice((1, 1, 2, 2))):
            made.append(need_model(household_id=pk, kind=kind, visit_id=visits[pk]))
    need_model.objects.bulk_create(made, batch_size=2000)
    return list(need_model.objects.values_list("pk", "household_id", "kind"))


def _referrals(
    admin: Any, period: Any, programmes: list, households: list, needs: list, random_: Any,
    mean: int,
) -> list[Any]:  # fmt: skip
    from entas.interventions.models import Referral

    statuses = ["diusulkan"] * 3 + ["diterima"] * 3 + ["dijadwalkan", "tersalurkan"] * 2
    statuses += ["selesai", "ditolak", "dibatalkan"]
    by_household: dict[int, list[tuple[int, str]]] = {}
    for pk, household, kind in needs:
        by_household.setdefault(household, []).append((pk, kind))
    made = []
    for pk, _code in households:
        count = random_.randint(max(mean - 2, 0), mean + 2)  # mean `mean`
        family_needs = by_household.get(pk, [])
        for offer in random_.sample(programmes, count):
            answered = [need for need, kind in family_needs if kind in offer.needs]
            made.append(
                Referral(
                    period=period, programme=offer, organization_id=offer.owner_id,
                    household_id=pk, status=random_.choice(statuses), proposed_by=admin,
                    need_id=answered[0] if answered and random_.random() < 0.5 else None,
                )
            )  # fmt: skip
    return made


def child_measure(arguments: argparse.Namespace) -> dict[str, Any]:
    django_setup()
    from django.db import connection, reset_queries
    from django.db.models import Count

    from entas.accounts.models import User
    from entas.interventions import selectors_convergence as convergence
    from entas.interventions import selectors_gaps, selectors_progress
    from entas.interventions.models import Referral
    from entas.targeting.models import Period

    admin = User.objects.get(username="bench-admin")
    period = Period.objects.get(code="bench")
    busiest = (
        Referral.objects.order_by()
        .values_list("household__kelurahan_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None  # noqa: S101 - the city was built
    kelurahan_code = busiest[0]

    def plain() -> object:
        return list(
            Referral.objects.filter(period=period)
            .order_by()
            .values_list("household__kelurahan_id", "organization_id", "status")
            .annotate(n=Count("pk"))
        )

    work = {
        "plain": plain,
        "matrix": lambda: convergence.convergence_matrix(user=admin, period=period),
        "kelurahan": lambda: convergence.convergence_matrix(
            user=admin, period=period, kelurahan_code=kelurahan_code
        ),
        "gap_count": lambda: selectors_gaps.coverage_gap_count(user=admin, period=period),
        "gaps": lambda: selectors_gaps.coverage_gaps(user=admin, period=period),
        "double": lambda: selectors_gaps.double_dipping(user=admin, period=period),
        "progress": lambda: selectors_progress.convergence_progress(user=admin, period=period),
    }
    result: dict[str, Any] = {}
    for key, function in work.items():
        function()  # warm the caches once
        samples = []
        for _run in range(arguments.runs if key != "gaps" else max(arguments.runs // 4, 3)):
            started = time.perf_counter()
            function()
            samples.append(time.perf_counter() - started)
        result[key] = samples
    from django.conf import settings

    settings.DEBUG = True
    reset_queries()
    matrix = convergence.convergence_matrix(user=admin, period=period)
    result["queries"] = len(connection.queries)
    result.update(
        rows=len(matrix.rows), columns=len(matrix.organizations),
        families=matrix.total.families, untouched=matrix.total.untouched,
        gap_total=selectors_gaps.coverage_gap_count(user=admin, period=period),
        alerts=len(selectors_gaps.double_dipping(user=admin, period=period)),
    )  # fmt: skip
    return result


CHILDREN = {"build": child_build, "measure": child_measure}


if __name__ == "__main__":
    main()
