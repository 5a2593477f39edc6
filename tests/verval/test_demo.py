"""`entas verval_demo`: the whole campaign cycle on a small synthetic city."""

import datetime as dt
import math
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from entas.accounts.models import Role, User
from entas.registry import choices as rc
from entas.registry.models import Household, Membership, WelfareRecord
from entas.targeting.models import FieldFinding
from entas.verval import choices as c
from entas.verval.models import Assignment, Campaign, Companionship, Need, Visit
from entas.wilayah.models import Region

pytestmark = pytest.mark.usefixtures("regions")

SEED = 2025
VISITED, APPROVED = 0.6, 0.7


@pytest.fixture
def city(settings) -> None:
    """300 synthetic families, the demo users, and January 2025 classified and frozen."""
    settings.DEBUG = True
    call_command("synth", households=300, seed=7, replace=True, stdout=StringIO())
    call_command("demo_users", stdout=StringIO())
    call_command("classify", "--period", "2025-01", "--freeze", stdout=StringIO())


def demo(*arguments: str, seed: int = SEED) -> str:
    out = StringIO()
    call_command("verval_demo", "--period", "2025-01", "--seed", str(seed), *arguments, stdout=out)
    return out.getvalue()


def within_chance(count: int, trials: int, share: float) -> bool:
    """`count` successes of `trials` draws is a plausible outcome of probability `share`."""
    return abs(count - share * trials) <= 4 * math.sqrt(trials * share * (1 - share)) + 1


def visits_seen() -> list[tuple]:
    return sorted(
        Visit.objects.values_list("household_id", "outcome", "consent", "causes", "needs")
    )


class Rollback(Exception):
    pass


def run_and_forget(seed: int) -> list[tuple]:
    """The visits a demo run sends, with the database left as it was before the run."""
    try:
        with transaction.atomic():
            demo(seed=seed)
            seen = visits_seen()
            raise Rollback
    except Rollback:
        return seen


