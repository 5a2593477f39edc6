"""Bulk proposal: a programme's open recommendations become referrals, extremely poor and
poorest first, up to the places its allocation still has; the rules of one proposal hold
for each, and the recommendations page offers it to Dinsos admins only."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from tests.factories import make_household

from entas.core.models import AuditEvent
from entas.interventions import choices as c
from entas.interventions.models import Recommendation, Referral
from entas.interventions.selectors_proposals import Places, places_left, proposal_rows
from entas.interventions.services.proposals import PROPOSALS_MAX, recommendations_propose
from entas.interventions.services.referrals import (
    ReferralError,
    referral_accept,
    referral_decline,
    referral_propose,
)
from entas.registry.models import Household
from entas.targeting import choices as tc
from entas.targeting.models import Classification

from . import builders as b

METESEH, ROWOSARI = "33.74.10.1001", "33.74.10.1002"
EXTREME, POOR = tc.Status.EXTREME, tc.Status.POOR
OPEN, REFERRED = c.RecommendationStatus.OPEN, c.RecommendationStatus.REFERRED


def health_check(**fields):
    return b.programme("cek-kesehatan", b.dinkes(), name="Cek Kesehatan", **fields)


def recommended(programme, status=EXTREME, rank=None, kelurahan=METESEH) -> Household:
    """A family classified `status` with proxy-score rank `rank` in the test period, with an
    open recommendation of `programme`."""
    period = b.period()
    family = make_household(kelurahan_code=kelurahan)
    Classification.objects.create(
        period=period, household=family, kelurahan_id=family.kelurahan_id, status=status,
        rule=tc.Rule.FINDING, score_rank=rank,
    )  # fmt: skip
    Recommendation.objects.create(period=period, household=family, programme=programme)
    return family


def propose_all(admin, programme, **fields):
    return recommendations_propose(actor=admin, period=b.period(), programme=programme, **fields)


def referred(programme) -> list[int]:
    """Families with a live referral to `programme`, in the order they were proposed."""
    live = Referral.objects.filter(programme=programme, status__in=c.LIVE).order_by("pk")
    return list(live.values_list("household_id", flat=True))


def still_open(programme) -> set[int]:
    found = Recommendation.objects.filter(programme=programme, status=OPEN)
    return set(found.values_list("household_id", flat=True))


# --- the service ----------------------------------------------------------------------


@pytest.mark.django_db
def test_extremely_poor_come_first_then_the_poorest_by_rank(admin_dinsos):
    programme = health_check()
    b.allocation(programme, b.period(), quota=3)
    poor_middle = recommended(programme, POOR, rank=0.1)
    extreme_late = recommended(programme, EXTREME, rank=0.5)
    poor_unranked = recommended(programme, POOR, rank=None)
    extreme_early = recommended(programme, EXTREME, rank=0.2)
    poor_first = recommended(programme, POOR, rank=0.05)

    result = propose_all(admin_dinsos, programme)

    assert referred(programme) == [extreme_early.pk, extreme_late.pk, poor_first.pk]
    assert still_open(programme) == {poor_middle.pk, poor_unranked.pk}
    assert (result.proposed, result.short_of, result.left_open) == (3, "quota", 2)
    assert not result.refused


@pytest.mark.django_db
def test_the_quota_counts_committed_and_undecided_referrals(admin_dinsos, opd_dinkes):
    programme = health_check()
    b.allocation(programme, b.period(), quota=4)
    taken = referral_propose(
        actor=admin_dinsos, period=b.period(), programme=programme,
        household=make_household(), quantity=2,
    )  # fmt: skip
    referral_accept(actor=opd_dinkes, referral=taken)  # holds 2
    referral_propose(  # undecided: holds 1
        actor=admin_dinsos, period=b.period(), programme=programme, household=make_household()
    )
    declined = referral_propose(
        actor=admin_dinsos, period=b.period(), programme=programme, household=make_household()
    )
    referral_decline(actor=opd_dinkes, referral=declined, reason="Di luar sasaran")  # holds 0
    families = [recommended(programme, rank=rank / 10) for rank in range(3)]

    assert places_left(period=b.period(), programme=programme) == Places(1, None)
    result = propose_all(admin_dinsos, programme)

    assert (result.proposed, result.short_of, result.left_open) == (1, "quota", 2)
    assert still_open(programme) == {families[1].pk, families[2].pk}


@pytest.mark.django_db
def test_the_budget_stops_the_run_counting_what_is_held(admin_dinsos, opd_dinkes):
    programme = health_check(unit_cost=Decimal(1_000_000))
    b.allocation(programme, b.period(), budget=Decimal(3_500_000))
    held = referral_propose(
        actor=admin_dinsos, period=b.period(), programme=programme, household=make_household()
    )
    referral_accept(actor=opd_dinkes, referral=held)
    families = [recommended(programme, rank=rank / 10) for rank in range(4)]

    assert places_left(period=b.period(), programme=programme) == Places(None, Decimal(2_500_000))
    result = propose_all(admin_dinsos, programme)

    assert (result.proposed, result.short_of, result.left_open) == (2, "budget", 2)
    assert referred(programme)[1:] == [families[0].pk, families[1].pk]
    assert Referral.objects.filter(programme=programme, status="diusulkan").count() == 2
    assert places_left(period=b.period(), programme=programme) == Places(None, Decimal(500_000))


@pytest.mark.django_db
def test_refusals_are_counted_by_message_and_stay_open(admin_dinsos):
    programme = health_check()
    other = b.programme("bantuan-lain", b.dinkes(), name="Bantuan Lain")
    programme.excludes.add(other)
    b.allocation(programme, b.period(), quota=2)  # one is held by the proposal of `already`
    excluded = [recommended(programme, rank=rank) for rank in (0.01, 0.02)]
    already = recommended(programme, rank=0.03)
    fine = recommended(programme, rank=0.04)
    for family in excluded:
        referral_propose(actor=admin_dinsos, period=b.period(), programme=other, household=family)
    referral_propose(actor=admin_dinsos, period=b.period(), programme=programme, household=already)

    result = propose_all(admin_dinsos, programme)

    assert result.proposed == 1
    assert dict(result.refused) == {
        "Keluarga ini sudah diusulkan/menerima Bantuan Lain, yang tidak boleh bersamaan dengan "
        "Cek Kesehatan.": 2,
        "Keluarga ini sudah dirujuk ke Cek Kesehatan pada periode ini.": 1,
    }
    assert still_open(programme) == {excluded[0].pk, excluded[1].pk, already.pk}
    assert Recommendation.objects.get(household=fine).status == REFERRED
    assert (result.short_of, result.left_open) == ("", 0)  # refusals gave their place back


@pytest.mark.django_db
def test_the_kelurahan_filter_and_the_limit(admin_dinsos):
    programme = health_check()  # no allocation: no limit but the one asked for
    in_meteseh = [recommended(programme, rank=rank) for rank in (0.1, 0.2)]
    in_rowosari = recommended(programme, rank=0.0, kelurahan=ROWOSARI)

    only_rowosari = propose_all(admin_dinsos, programme, kelurahan_code=ROWOSARI)
    one_of_meteseh = propose_all(admin_dinsos, programme, kelurahan_code=METESEH, limit=1)

    assert (only_rowosari.proposed, only_rowosari.left_open) == (1, 0)
    assert (one_of_meteseh.proposed, one_of_meteseh.left_open) == (1, 1)
    assert one_of_meteseh.short_of == ""
    assert referred(programme) == [in_rowosari.pk, in_meteseh[0].pk]
    assert still_open(programme) == {in_meteseh[1].pk}


@pytest.mark.django_db
def test_one_audit_record_sums_the_run(admin_dinsos):
    programme = health_check()
    b.allocation(programme, b.period(), quota=2)
    for rank in (0.1, 0.2, 0.3):
        recommended(programme, rank=rank)

    propose_all(admin_dinsos, programme, kelurahan_code=METESEH)

    run = AuditEvent.objects.get(action="referral.propose_bulk")
    assert run.actor == admin_dinsos
    assert run.changes == {
        "period": "2025-01", "kelurahan": METESEH, "proposed": 2, "refused": {},
        "short_of": "quota", "left_open": 1,
    }  # fmt: skip
    assert AuditEvent.objects.filter(action="referral.propose").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "fields", "message"),
    [
        ("opd_dinkes", {}, "Hanya petugas Dinas Sosial yang dapat mengusulkan"),
        ("admin_dinsos", {"limit": 0}, "Jumlah yang diusulkan harus antara 1 dan 2000."),
        ("admin_dinsos", {"limit": PROPOSALS_MAX + 1}, "harus antara 1 dan 2000"),
    ],
)
def test_refused_runs_write_nothing(request, regions, who, fields, message):
    programme = health_check()
    recommended(programme)

    with pytest.raises(ReferralError, match=message):
        propose_all(request.getfixturevalue(who), programme, **fields)

    assert not Referral.objects.exists()
    assert Recommendation.objects.get().status == OPEN
    assert not AuditEvent.objects.filter(action__startswith="referral.").exists()


@pytest.mark.django_db
def test_an_inactive_programme_is_refused(admin_dinsos):
    programme = health_check(is_active=False)
    recommended(programme)

    with pytest.raises(ReferralError, match="Program Cek Kesehatan tidak aktif."):
        propose_all(admin_dinsos, programme)

    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_page_rows_show_what_is_open_and_left(admin_dinsos, django_assert_num_queries):
    checks = health_check(unit="orang", unit_cost=Decimal(100_000))
    cash = b.programme("blt", b.dinkes(), name="BLT", unit_cost=Decimal(600_000))
    free = b.programme("konseling", b.dinkes(), name="Konseling")
    b.allocation(checks, b.period(), quota=5)
    b.allocation(cash, b.period(), budget=Decimal(1_500_000))
    for programme, count in ((checks, 7), (cash, 1), (free, 2)):
        for _ in range(count):
            recommended(programme)

    period = b.period()

    with django_assert_num_queries(6):  # four, and one per programme with an allocation
        rows = proposal_rows(period=period, kelurahan_code="", most=PROPOSALS_MAX)

    assert [(r.programme.code, r.open, r.places, r.suggested) for r in rows] == [
        ("blt", 1, Places(None, Decimal(1_500_000)), 1),
        ("cek-kesehatan", 7, Places(5, None), 5),
        ("konseling", 2, Places(None, None), 2),
    ]


# --- the page -------------------------------------------------------------------------


def post(client, offered, **fields):
    values = {"period": "2025-01", "programme": offered.code, "kelurahan": "", "number": "10"}
    values.update(fields)
    return client.post(reverse("interventions:recommendations_propose"), values)


def message_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_an_admin_proposes_from_the_recommendations_page(admin_dinsos, client_for):
    programme = health_check()
    b.allocation(programme, b.period(), quota=2)
    families = [recommended(programme, rank=rank) for rank in (0.1, 0.2, 0.3, 0.4)]
    first = families[0]  # referred already, not from its recommendation: one place is held
    referral_propose(actor=admin_dinsos, period=b.period(), programme=programme, household=first)
    client = client_for(admin_dinsos)

    page = client.get(reverse("interventions:recommendations"), {"periode": "2025-01"})
    response = post(client, programme, number="2")

    assert "Usulkan sekaligus" in page.text
    assert 'name="number" min="1" max="2000" value="1"' in page.text  # one place left
    assert response.status_code == 302
    assert response["Location"] == reverse("interventions:recommendations") + (
        "?periode=2025-01&kelurahan="
    )
    assert message_of(response) == [
        "1 rujukan diusulkan ke Cek Kesehatan; 1 tidak dapat diusulkan: Keluarga ini sudah "
        "dirujuk ke Cek Kesehatan pada periode ini (1); kuota penuh, 2 rekomendasi tetap "
        "terbuka."
    ]
    assert referred(programme) == [first.pk, families[1].pk]


@pytest.mark.django_db
def test_only_admins_may_propose(cast, client_for):
    programme = health_check()
    recommended(programme)

    for username, user in cast.items():
        if username != "admin_dinsos":
            assert post(client_for(user), programme).status_code == 403, username

    assert not Referral.objects.exists()
    assert Recommendation.objects.get().status == OPEN


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": "0"}, "Jumlah yang diusulkan paling sedikit 1."),
        (
            {"number": "2001"},
            "Jumlah yang diusulkan paling banyak 2000 sekali jalan; usulkan sisanya lagi"
            " sesudahnya.",
        ),
        ({"number": "sepuluh"}, "Jumlah yang diusulkan harus bilangan bulat."),
        ({"number": ""}, "Isi jumlah rekomendasi yang diusulkan."),
        ({"programme": "tidak-ada"}, "Program itu tidak ditemukan."),
        ({"period": "1999-01"}, "Periode itu tidak ditemukan."),
        ({"kelurahan": "33.74.99.9999"}, "Kelurahan itu tidak ditemukan."),
        ({"programme": "lama"}, "Program Program Lama tidak aktif."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(
    admin_dinsos, client_for, fields, message
):
    programme = health_check()
    retired = b.programme("lama", b.dinkes(), name="Program Lama", is_active=False)
    recommended(programme)
    recommended(retired)

    response = post(client_for(admin_dinsos), programme, **fields)

    assert response.status_code == 302
    assert message_of(response) == [message]
    assert not Referral.objects.exists()
    assert set(Recommendation.objects.values_list("status", flat=True)) == {OPEN}
    assert not AuditEvent.objects.filter(action__startswith="referral.").exists()
