"""`entas interventions_demo`: a period from needs to delivered help on a small synthetic city."""

from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test import override_settings

from entas.accounts.models import Role, User
from entas.core.models import AuditEvent
from entas.interventions import choices as ic
from entas.interventions.models import (
    Adoption,
    Delivery,
    Pledge,
    Programme,
    ProgrammeAllocation,
    Recommendation,
    Referral,
)
from entas.interventions.selectors_gaps import SAME_NEED, coverage_gap_count, double_dipping
from entas.interventions.selectors_referrals import TABS, programme_usage, referral_queue
from entas.registry.models import HouseholdGrant
from entas.synth.interventions_demo import CSR_PROGRAMME
from entas.synth.interventions_demo_queues import DECLINE_REASONS
from entas.targeting.models import Classification, Period
from entas.verval import choices as vc
from entas.verval.models import Need

pytestmark = pytest.mark.usefixtures("db")

SEED = 2025
HOUSEHOLDS = 500
FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class DemoCity:
    period: Period
    output: str  # what the demo printed


def demo(*arguments: str, seed: int = SEED) -> str:
    out = StringIO()
    call_command(
        "interventions_demo", "--period", "2025-01", "--seed", str(seed), *arguments, stdout=out
    )
    return out.getvalue()


def _city_before_the_demo() -> Period:
    """A small synthetic city as `make demo` leaves it before this demo: January 2025
    classified and frozen, the verval demo, the example catalogue and recommendations."""
    quiet = {"stdout": StringIO()}
    call_command("synth", households=HOUSEHOLDS, seed=7, replace=True, **quiet)
    call_command("demo_users", **quiet)
    call_command("classify", "--period", "2025-01", "--freeze", **quiet)
    call_command("verval_demo", "--period", "2025-01", "--seed", "7", **quiet)
    call_command("load_programmes", **quiet)
    call_command("recommend", "--period", "2025-01", **quiet)
    return Period.objects.get(code="2025-01")


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker) -> Iterator[DemoCity]:
    """The city after one demo run, built once for the module in a transaction rolled
    back at the end; each test runs in a savepoint of it (like Django's setUpTestData)."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHING):
            period = _city_before_the_demo()
            output = demo()
        yield DemoCity(period=period, output=output)
        transaction.set_rollback(True)


def admin() -> User:
    return User.objects.get(username="demo-admin")


def test_every_organisation_with_recommendations_delivers(city):
    # given organisations whose programmes had recommendations for January
    owners = set(
        Recommendation.objects.filter(period=city.period).values_list(
            "programme__owner__code", flat=True
        )
    )
    assert len(owners) >= 8
    # then after the demo each has referrals delivered by its own demo officer
    delivered = Referral.objects.filter(
        period=city.period, status__in=(ic.ReferralStatus.DELIVERED, ic.ReferralStatus.CLOSED)
    )
    assert owners <= set(delivered.values_list("organization__code", flat=True))
    for delivery in Delivery.objects.select_related("referral__organization", "recorded_by"):
        officer = delivery.recorded_by
        assert officer.username == f"demo-opd-{delivery.referral.organization.code}"
        assert officer.organization_id == delivery.referral.organization_id
        assert delivery.evidence.startswith("BAST/")
    roles = dict(
        User.objects.filter(username__startswith="demo-opd-").values_list("username", "role")
    )
    assert (roles["demo-opd-baznas"], roles["demo-opd-dinkes"]) == (Role.PARTNER, Role.OPD_OFFICER)
    # and officers decided as officers do: most accepted, a few declined with a reason
    statuses = dict(
        Referral.objects.filter(period=city.period).values_list("status").annotate(n=Count("pk"))
    )
    assert 0 < statuses[ic.ReferralStatus.DECLINED] < statuses[ic.ReferralStatus.CLOSED]
    declined = Referral.objects.filter(status=ic.ReferralStatus.DECLINED)
    assert set(declined.values_list("decline_reason", flat=True)) <= set(DECLINE_REASONS)
    # and the summary says so per organisation
    assert city.output.startswith("Intervensi Januari 2025: ")
    assert "  Dinas Kesehatan  " in city.output
    assert "Peringatan bantuan ganda: " in city.output


def test_no_programme_holds_more_than_its_allocation(city):
    allocations = ProgrammeAllocation.objects.filter(period=city.period).select_related("programme")
    assert allocations.count() >= 10
    for allocation in allocations:
        used = programme_usage(programme_id=allocation.programme_id, period_id=city.period.pk)
        assert allocation.quota is not None
        assert allocation.budget is not None
        assert used.quantity <= allocation.quota, allocation.programme.code
        assert used.amount <= allocation.budget, allocation.programme.code
        assert used.quantity >= 1, allocation.programme.code


def test_gaps_and_double_dipping_are_visible(city):
    assert coverage_gap_count(user=admin(), period=city.period) > 0
    alerts = double_dipping(user=admin(), period=city.period)
    same_need = [alert for alert in alerts if alert.rule == SAME_NEED]
    assert 1 <= len(same_need) <= 4
    for alert in same_need:
        organizations = {fact.organization_name for fact in alert.referrals}
        assert "CSR (contoh)" in organizations
        assert len(organizations) == 2
        (need_id,) = {fact.need_id for fact in alert.referrals}
        assert Need.objects.get(pk=need_id).kind == vc.NeedKind.ASSISTIVE_DEVICE


def test_the_partner_pledge_adopts_unanswered_needs_in_one_kecamatan(city):
    pledge = Pledge.objects.select_related("partner", "area").get()
    assert (pledge.partner.code, pledge.need_kind, pledge.quantity) == (
        "baznas", vc.NeedKind.ASSISTIVE_DEVICE, 20,
    )  # fmt: skip
    adoptions = list(Adoption.objects.select_related("need", "household__kelurahan"))
    assert adoptions
    for adoption in adoptions:
        assert adoption.household.kelurahan.parent_id == pledge.area_id
        assert adoption.need.kind == vc.NeedKind.ASSISTIVE_DEVICE
        assert not adoption.need.referrals.filter(status__in=ic.COMMITTED).exists()
    handed_over = [adoption for adoption in adoptions if adoption.delivered_on is not None]
    assert 1 <= len(handed_over) <= 5
    assert all(adoption.need.status == vc.NeedStatus.MET for adoption in handed_over)


def test_an_organisation_sees_its_families_while_a_referral_is_live(city):
    live_grants = set(
        HouseholdGrant.objects.filter(revoked_at__isnull=True).values_list(
            "household_id", "organization_id", "reference"
        )
    )
    for referral in Referral.objects.all():
        grant = (referral.household_id, referral.organization_id, f"referral:{referral.pk}")
        assert (grant in live_grants) == (referral.status in ic.LIVE)


def test_an_officer_queue_shows_only_its_own_organisation(city):
    officers = User.objects.filter(username__startswith="demo-opd")
    assert officers.count() >= 10
    for officer in officers:
        for tab in TABS:
            seen = set(referral_queue(user=officer, tab=tab).values_list("organization", flat=True))
            assert seen <= {officer.organization_id}, (officer.username, tab)
    dinkes = list(referral_queue(user=User.objects.get(username="demo-opd"), tab="selesai"))
    assert dinkes
    assert dinkes == list(
        referral_queue(user=User.objects.get(username="demo-opd-dinkes"), tab="selesai")
    )


def counts() -> dict[str, object]:
    return {
        "referrals": sorted(
            Referral.objects.values_list("programme__code", "status").annotate(n=Count("pk"))
        ),
        "deliveries": sorted(Delivery.objects.values_list("quantity", "amount", "evidence")),
        "allocations": sorted(
            ProgrammeAllocation.objects.values_list("programme__code", "quota", "budget")
        ),
        "adoptions": Adoption.objects.count(),
        "pledges": Pledge.objects.count(),
        "live_grants": HouseholdGrant.objects.filter(revoked_at__isnull=True).count(),
        "open_needs": Need.objects.filter(status=vc.NeedStatus.OPEN).count(),
        "open_recommendations": Recommendation.objects.filter(
            status=ic.RecommendationStatus.OPEN
        ).count(),
    }


def test_a_second_run_refuses_and_replace_makes_the_same_again(city, settings):
    settings.DEBUG = True
    first = counts()
    allocations = set(ProgrammeAllocation.objects.values_list("pk", flat=True))
    # when the demo runs again without --replace, then it says so and changes nothing
    output = demo()
    assert output.strip() == (
        "Periode Januari 2025 sudah berisi rujukan demo; "
        "tambahkan --replace untuk membuatnya ulang."
    )
    assert counts() == first
    # when it runs with --replace, then the same seed gives the same result
    output = demo("--replace")
    assert output.startswith("Demo intervensi lama dihapus (")
    assert output.splitlines()[2:] == city.output.splitlines()[1:]  # all but the time taken
    assert counts() == first
    assert allocations.isdisjoint(ProgrammeAllocation.objects.values_list("pk", flat=True))
    assert Programme.objects.filter(code=CSR_PROGRAMME).count() == 1
    assert AuditEvent.objects.filter(action="interventions.demo_delete").count() == 1


def test_refused_when_debug_is_off(city, settings):
    settings.DEBUG = False
    before = counts()

    with pytest.raises(CommandError, match="hanya boleh dijalankan saat DEBUG aktif"):
        demo("--replace")

    assert counts() == before


def test_synth_replace_after_the_demo_lets_january_be_classified_again(city):
    # given the demo's allocations and pledge on frozen January
    assert ProgrammeAllocation.objects.exists()
    # when the synthetic city is made again, as a second `make demo` does
    call_command("synth", households=120, seed=8, replace=True, stdout=StringIO())
    connection.check_constraints()
    # then January went with its quotas and pledge, and can be classified and frozen again
    assert not Period.objects.filter(code="2025-01").exists()
    assert not ProgrammeAllocation.objects.exists()
    assert not Pledge.objects.exists()
    call_command("classify", "--period", "2025-01", "--freeze", stdout=StringIO())
    assert Classification.objects.filter(period__code="2025-01").exists()
