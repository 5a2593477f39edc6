"""The interventions demo on the synthetic city: a period from needs to delivered help,
through the services, so every rule holds as it would for people clicking.

`interventions_demo_run` needs a city where `verval_demo`, `load_programmes` and
`recommend` have run. It makes one officer per organisation that owns a programme
(`demo-opd-<code>`, with the partner role for partners), gives each programme with open
recommendations an allocation of 70–90% of them (so some needs stay uncovered: the
coverage gaps), proposes each programme's recommendations in bulk as demo-admin (up to
the allocation), and lets each officer work its queue (`interventions_demo_queues`): most
accepted, some declined with a reason, the rest left waiting; of the accepted most
scheduled, about 70% delivered (a few in part), half of those closed with an outcome. The
first referral of each queue is always delivered, so every organisation shows a delivery.

Then a CSR example programme for assistive devices takes a few families Dinsos has already
committed to for the same need, as two agencies working off one list do: the
double-dipping alerts. Last, Baznas pledges 20 assistive devices in the kecamatan where
most such needs are still unanswered; Dinsos matches families to it and Baznas hands a
few over.

Demo only: refused when DEBUG is off. What the demo made is what demo-admin did in the
period (`interventions_demo_cleanup`); `replace` removes it first, so the same seed on
the same city gives the same result again.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from entas.accounts.models import Organization, OrganizationKind, Role, User
from entas.core.exceptions import EntasError
from entas.interventions import choices as ic
from entas.interventions.models import (
    Pledge,
    Programme,
    ProgrammeAllocation,
    Recommendation,
    Referral,
)
from entas.interventions.selectors_gaps import SAME_NEED, coverage_gap_count, double_dipping
from entas.interventions.services.catalogue import ProgrammeData, allocation_set, programme_create
from entas.interventions.services.pledges import adoption_delivered, pledge_create, pledge_match
from entas.interventions.services.proposals import recommendations_propose
from entas.interventions.services.referrals import ReferralError, referral_propose
from entas.registry import choices as rc
from entas.synth.demo_accounts import DEMO_PASSWORD, demo_mode, demo_user
from entas.synth.interventions_demo_cleanup import demo_made_anything, interventions_demo_delete
from entas.synth.interventions_demo_queues import CSR_SHARES, OPD_SHARES, QueueWork, queue_work
from entas.targeting.models import Period
from entas.verval import choices as vc
from entas.verval.models import Need
from entas.wilayah.models import Region

ADMIN = "demo-admin"
OFFICER_PREFIX = "demo-opd-"
QUOTA_SHARES = (0.7, 0.9)  # of a programme's open recommendations
CSR_PROGRAMME = "alat-bantu-csr"
CSR_OWNER = "csr-contoh"
DOUBLE_FAMILIES = 4  # families whose wheelchair need two organisations answer
PLEDGE_PARTNER = "baznas"
PLEDGE_DEVICES = 20
PLEDGE_HANDED_OVER = 5
PLEDGE_NOTE = "Komitmen Baznas pada kota sintetis (entas interventions_demo)."


class InterventionsDemoError(EntasError):
    """The demo cannot run; the message says what to do first."""


class DemoReferralsExist(InterventionsDemoError):
    """The period already has the demo's referrals and `replace` was not asked for."""


@dataclass(frozen=True)
class OrganizationTally:
    """One organisation's referrals in the period, by where they ended."""

    code: str
    name: str
    proposed: int
    waiting: int
    accepted: int  # committed: accepted, scheduled, delivered or closed
    declined: int
    delivered: int  # delivered or closed
    closed: int  # with an outcome


@dataclass
class DemoResult:
    period: Period
    officers: list[str] = field(default_factory=list)
    allocations: int = 0
    refused: int = 0  # proposals the rules refused (exclusions, a need no longer open)
    double_families: int = 0
    organizations: list[OrganizationTally] = field(default_factory=list)
    gaps: int = 0
    alerts: int = 0
    same_need_alerts: int = 0
    pledge: Pledge | None = None
    adopted: int = 0
    handed_over: int = 0
    deleted: dict[str, int] | None = None  # what --replace removed


# --- the run ----------------------------------------------------------------------------


def interventions_demo_run(*, period_code: str, seed: int, replace: bool = False) -> DemoResult:
    """Run a period from needs to delivered help; see the module docstring."""
    if not demo_mode():
        raise InterventionsDemoError(
            "Demo intervensi hanya boleh dijalankan saat DEBUG aktif (mode demo)."
        )
    period, admin = _period(period_code), _admin()
    existing = demo_made_anything(period=period, admin=admin)
    if existing and not replace:
        raise DemoReferralsExist(
            f"Periode {period.name} sudah berisi rujukan demo; tambahkan --replace untuk "
            "membuatnya ulang."
        )
    _check_ready(period)
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not a secret
    result = DemoResult(period=period)
    with transaction.atomic():
        if existing:
            result.deleted = interventions_demo_delete(period=period, admin=admin)
        _run(period, admin, rng, result)
    return result