def test_demo_runs_the_whole_cycle(city):
    # when the demo campaign runs on the synthetic city
    output = demo()
    # then the campaign runs, January 2025, with every family given to its kelurahan's PSM
    campaign = Campaign.objects.get()
    assert (campaign.name, campaign.status) == ("Verval Januari 2025", c.CampaignStatus.ACTIVE)
    assert (campaign.starts_on, campaign.deadline) == (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    assignments = list(Assignment.objects.select_related("officer"))
    assert assignments
    assert all(a.officer is not None for a in assignments)
    for assignment in assignments:
        assert assignment.officer is not None
        assert assignment.officer.username == "demo-psm-" + assignment.kelurahan_id.replace(".", "")
        assert list(assignment.officer.areas.values_list("code", flat=True)) == [
            assignment.kelurahan_id
        ]
    kelurahan = {a.kelurahan_id for a in assignments}
    psm = User.objects.filter(username__startswith="demo-psm-")
    assert psm.count() == len(kelurahan)
    assert set(psm.values_list("role", flat=True)) == {Role.FIELD_OFFICER}
    first = Region.objects.get(code=sorted(kelurahan)[0])
    assert psm.get(areas=first).full_name == f"PSM {first.name} (demo)"
    # and visits were sent and reviewed in the chosen shares
    visits = list(Visit.objects.select_related("officer", "reviewed_by", "assignment"))
    assert within_chance(len(visits), len(assignments), VISITED)
    approved = [v for v in visits if v.status == c.VisitStatus.APPROVED]
    returned = [v for v in visits if v.status == c.VisitStatus.RETURNED]
    assert within_chance(len(approved) + len(returned), len(visits), APPROVED + 0.05)
    assert within_chance(len(approved), len(visits), APPROVED)
    assert returned
    assert all(v.review_note for v in returned)
    assert f"Kunjungan dikirim: {len(visits)} (" in output
    assert f"Disetujui {len(approved)}, dikembalikan {len(returned)}" in output


def test_visits_are_dated_in_the_campaign_and_reviewed_by_someone_else(city):
    demo()
    coordinator = User.objects.get(username="demo-petugas")
    (kecamatan,) = coordinator.areas.values_list("code", flat=True)
    for visit in Visit.objects.select_related("officer", "reviewed_by", "assignment"):
        assert dt.date(2025, 1, 1) <= visit.visited_at.date() <= dt.date(2025, 1, 31)
        assert visit.officer == visit.assignment.officer
        if visit.reviewed_by is None:
            assert visit.status == c.VisitStatus.SUBMITTED
            continue
        assert visit.reviewed_by != visit.officer
        in_area = visit.assignment.kelurahan_id.startswith(kecamatan + ".")
        assert visit.reviewed_by.username == ("demo-petugas" if in_area else "demo-admin")
        if visit.outcome == c.Outcome.DIED:
            assert visit.household.memberships.count() == 1


def test_approved_visits_wrote_their_findings(city):
    demo()
    approved = Visit.objects.filter(status=c.VisitStatus.APPROVED)
    assert approved.exists()
    findings = {f.reference: f for f in FieldFinding.objects.filter(source="verval")}
    assert set(findings) == {f"verval:{visit.pk}" for visit in approved}
    for visit in approved:
        finding = findings[f"verval:{visit.pk}"]
        assert (finding.household_id, finding.outcome) == (visit.household_id, visit.outcome)
    for visit in Visit.objects.exclude(status=c.VisitStatus.APPROVED):
        assert f"verval:{visit.pk}" not in findings


def test_needs_follow_the_registry(city):
    # given members who cannot walk at all, in families the demo visited with consent
    demo()
    consenting = Visit.objects.filter(consent=c.Consent.GIVEN)
    cannot_walk = Membership.objects.filter(
        household__in=consenting.values("household"),
        end_date__isnull=True,
        person__difficulty_walking=rc.Difficulty.CANNOT,
    )
    assert cannot_walk.exists()
    # then each visit asked a wheelchair for each of them
    for membership in cannot_walk:
        visit = consenting.get(household_id=membership.household_id)
        wanted = {"kind": "alat_bantu", "detail": "kursi_roda", "person_id": membership.person_id}
        assert wanted in visit.needs
    # and a family that was not met gave no family data
    for visit in Visit.objects.exclude(outcome__in=c.MET_OUTCOMES):
        assert (visit.consent, visit.needs, visit.causes) == ("tidak_berlaku", [], [])


def test_the_same_seed_sends_the_same_visits(city):
    first = run_and_forget(SEED)
    again = run_and_forget(SEED)
    other = run_and_forget(SEED + 1)

    assert first == again
    assert other != first
    assert not Campaign.objects.exists()


def test_a_second_run_stops_cleanly_and_replace_makes_it_again(city):
    # given a demo campaign
    demo()
    campaign = Campaign.objects.get()
    visits = Visit.objects.count()
    # when the demo runs again without --replace, then it says so and changes nothing
    output = demo()
    assert output.strip() == (
        "Kampanye demo “Verval Januari 2025” sudah ada; tambahkan --replace untuk membuatnya ulang."
    )
    assert list(Campaign.objects.all()) == [campaign]
    assert Visit.objects.count() == visits
    # when it runs with --replace, then one new campaign replaces it, with no stale findings
    output = demo("--replace")
    assert output.startswith("Kampanye demo lama dihapus.\n")
    (replaced,) = Campaign.objects.all()
    assert replaced.pk != campaign.pk
    references = set(
        FieldFinding.objects.filter(source="verval").values_list("reference", flat=True)
    )
    approved = Visit.objects.filter(status=c.VisitStatus.APPROVED, assignment__campaign=replaced)
    assert references == {f"verval:{pk}" for pk in approved.values_list("pk", flat=True)}


def test_refused_when_debug_is_off(city, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="hanya boleh dibuat saat DEBUG aktif"):
        demo()

    assert not Campaign.objects.exists()
    assert not User.objects.filter(username__startswith="demo-psm-").exists()


def test_synth_replace_after_the_demo_leaves_no_verval_row(city):
    # given a demo campaign whose approvals wrote verval welfare records, needs, companions
    demo()
    assert Need.objects.exists()
    assert Companionship.objects.exists()
    # when the synthetic city is made again
    call_command("synth", households=120, seed=8, replace=True, stdout=StringIO())
    # then no verval row of the old city is left, and the registry is the new city alone
    for model in (Campaign, Assignment, Visit, Need, Companionship):
        assert not model.objects.exists(), model.__name__
    assert not WelfareRecord.objects.filter(source=rc.Source.VERVAL).exists()
    assert Household.objects.count() >= 120
