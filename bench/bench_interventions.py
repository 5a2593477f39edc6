"""Interventions (issue 7): recommendations for 100,000 families in under a minute, on SQLite
and PostgreSQL, against the time to only read the input frames.

    python bench/bench_interventions.py [--households 110000] [--seed 7] [--runs 2]
        [--proposals 2000] [--skip-postgres] [--skip-sqlite] [--fresh]

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
- Then, on the last run's recommendations, `recommendations_propose` of the programme with
  the most open recommendations, limit --proposals: referrals per second, p50/p95 of each
  `referral_propose` it makes (every rule checked, audited), its process's peak memory.
  Baseline, in its own process: as many bare `Referral` rows of the same programme, once
  by one `Referral.objects.bulk_create` and once by one `Referral.objects.create` each.
  Each leaves the city as it found it (referrals, grants and their audit deleted, the
  recommendations open again).

Figures are printed, never asserted.
"""

# ruff: noqa: S608 - every statement here is built from constants and numbers, no input

import argparse
import time
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

WORK = ROOT / "var" / "bench_interventions"
BENCH = Bench(__file__, WORK)
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
    parser.add_argument("--proposals", type=int, default=2000, help="limit of the bulk proposal")
    database_options(parser)
    arguments = parser.parse_args()
    if arguments.child:
        django_setup()
        child_print(CHILDREN[arguments.child](arguments))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    print(title("interventions"))
    for name, url in databases(arguments, SQLITE_URL, PG_NAME).items():
        database_bench(name, url, arguments)


def database_bench(name: str, url: str, arguments: argparse.Namespace) -> None:
    print(f"\n== {name} ==", flush=True)
    BENCH.synth_city(name, url, arguments)
    BENCH.entas(url, "load_programmes")
    prepared = BENCH.child("prepare", url=url)
    print(
        f"  period 2025-01: {prepared['households']:,} families ({prepared['extreme']:,} ekstrem),"
        f" {prepared['persons']:,} current members, {prepared['needs']:,} open needs,"
        f" {prepared['programmes']} programmes (prepared in {prepared['seconds']:.1f} s)"
    )
    baseline = BENCH.child("inputs", url=url)
    print(
        f"  baseline, read the input frames only: {baseline['seconds']:6.2f} s,"
        f" peak {baseline['peak_mb']} MB"
    )
    for number in range(1, arguments.runs + 1):
        run = BENCH.child("run", url=url)
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
    proposals_bench(url, arguments)


def proposals_bench(url: str, arguments: argparse.Namespace) -> None:
    """`recommendations_propose` of the largest programme against bare Referral rows."""
    bare = BENCH.child("propose_baseline", *same_flags(arguments), url=url)
    made = BENCH.child("propose", *same_flags(arguments), url=url)
    rows, created = bare["rows"], sum(bare["create"])
    create_p50, create_p95 = percentiles(bare["create"])
    each, each_ratio = "no referral_propose one by one to time", ""
    if made["each"]:
        each_p50, each_p95 = percentiles(made["each"])
        each = (
            f"p50 {each_p50:.1f} ms, p95 {each_p95:.1f} ms per referral_propose"
            f" ({sum(made['each']):.2f} s in all)"
        )
        each_ratio = f"; referral_propose ÷ create (p50) {each_p50 / create_p50:.1f}"
    print(
        f"  recommendations_propose, {made['programme']} ({made['open']:,} open),"
        f" limit {arguments.proposals:,}: {made['proposed']:,} referrals in"
        f" {made['seconds']:.2f} s = {made['proposed'] / made['seconds']:,.0f} referrals/s,"
        f" {each}; refused {made['refused'] or 0}, left open {made['left_open']:,};"
        f" peak {made['peak_mb']} MB"
    )
    print(
        f"     baseline, the same number of bare rows ({rows:,}): one bulk_create"
        f" {bare['bulk_seconds']:.3f} s ({rows / bare['bulk_seconds']:,.0f} rows/s), one"
        f" create each {created:.2f} s (p50 {create_p50:.2f} ms, p95 {create_p95:.2f} ms);"
        f" peak {bare['peak_mb']} MB"
    )
    print(
        f"     recommendations_propose ÷ bulk_create {made['seconds'] / bare['bulk_seconds']:,.0f},"
        f" ÷ one create each {made['seconds'] / created:.1f}{each_ratio}"
    )


# --- children (inside Django) --------------------------------------------------------------


def prepare(_arguments: argparse.Namespace) -> dict[str, Any]:
    """Period 2025-01 with every active household classified, open needs, one visit."""
    import datetime as dt

    from django.db import connection, transaction

    from entas.interventions.models import Recommendation
    from entas.targeting.models import Classification, Period
    from entas.verval.models import Need

    started = time.perf_counter()
    with transaction.atomic():
        _referrals_clear()  # a proposal run that died half-way left some
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


