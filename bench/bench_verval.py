"""Verval: balanced assignment, receiving and approving visits, photos, campaign progress.

    python bench/bench_verval.py [--households 20000] [--officers 200] [--visits 500]
        [--approvals 300] [--assignments 500000] [--runs 3] [--assign-runs 1] [--seed 7]
        [--skip-postgres] [--skip-sqlite] [--skip-progress] [--fresh]

On SQLite (var/bench_verval/city.sqlite3) and PostgreSQL (database `entas_bench_verval`,
when a server answers), a synthetic city of --households families (`entas synth`, kept
and reused while size and seed match; --fresh rebuilds it) and --officers field officers
spread over the kecamatan by their number of families. Each part runs in its own process,
so its peak memory (ru_maxrss) is its own; figures are printed, never asserted.

a. `campaign_assign_balanced` of every family of the city, --assign-runs times; the spread
   (max − min per officer) and time against a naive round-robin per kelurahan (each
   kelurahan's families dealt to its officers from the first one; same bulk writes).
b. `visit_submit` of --visits visits (the demo's synthetic visits: needs, causes, welfare
   for some; no photos): visits/s, p50/p95 per visit; baseline `Visit.objects.create` of
   the same rows (no checks, no audit, no assignment update).
c. `visit_approve` of --approvals visits each with a member moving out, needs and welfare.
d. `photo_prepare` of a 12-megapixel JPEG with EXIF GPS, --runs × 5 times: p50/p95, the
   process's peak memory above what it held before, output size.
e. Progress of a campaign of --assignments assignments (60 % visited) on SQLite, rows
   inserted with SQL (households without members): `selectors_progress.campaign_progress`
   when that module is there, and a plain aggregate over Assignment grouped by kelurahan
   and status as the baseline; --runs times each.
"""

# ruff: noqa: S608 - every statement here is built from constants and numbers, no input

import argparse
import io
import json
import resource
import statistics
import time
from pathlib import Path
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