def _run(period: Period, admin: User, rng: random.Random, result: DemoResult) -> None:
    csr = _csr_programme(admin)
    programmes = _programmes_by_size(period, exclude=csr)
    officers = _officers()
    result.officers = sorted(user.username for user in officers.values())
    for programme in programmes:
        result.allocations += _allocate(admin, period, programme, rng)
        result.refused += _propose(admin, period, programme)
    work = QueueWork(today=timezone.localdate(), rng=rng)
    for code in sorted(officers):
        if code != CSR_OWNER:
            queue_work(officer=officers[code], shares=OPD_SHARES, work=work)
    result.double_families = _double_dipping(admin, period, csr, rng)
    queue_work(officer=officers[CSR_OWNER], shares=CSR_SHARES, work=work)
    _pledge(admin, officers.get(PLEDGE_PARTNER), period, result)
    _totals(admin, period, result)


def _period(code: str) -> Period:
    period = Period.objects.filter(code=code).first()
    if period is None:
        raise InterventionsDemoError(
            f"Periode {code} belum ada: jalankan 'entas classify --period {code}'."
        )
    return period


def _admin() -> User:
    admin = User.objects.filter(username=ADMIN).first()
    if admin is None:
        raise InterventionsDemoError(
            "Pengguna demo belum ada: jalankan 'entas demo_users' lebih dahulu."
        )
    return admin


def _check_ready(period: Period) -> None:
    if not Organization.objects.filter(code=CSR_OWNER).exists():
        raise InterventionsDemoError(
            "Katalog program belum dimuat: jalankan 'entas load_programmes' lebih dahulu."
        )
    if not Recommendation.objects.filter(period=period).exists():
        raise InterventionsDemoError(
            f"Periode {period.name} belum punya rekomendasi: jalankan "
            f"'entas recommend --period {period.code}' lebih dahulu."
        )


# --- officers, allocations, proposals ---------------------------------------------------


def _officers() -> dict[str, User]:
    """One demo officer per organisation owning an active programme, by its code."""
    owners = Organization.objects.filter(programmes__is_active=True).distinct()
    password = make_password(DEMO_PASSWORD)
    officers = {}
    for owner in owners.order_by("code"):
        partner = owner.kind == OrganizationKind.PARTNER
        officers[owner.code] = demo_user(
            username=f"{OFFICER_PREFIX}{owner.code}",
            role=Role.PARTNER if partner else Role.OPD_OFFICER,
            full_name=f"{'Mitra' if partner else 'Petugas'} {owner.name} (demo)",
            organization=owner, password_hash=password,
        )  # fmt: skip
    return officers


def _open_recommendations(period: Period, programme: Programme) -> int:
    return Recommendation.objects.filter(
        period=period, programme=programme, status=ic.RecommendationStatus.OPEN
    ).count()


def _programmes_by_size(period: Period, *, exclude: Programme) -> list[Programme]:
    """Active programmes with open recommendations, the smallest first: a small programme
    proposed after a large one that excludes it would find its families taken."""
    found = [
        (_open_recommendations(period, programme), programme.code, programme)
        for programme in Programme.objects.filter(is_active=True).exclude(pk=exclude.pk)
    ]
    return [programme for count, _code, programme in sorted(found) if count]


def _allocate(admin: User, period: Period, programme: Programme, rng: random.Random) -> int:
    """An allocation of 70–90% of the open recommendations; 1 when made."""
    quota = max(1, round(_open_recommendations(period, programme) * rng.uniform(*QUOTA_SHARES)))
    return _allocation_write(admin, programme, period, quota)


def _allocation_write(admin: User, programme: Programme, period: Period, quota: int) -> int:
    """Quota and budget (quota × unit cost), 1 when written; 0 when the programme already
    has an allocation for the period (that one is kept)."""
    if ProgrammeAllocation.objects.filter(programme=programme, period=period).exists():
        return 0
    budget = programme.unit_cost * quota
    allocation_set(actor=admin, programme=programme, period=period, quota=quota, budget=budget)
    return 1


def _propose(admin: User, period: Period, programme: Programme) -> int:
    """Every open recommendation the allocation has room for; returns the refusals."""
    refused = 0
    while True:
        result = recommendations_propose(actor=admin, period=period, programme=programme)
        refused += sum(result.refused.values())
        if result.allocation_full or not result.left_open or not result.proposed:
            return refused


# --- double-dipping and the pledge ------------------------------------------------------