def inputs_only(_arguments: argparse.Namespace) -> dict[str, Any]:
    from entas.interventions.recommendations import recommendation_inputs
    from entas.targeting.models import Period

    period = Period.objects.get(code="2025-01")
    started = time.perf_counter()
    inputs = recommendation_inputs(period=period)
    return {"seconds": time.perf_counter() - started, "households": inputs.households.height}


def run(_arguments: argparse.Namespace) -> dict[str, Any]:
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


def _largest_programme(period: Any) -> tuple[Any, int]:
    """The programme with the most open recommendations in the period, and how many."""
    from django.db.models import Count

    from entas.interventions import choices as c
    from entas.interventions.models import Programme, Recommendation

    code, count = (
        Recommendation.objects.filter(period=period, status=c.RecommendationStatus.OPEN)
        .values_list("programme__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "programme__code")
        .first()
    ) or ("", 0)
    return Programme.objects.get(code=code), count


def _bench_admin() -> Any:
    from entas.accounts.models import Role, User

    admin, _created = User.objects.get_or_create(
        username="bench-admin", defaults={"role": Role.ADMIN}
    )
    return admin


def _referrals_clear() -> None:
    """Every referral, its grant and its audit gone, every proposed recommendation open
    again: the city as the recommendations left it (it has no other referrals)."""
    from entas.core.models import AuditEvent
    from entas.interventions import choices as c
    from entas.interventions.models import Recommendation, Referral
    from entas.registry.models import HouseholdGrant

    HouseholdGrant.objects.filter(reference__startswith="referral:").delete()
    Referral.objects.all().delete()
    AuditEvent.objects.filter(action__startswith="referral.").delete()
    Recommendation.objects.filter(status=c.RecommendationStatus.REFERRED).update(
        status=c.RecommendationStatus.OPEN
    )


def propose(arguments: argparse.Namespace) -> dict[str, Any]:
    """`recommendations_propose` of the largest programme; each referral_propose timed."""
    from entas.interventions.services import proposals
    from entas.targeting.models import Period

    period = Period.objects.get(code="2025-01")
    programme, open_count = _largest_programme(period)
    admin = _bench_admin()
    each: list[float] = []
    one_by_one = getattr(proposals, "referral_propose", None)
    if one_by_one is not None:  # the service proposes one recommendation per call

        def timed(**keywords: Any) -> Any:
            started = time.perf_counter()
            try:
                return one_by_one(**keywords)
            finally:
                each.append(time.perf_counter() - started)

        proposals.referral_propose = timed
    started = time.perf_counter()
    result = proposals.recommendations_propose(
        actor=admin, period=period, programme=programme, limit=arguments.proposals
    )
    seconds = time.perf_counter() - started
    _referrals_clear()
    return {
        "programme": programme.code, "open": open_count, "seconds": seconds,
        "proposed": result.proposed, "refused": dict(result.refused),
        "left_open": result.left_open, "allocation_full": result.allocation_full,
        "each": each,
    }  # fmt: skip


def propose_baseline(arguments: argparse.Namespace) -> dict[str, Any]:
    """As many bare Referral rows of the same programme as the proposal makes: one
    bulk_create, then one create each (each committed on its own, as each proposal is)."""
    from entas.interventions import choices as c
    from entas.interventions.models import Recommendation, Referral
    from entas.targeting.models import Period

    period = Period.objects.get(code="2025-01")
    programme, _open_count = _largest_programme(period)
    admin = _bench_admin()
    chosen = Recommendation.objects.filter(
        period=period, programme=programme, status=c.RecommendationStatus.OPEN
    ).order_by("household_id", "person_id")[: arguments.proposals]
    fields = [
        {
            "period": period, "programme": programme, "organization_id": programme.owner_id,
            "household_id": household, "person_id": person, "need_id": need, "quantity": 1,
            "amount": programme.unit_cost, "proposed_by": admin,
        }
        for household, person, need in chosen.values_list("household_id", "person_id", "need_id")
    ]  # fmt: skip
    bulk = [Referral(**row) for row in fields]
    started = time.perf_counter()
    Referral.objects.bulk_create(bulk)
    bulk_seconds = time.perf_counter() - started
    _referrals_clear()
    create = []
    for row in fields:
        started = time.perf_counter()
        Referral.objects.create(**row)
        create.append(time.perf_counter() - started)
    _referrals_clear()
    return {"rows": len(fields), "bulk_seconds": bulk_seconds, "create": create}


CHILDREN = {
    "prepare": prepare,
    "inputs": inputs_only,
    "run": run,
    "propose": propose,
    "propose_baseline": propose_baseline,
}


if __name__ == "__main__":
    main()