WORK = ROOT / "var" / "bench_verval"
BENCH = Bench(__file__, WORK)
PG_NAME = "entas_bench_verval"
SQLITE_URL = f"sqlite:///{WORK / 'city.sqlite3'}"
PROGRESS_URL = f"sqlite:///{WORK / 'progress.sqlite3'}"
PHOTO = WORK / "photo-12mp.jpg"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--officers", type=int, default=200)
    parser.add_argument("--visits", type=int, default=500)
    parser.add_argument("--approvals", type=int, default=300)
    parser.add_argument("--assignments", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of d and e")
    parser.add_argument("--assign-runs", type=int, default=1, help="runs of a (~25 s each)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-progress", action="store_true")
    database_options(parser)
    arguments = parser.parse_args()
    if arguments.child:
        child_print(CHILDREN[arguments.child](arguments))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    print(title("verval"))
    for name, url in databases(arguments, SQLITE_URL, PG_NAME).items():
        database_bench(name, url, arguments)
    photo_bench(arguments)
    if not arguments.skip_progress:
        progress_bench(arguments)


def child(kind: str, url: str, arguments: argparse.Namespace) -> dict[str, Any]:
    """A `--child KIND` process with the same flags; its JSON result, empty if it failed."""
    return BENCH.child(kind, *same_flags(arguments), url=url, check=False)


def database_bench(name: str, url: str, arguments: argparse.Namespace) -> None:
    print(f"\n== {name} ==", flush=True)
    BENCH.synth_city(name, url, arguments)
    assign = child("assign", url, arguments)
    if assign:
        median, naive = statistics.median(assign["runs"]), statistics.median(assign["naive"])
        print(
            f"  a. campaign_assign_balanced: {assign['households']:,} families,"
            f" {assign['officers']} officers, {assign['kelurahan']} kelurahan;"
            f" {', '.join(f'{s:.2f}' for s in assign['runs'])} s, median {median:.2f} s"
            f" = {assign['households'] / median:,.0f} families/s; load {assign['min']}–"
            f"{assign['max']} per officer (spread {assign['max'] - assign['min']})"
        )
        print(
            f"     naive round-robin per kelurahan: median {naive:.2f} s, load"
            f" {assign['naive_min']}–{assign['naive_max']}"
            f" (spread {assign['naive_max'] - assign['naive_min']});"
            f" time ÷ naive {median / naive:.2f}; peak {assign['peak_mb']} MB"
        )
    submit = child("submit", url, arguments)
    if submit:
        p50, p95 = percentiles(submit["times"])
        b50, b95 = percentiles(submit["baseline"])
        rate, bare = (
            len(submit["times"]) / sum(submit["times"]),
            1 / statistics.mean(submit["baseline"]),
        )
        print(
            f"  b. visit_submit: {len(submit['times'])} visits, {rate:,.0f} visits/s,"
            f" p50 {p50:.1f} ms, p95 {p95:.1f} ms ({submit['with_needs']} with needs,"
            f" {submit['with_welfare']} with welfare)"
        )
        print(
            f"     baseline Visit.objects.create: {bare:,.0f} rows/s, p50 {b50:.2f} ms,"
            f" p95 {b95:.2f} ms; visit_submit ÷ create (p50) {p50 / b50:.1f};"
            f" peak {submit['peak_mb']} MB"
        )
    approve = child("approve", url, arguments)
    if approve:
        p50, p95 = percentiles(approve["times"])
        rate = len(approve["times"]) / sum(approve["times"])
        print(
            f"  c. visit_approve: {len(approve['times'])} visits (a member moving out,"
            f" {approve['needs']} needs, welfare), {rate:,.0f} visits/s, p50 {p50:.1f} ms,"
            f" p95 {p95:.1f} ms; refused {approve['refused']}; peak {approve['peak_mb']} MB"
        )


# --- the photo and the progress, outside the city databases -----------------------------


def photo_bench(arguments: argparse.Namespace) -> None:
    print("\n== Photos ==", flush=True)
    make_photo()
    result = child("photo", PROGRESS_URL, arguments)  # any database: Django needs one
    if not result:
        return
    p50, p95 = percentiles(result["times"])
    print(
        f"  d. photo_prepare: {result['width_in']}×{result['height_in']} JPEG of"
        f" {result['bytes_in'] / 2**20:.1f} MB with EXIF GPS, {len(result['times'])} times:"
        f" p50 {p50:.0f} ms, p95 {p95:.0f} ms; out {result['width']}×{result['height']},"
        f" {result['bytes_out'] / 1024:.0f} KB, GPS kept in the record {result['gps']};"
        f" peak {result['peak_mb']} MB ({result['peak_mb'] - result['before_mb']} MB above"
        f" the {result['before_mb']} MB the process held before)"
    )


def make_photo() -> None:
    """A 4000×3000 JPEG that compresses like a photo (noise over gradients), EXIF GPS."""
    if PHOTO.exists():
        return
    from PIL import Image, ImageFilter

    noise = Image.effect_noise((1000, 750), 60).resize((4000, 3000)).filter(ImageFilter.BLUR)
    red = Image.linear_gradient("L").resize((4000, 3000))
    image = Image.merge("RGB", (red, noise, red.rotate(180)))
    exif = Image.Exif()
    exif[0x0132] = "2025:01:20 09:30:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (7.0, 3.0, 30.0), 3: "E", 4: (110.0, 26.0, 15.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92, exif=exif)
    PHOTO.write_bytes(buffer.getvalue())


def progress_bench(arguments: argparse.Namespace) -> None:
    print(f"\n== Progress of a campaign of {arguments.assignments:,} assignments (SQLite) ==")
    marker = WORK / "progress.json"
    wanted = {"assignments": arguments.assignments}
    path = Path(PROGRESS_URL.removeprefix("sqlite:///"))
    if arguments.fresh or not marker.exists() or json.loads(marker.read_text()) != wanted:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        BENCH.entas(PROGRESS_URL, "migrate", "--no-input", "-v", "0")
        BENCH.entas(PROGRESS_URL, "load_regions")
        built = child("progress_build", PROGRESS_URL, arguments)
        print(f"  rows inserted with SQL in {built['seconds']:.1f} s ({built['visits']:,} visits)")
        marker.write_text(json.dumps(wanted) + "\n")
    result = child("progress", PROGRESS_URL, arguments)
    if not result:
        return
    plain = statistics.median(result["plain"])
    print(
        f"  e. plain aggregate (Assignment by kelurahan and status): "
        f"{', '.join(f'{s * 1000:.0f}' for s in result['plain'])} ms, median {plain * 1000:.0f} ms"
        f" ({result['groups']} groups)"
    )
    if result["selector"]:
        selector = statistics.median(result["selector"])
        print(
            f"     selectors_progress.campaign_progress (kelurahan level, admin): "
            f"{', '.join(f'{s * 1000:.0f}' for s in result['selector'])} ms, median"
            f" {selector * 1000:.0f} ms ({result['rows']} rows); ÷ plain {selector / plain:.2f};"
            f" peak {result['peak_mb']} MB"
        )
    else:
        print("     selectors_progress.campaign_progress not there: plain aggregate only")


# --- children (Django set up in the child) ------------------------------------------------


def _staff(officers: int) -> tuple[Any, list[Any]]:
    """The admin and `officers` field officers, spread over the kecamatan by families."""
    from django.db.models import Count

    from entas.accounts.models import Role, User
    from entas.registry.models import Household
    from entas.wilayah.models import Region

    admin, _created = User.objects.get_or_create(
        username="bench-admin", defaults={"role": Role.ADMIN, "full_name": "Bench Admin"}
    )
    made = list(User.objects.filter(username__startswith="bench-psm-").order_by("pk"))
    if len(made) == officers:
        return admin, made
    User.objects.filter(username__startswith="bench-psm-").delete()
    counts = dict(
        Household.objects.values_list("kelurahan__parent_id")
        .annotate(n=Count("pk"))
        .values_list("kelurahan__parent_id", "n")
    )
    total = sum(counts.values())
    quotas = {code: max(1, round(officers * n / total)) for code, n in counts.items()}
    biggest = max(counts, key=lambda code: counts[code])
    quotas[biggest] += officers - sum(quotas.values())
    regions = {r.code: r for r in Region.objects.filter(code__in=list(quotas))}
    made = []
    for code, quota in sorted(quotas.items()):
        for number in range(quota):
            user = User.objects.create(
                username=f"bench-psm-{code}-{number}", role=Role.FIELD_OFFICER,
                full_name=f"PSM {code} {number}",
            )  # fmt: skip
            user.areas.set([regions[code]])
            made.append(user)
    return admin, made


def _campaign(admin: Any, status: str = "draf") -> Any:
    import datetime as dt

    from entas.verval.models import Assignment, Campaign

    Assignment.objects.filter(campaign__name__startswith="Bench").update(officer=None)
    campaign, _created = Campaign.objects.get_or_create(
        name="Bench verval",
        defaults={
            "starts_on": dt.date(2025, 1, 1), "deadline": dt.date(2025, 1, 31),
            "created_by": admin,
        },
    )  # fmt: skip
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    campaign.refresh_from_db()
    return campaign


def _loads(campaign: Any, officers: list[Any]) -> tuple[int, int]:
    from django.db.models import Count

    counts = dict(
        campaign.assignments.values_list("officer")
        .annotate(n=Count("pk"))
        .values_list("officer", "n")
    )
    loads = [counts.get(o.pk, 0) for o in officers]
    return min(loads), max(loads)


def _naive(campaign: Any) -> None:
    """Round-robin per kelurahan, from the first officer each time (what a spreadsheet does)."""
    from collections import defaultdict

    from django.db import transaction
    from django.utils import timezone

    from entas.verval.services.campaigns import officers_for

    rows = defaultdict(list)
    for row in campaign.assignments.order_by("kelurahan_id", "pk"):
        rows[row.kelurahan_id].append(row)
    now = timezone.now()
    with transaction.atomic():
        for code, kelurahan_rows in rows.items():
            staff = officers_for(code)
            for index, row in enumerate(kelurahan_rows):
                row.officer, row.assigned_at = staff[index % len(staff)], now
            type(kelurahan_rows[0]).objects.bulk_update(
                kelurahan_rows, ["officer", "assigned_at"], batch_size=2000
            )


def child_assign(arguments: argparse.Namespace) -> dict[str, Any]:
    django_setup()
    from entas.registry.models import Household
    from entas.verval.models import Assignment
    from entas.verval.services import campaigns

    admin, officers = _staff(arguments.officers)
    campaign = _campaign(admin)
    if not campaign.assignments.exists():
        active = Household.objects.filter(status="aktif").values_list("pk", flat=True)
        campaigns.campaign_add_households(
            actor=admin, campaign=campaign, reasons=dict.fromkeys(active, "tambahan")
        )
    runs, naive = [], []
    for _run in range(arguments.assign_runs):
        Assignment.objects.filter(campaign=campaign).update(officer=None, assigned_at=None)
        started = time.perf_counter()
        campaigns.campaign_assign_balanced(actor=admin, campaign=campaign)
        runs.append(time.perf_counter() - started)
        low, high = _loads(campaign, officers)
        Assignment.objects.filter(campaign=campaign).update(officer=None, assigned_at=None)
        started = time.perf_counter()
        _naive(campaign)
        naive.append(time.perf_counter() - started)
        naive_low, naive_high = _loads(campaign, officers)
    campaigns.campaign_assign_balanced(actor=admin, campaign=campaign)  # left assigned for b, c
    return {
        "runs": runs, "naive": naive, "min": low, "max": high, "naive_min": naive_low,
        "naive_max": naive_high, "households": campaign.assignments.count(),
        "officers": len(officers),
        "kelurahan": campaign.assignments.values("kelurahan").distinct().count(),
    }  # fmt: skip


def _reset_visits(campaign: Any) -> None:
    """Start b and c alike: no visits, every assignment open and assigned."""
    from django.db import connection

    from entas.verval.models import Assignment, Need
    from entas.verval.services import campaigns

    tables = ("verval_need", "verval_visitphoto", "verval_companionship", "verval_visit")
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
    Assignment.objects.filter(campaign=campaign).update(status="belum")
    if Assignment.objects.filter(campaign=campaign, officer__isnull=True).exists():
        campaigns.campaign_assign_balanced(actor=campaign.created_by, campaign=campaign)
    assert not Need.objects.exists()


def _open_campaign(arguments: argparse.Namespace) -> tuple[Any, Any]:
    admin, _officers = _staff(arguments.officers)
    campaign = _campaign(admin, status="berjalan")
    _reset_visits(campaign)
    return admin, campaign


def _family_inputs(assignments: list[Any], seed: int, force_met: bool) -> list[Any]:
    import datetime as dt
    import random

    from entas.synth.verval_demo import _families, synthetic_visit
    from entas.verval import choices as c

    families = _families([a.household_id for a in assignments])
    rng = random.Random(seed)
    inputs = []
    for assignment in assignments:
        family = families[assignment.household_id]
        data = synthetic_visit(family, rng, dt.date(2025, 1, 1), dt.date(2025, 1, 31))
        while force_met and data.consent != c.Consent.GIVEN:  # met, and agreed to answer
            data = synthetic_visit(family, rng, dt.date(2025, 1, 1), dt.date(2025, 1, 31))
        inputs.append((assignment, family, data))
    return inputs


def child_submit(arguments: argparse.Namespace) -> dict[str, Any]:
    django_setup()
    from django.utils import timezone

    from entas.verval.models import Visit
    from entas.verval.services.visits import visit_submit

    _admin, campaign = _open_campaign(arguments)
    chosen = list(
        campaign.assignments.select_related("officer", "campaign", "household").order_by("?")[
            : 2 * arguments.visits
        ]
    )
    inputs = _family_inputs(chosen, arguments.seed, force_met=False)
    times = []
    for assignment, _family, data in inputs[: arguments.visits]:
        started = time.perf_counter()
        visit_submit(actor=assignment.officer, assignment=assignment, data=data)
        times.append(time.perf_counter() - started)
    baseline = []
    for assignment, _family, data in inputs[arguments.visits :]:
        started = time.perf_counter()
        Visit.objects.create(
            client_id=data.client_id, assignment=assignment, household=assignment.household,
            officer=assignment.officer, visited_at=data.visited_at, outcome=data.outcome,
            consent=data.consent, latitude=data.latitude, longitude=data.longitude,
            accuracy_m=data.accuracy_m, causes=data.causes,
            needs=[vars(n) for n in data.needs], welfare=data.welfare,
            submitted_at=timezone.now(),
        )  # fmt: skip
        baseline.append(time.perf_counter() - started)
    sent = [data for _a, _f, data in inputs[: arguments.visits]]
    return {
        "times": times, "baseline": baseline,
        "with_needs": sum(1 for data in sent if data.needs),
        "with_welfare": sum(1 for data in sent if data.welfare),
    }  # fmt: skip


def child_approve(arguments: argparse.Namespace) -> dict[str, Any]:
    django_setup()
    import datetime as dt

    from entas.registry import choices as rc
    from entas.registry.models import Household
    from entas.verval import choices as c
    from entas.verval.exceptions import VervalError
    from entas.verval.services.visits import (
        MemberChangeInput,
        NeedInput,
        visit_approve,
        visit_submit,
    )

    admin, campaign = _open_campaign(arguments)
    several = Household.objects.filter(memberships__end_date__isnull=True, status="aktif")
    chosen = list(
        campaign.assignments.filter(household__in=several)
        .distinct()
        .select_related("officer", "campaign", "household")
        .order_by("?")[: arguments.approvals * 2]
    )
    visits, needs = [], 0
    for assignment, family, data in _family_inputs(chosen, arguments.seed, force_met=True):
        leaving = [m for m in family.members if m.relationship != rc.Relationship.HEAD]
        welfare = family.household.current_welfare
        if not leaving or welfare is None or welfare.expenditure_per_capita is None:
            continue
        data.member_changes = [
            MemberChangeInput(
                kind=c.MemberChange.MOVED_OUT, person_id=leaving[-1].person_id,
                on=max(leaving[-1].start_date, dt.date(2025, 1, 2)),
            )
        ]  # fmt: skip
        data.needs = data.needs or [NeedInput(kind=c.NeedKind.FOOD)]
        data.welfare = data.welfare or {"expenditure_per_capita": welfare.expenditure_per_capita}
        needs += len(data.needs)
        visits.append(visit_submit(actor=assignment.officer, assignment=assignment, data=data)[0])
        if len(visits) == arguments.approvals:
            break
    times, refused = [], 0
    for visit in visits:
        started = time.perf_counter()
        try:
            visit_approve(actor=admin, visit=visit)
        except VervalError:
            refused += 1
        times.append(time.perf_counter() - started)
    return {"times": times, "needs": needs, "refused": refused}


def child_photo(arguments: argparse.Namespace) -> dict[str, Any]:
    django_setup()
    from PIL import Image

    from entas.verval.services.photos import photo_prepare

    content = PHOTO.read_bytes()
    with Image.open(io.BytesIO(content)) as image:
        width_in, height_in = image.size
    before = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    times = []
    for _run in range(arguments.runs * 5):
        started = time.perf_counter()
        prepared = photo_prepare(io.BytesIO(content), size=len(content))
        times.append(time.perf_counter() - started)
    return {
        "times": times, "before_mb": before, "bytes_in": len(content), "width_in": width_in,
        "height_in": height_in, "width": prepared.width, "height": prepared.height,
        "bytes_out": len(prepared.content),
        "gps": [str(prepared.latitude), str(prepared.longitude)],
    }  # fmt: skip


def child_progress_build(arguments: argparse.Namespace) -> dict[str, Any]:
    """Households (no members), one campaign, its assignments and visits: all with SQL."""
    django_setup()
    from django.db import connection, transaction

    from entas.accounts.models import Role, User
    from entas.verval.models import Campaign
    from entas.wilayah.models import Region

    started = time.perf_counter()
    kelurahan = list(
        Region.objects.filter(code__startswith="33.74.", level=4).values_list("code", flat=True)
    )
    admin = User.objects.create(username="bench-admin", role=Role.ADMIN)
    officers = [
        User.objects.create(username=f"bench-psm-{n}", role=Role.FIELD_OFFICER) for n in range(200)
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE kel (n INTEGER PRIMARY KEY, code TEXT)")
        cursor.executemany("INSERT INTO kel VALUES (%s, %s)", list(enumerate(kelurahan)))
        count, kinds, first = arguments.assignments, len(kelurahan), officers[0].pk
        cursor.execute(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %s) "
            "INSERT INTO registry_household (created_at, updated_at, address, rt, rw,"
            " kelurahan_id, source, as_of, status) "
            "SELECT datetime('now'), datetime('now'), 'Jl. Bench ' || n, '001', '001', "
            f"(SELECT code FROM kel WHERE kel.n = s.n % {kinds}), 'sintetis', '2025-01-01',"
            " 'aktif' FROM s",
            [count],
        )
        campaign = Campaign.objects.create(
            name="Bench progress", starts_on="2025-01-01", deadline="2025-01-31",
            created_by=admin, status="berjalan",
        )  # fmt: skip
        cursor.execute(
            "INSERT INTO verval_assignment (created_at, updated_at, campaign_id, household_id,"
            " kelurahan_id, officer_id, reason, status, assigned_at) "
            f"SELECT created_at, updated_at, {campaign.pk}, id, kelurahan_id,"
            f" {first} + id % 200, 'ekstrem', CASE WHEN id % 10 < 4 THEN 'belum'"
            " WHEN id % 10 < 6 THEN 'menunggu' WHEN id % 10 = 6 THEN 'dikembalikan'"
            " ELSE 'disetujui' END, datetime('now') FROM registry_household"
        )
        cursor.execute(
            "INSERT INTO verval_visit (created_at, updated_at, client_id, assignment_id,"
            " household_id, officer_id, visited_at, outcome, consent, respondent, moved_to,"
            " member_changes, welfare, causes, needs, note, status, submitted_at, reviewed_by_id,"
            " review_note) "
            "SELECT created_at, updated_at, lower(hex(randomblob(16))), id, household_id,"
            " officer_id, '2025-01-20 09:00:00', CASE WHEN id % 20 = 0 THEN 'pindah' ELSE"
            " 'layak' END, 'setuju', '', '', '[]', '{}', '[]', '[]', '', CASE status WHEN"
            " 'disetujui' THEN 'disetujui' WHEN 'dikembalikan' THEN 'dikembalikan' ELSE"
            f" 'menunggu' END, datetime('now'), CASE WHEN status IN ('disetujui',"
            f" 'dikembalikan') THEN {admin.pk} END, '' FROM verval_assignment"
            " WHERE status != 'belum'"
        )
        cursor.execute("SELECT count(*) FROM verval_visit")
        (visits,) = cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"seconds": time.perf_counter() - started, "visits": visits}