def _csr_programme(admin: User) -> Programme:
    """The CSR example's assistive-device programme (made once, through the catalogue)."""
    existing = Programme.objects.filter(code=CSR_PROGRAMME).first()
    if existing is not None:
        return existing
    data = ProgrammeData(
        name="Alat bantu disabilitas CSR (contoh)", owner=Organization.objects.get(code=CSR_OWNER),
        kind=ic.ProgrammeKind.IN_KIND, strategy=ic.Strategy.REDUCE_BURDEN,
        target=ic.Target.PERSON, needs=[vc.NeedKind.ASSISTIVE_DEVICE],
        eligibility=[
            {"field": "need.kind", "op": "in", "value": [vc.NeedKind.ASSISTIVE_DEVICE]},
            {"field": "person.disability", "op": "is", "value": True},
        ],
        unit="unit", unit_cost=Decimal(2_000_000),
        description="Contoh program mitra untuk demo: perusahaan menyalurkan alat bantu dari "
        "daftar penerima yang sama dengan Dinsos (entas interventions_demo).",
    )  # fmt: skip
    return programme_create(actor=admin, code=CSR_PROGRAMME, data=data)


def _double_dipping(admin: User, period: Period, csr: Programme, rng: random.Random) -> int:
    """Refer to the CSR programme a few members whose assistive-device need another
    organisation has already committed to; families the rules refuse are skipped."""
    answered = list(
        Referral.objects.filter(
            period=period, status__in=ic.COMMITTED, need__kind=vc.NeedKind.ASSISTIVE_DEVICE,
            need__status=vc.NeedStatus.OPEN, person__isnull=False,
        )
        .exclude(organization_id=csr.owner_id)
        .select_related("household", "person", "need")
        .order_by("pk")
    )  # fmt: skip
    rng.shuffle(answered)
    _allocation_write(admin, csr, period, DOUBLE_FAMILIES)
    referred = 0
    for referral in answered:
        if referred == DOUBLE_FAMILIES:
            break
        try:
            referral_propose(
                actor=admin, period=period, programme=csr, household=referral.household,
                person=referral.person, need=referral.need,
            )  # fmt: skip
        except ReferralError:
            continue
        referred += 1
    return referred


def _busiest_kecamatan() -> Region | None:
    """The kecamatan with most open assistive-device needs no committed referral answers."""
    answered = Referral.objects.filter(need_id=OuterRef("pk"), status__in=ic.COMMITTED)
    counts = (
        Need.objects.filter(
            kind=vc.NeedKind.ASSISTIVE_DEVICE, status=vc.NeedStatus.OPEN,
            household__status=rc.HouseholdStatus.ACTIVE,
        )
        .exclude(Exists(answered))
        .values("household__kelurahan__parent_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "household__kelurahan__parent_id")
    )  # fmt: skip
    busiest = counts.first()
    return Region.objects.get(code=busiest["household__kelurahan__parent_id"]) if busiest else None


def _pledge(admin: User, officer: User | None, period: Period, result: DemoResult) -> None:
    """Baznas pledges assistive devices (wheelchairs, crutches, hearing aids) where most
    are still wanted; Dinsos matches families to the pledge and Baznas hands a few over."""
    kecamatan = _busiest_kecamatan()
    if kecamatan is None:
        return
    partner = Organization.objects.get(code=PLEDGE_PARTNER)
    result.pledge = pledge_create(
        actor=admin, partner=partner, period=period, need_kind=vc.NeedKind.ASSISTIVE_DEVICE,
        area=kecamatan, quantity=PLEDGE_DEVICES, note=PLEDGE_NOTE,
    )  # fmt: skip
    adoptions = pledge_match(actor=admin, pledge=result.pledge)
    result.adopted = len(adoptions)
    for adoption in adoptions[:PLEDGE_HANDED_OVER]:
        adoption_delivered(
            actor=officer or admin, adoption=adoption, delivered_on=timezone.localdate()
        )
        result.handed_over += 1


# --- the summary ------------------------------------------------------------------------


def _totals(admin: User, period: Period, result: DemoResult) -> None:
    result.organizations = organization_tallies(period=period, admin=admin)
    result.gaps = coverage_gap_count(user=admin, period=period)
    alerts = double_dipping(user=admin, period=period)
    result.alerts = len(alerts)
    result.same_need_alerts = sum(1 for alert in alerts if alert.rule == SAME_NEED)


def organization_tallies(*, period: Period, admin: User) -> list[OrganizationTally]:
    """Each organisation's demo referrals of the period, counted by status."""
    rows = (
        Referral.objects.filter(period=period, proposed_by=admin)
        .values_list("organization__code", "organization__name", "status")
        .annotate(n=Count("pk"))
        .order_by("organization__name", "organization__code")
    )
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for code, name, status, n in rows:
        counts.setdefault((code, name), {})[status] = n
    return [_tally(code, name, by_status) for (code, name), by_status in counts.items()]


def _tally(code: str, name: str, by_status: dict[str, int]) -> OrganizationTally:
    def count(*statuses: str) -> int:
        return sum(by_status.get(status, 0) for status in statuses)

    status = ic.ReferralStatus
    return OrganizationTally(
        code=code, name=name, proposed=sum(by_status.values()), waiting=count(status.PROPOSED),
        accepted=count(*ic.COMMITTED), declined=count(status.DECLINED),
        delivered=count(status.DELIVERED, status.CLOSED), closed=count(status.CLOSED),
    )  # fmt: skip