def child_progress(arguments: argparse.Namespace) -> dict[str, Any]:
    django_setup()
    import importlib

    from django.db.models import Count

    from entas.accounts.models import User
    from entas.verval.models import Assignment, Campaign

    campaign = Campaign.objects.get(name="Bench progress")
    admin = User.objects.get(username="bench-admin")
    plain, groups = [], 0
    for _run in range(arguments.runs):
        started = time.perf_counter()
        rows = list(
            Assignment.objects.filter(campaign=campaign)
            .order_by()
            .values_list("kelurahan_id", "status")
            .annotate(n=Count("pk"))
        )
        plain.append(time.perf_counter() - started)
        groups = len(rows)
    try:
        module = importlib.import_module("entas.verval.selectors_progress")
    except ModuleNotFoundError:
        return {"plain": plain, "groups": groups, "selector": [], "rows": 0}
    selector, listed = [], 0
    for _run in range(arguments.runs):
        started = time.perf_counter()
        progress = module.campaign_progress(campaign=campaign, user=admin, level=module.KELURAHAN)
        selector.append(time.perf_counter() - started)
        listed = len(progress.rows)
    return {"plain": plain, "groups": groups, "selector": selector, "rows": listed}


CHILDREN = {
    "assign": child_assign,
    "submit": child_submit,
    "approve": child_approve,
    "photo": child_photo,
    "progress_build": child_progress_build,
    "progress": child_progress,
}


if __name__ == "__main__":
    main()
