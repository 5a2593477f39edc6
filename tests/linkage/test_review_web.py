"""Review pages over HTTP: who may open and act, the queue's order and filters, a decision,
the merge history with undo, and bad input that changes nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from tests.factories import head_of, make_household, make_pair, next_kk

from entas.core.models import AuditEvent
from entas.linkage import merging, review, selectors
from entas.linkage.choices import PairRule, PairStatus, RunKind
from entas.linkage.models import CandidatePair, MatchRun, Merge
from entas.registry import choices as c
from entas.registry.models import Person
from entas.registry.services import MemberInput, household_register

pytestmark = pytest.mark.django_db

TEMBALANG_KELURAHAN = "33.74.10.1001"
TUGU_KELURAHAN = "33.74.16.1001"
PAGES = ["linkage:index", "linkage:queue", "linkage:merges", "linkage:runs"]


@pytest.fixture
def run(regions) -> MatchRun:
    return MatchRun.objects.create(kind=RunKind.DEDUPE, summary={"pasangan": 3})


def person_in(kelurahan: str, surname: str) -> Person:
    return head_of(make_household(kelurahan_code=kelurahan, members=1, surname=surname))


def pair_of(run, a, b, probability, **fields) -> CandidatePair:
    return make_pair(
        run,
        a,
        b,
        probability,
        explanation=[
            {
                "field": "nama",
                "label": "Nama",
                "level": 3,
                "weight": 4.2,
                "left": "A",
                "right": "A",
            },
            {
                "field": "lahir",
                "label": "Tanggal lahir",
                "level": 0,
                "weight": -1.1,
                "left": "1970-01-01",
                "right": "1971-01-01",
            },
        ],
        **fields,
    )


@pytest.fixture
def pairs(run):
    """Four pairs in Tembalang and one in Tugu."""
    people = [person_in(TEMBALANG_KELURAHAN, f"T{n}") for n in range(6)]
    tugu = [person_in(TUGU_KELURAHAN, f"U{n}") for n in range(2)]
    return {
        "sure": pair_of(run, people[0], people[1], 0.95),
        "toss": pair_of(run, people[2], people[3], 0.52),
        "unsure": pair_of(run, people[4], people[5], 0.5, status=PairStatus.UNSURE),
        "rejected": pair_of(run, people[0], people[2], 0.6, status=PairStatus.REJECTED),
        "tugu": pair_of(run, tugu[0], tugu[1], 0.7, rule=PairRule.SAME_NIK),
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin_dinsos", 200),
        ("officer_tembalang", 200),
        ("opd_dinkes", 403),
        ("partner_csr", 403),
        ("leader", 403),
        ("auditor", 403),
    ],
)
def test_who_may_open_the_pages(cast, client_for, run, role, status):
    client = client_for(cast[role])
    assert [client.get(reverse(name)).status_code for name in PAGES] == [status] * len(PAGES)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("linkage:queue"))
    assert response.status_code == 302
    assert "/akun/masuk/" in response["Location"]


def test_queue_order_pending_by_certainty_then_unsure(admin_dinsos, pairs):
    queue = list(selectors.pair_queue(user=admin_dinsos))
    assert queue == [pairs["toss"], pairs["tugu"], pairs["sure"], pairs["unsure"]]


def test_queue_is_scoped_and_filtered(admin_dinsos, officer_tembalang, pairs, client_for):
    assert pairs["tugu"] not in selectors.pair_queue(user=officer_tembalang)
    assert list(selectors.pair_queue(user=admin_dinsos, kecamatan="33.74.16")) == [pairs["tugu"]]
    assert list(selectors.pair_queue(user=admin_dinsos, rule=PairRule.SAME_NIK)) == [pairs["tugu"]]
    assert list(selectors.pair_queue(user=admin_dinsos, status=PairStatus.UNSURE)) == [
        pairs["unsure"]
    ]
    response = client_for(officer_tembalang).get(reverse("linkage:queue"))
    assert [pair.pk for pair in response.context["page"].object_list] == [
        pairs["toss"].pk,
        pairs["sure"].pk,
        pairs["unsure"].pk,
    ]
    # an officer of Tembalang cannot filter by Tugu
    response = client_for(officer_tembalang).get(
        reverse("linkage:queue"), {"kecamatan": "33.74.16"}
    )
    assert response.status_code == 400
    assert list(response.context["page"].object_list) == []


def test_queue_rows_show_nik_and_probability(admin_dinsos, pairs, client_for):
    nik = pairs["toss"].person_l.nik
    page = client_for(admin_dinsos).get(reverse("linkage:queue")).content.decode()
    assert nik in page
    assert "52%" in page


def test_pair_page_shows_both_persons_explanation_and_decision_form(
    admin_dinsos, officer_tembalang, pairs, client_for
):
    pair = pairs["toss"]
    response = client_for(admin_dinsos).get(reverse("linkage:pair", args=[pair.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert pair.person_l.full_name in page
    assert pair.person_r.full_name in page
    assert "Tanggal lahir" in page
    assert 'name="decision"' in page
    assert 'name="merge_households"' in page  # two different families
    assert AuditEvent.objects.filter(action="linkage.pair_view", target_id=str(pair.pk)).exists()
    # an officer sees the pair but no decision form; a pair outside the area is a 404
    officer = client_for(officer_tembalang)
    assert (
        'name="decision"'
        not in officer.get(reverse("linkage:pair", args=[pair.pk])).content.decode()
    )
    assert officer.get(reverse("linkage:pair", args=[pairs["tugu"].pk])).status_code == 404


def test_officer_cannot_decide_or_undo_or_run(officer_tembalang, admin_dinsos, pairs, client_for):
    client = client_for(officer_tembalang)
    pair = pairs["toss"]
    response = client.post(reverse("linkage:decide", args=[pair.pk]), {"decision": "diterima"})
    assert response.status_code == 403
    merge = merging.merge_persons(
        actor=admin_dinsos, survivor=pairs["sure"].person_l, duplicate=pairs["sure"].person_r
    )
    assert client.post(reverse("linkage:merge_undo", args=[merge.pk])).status_code == 403
    assert client.post(reverse("linkage:run_dedupe")).status_code == 403
    pair.refresh_from_db()
    assert pair.status == PairStatus.PENDING
    assert Merge.objects.get().undone_at is None


def test_accept_with_chosen_survivor_merges_and_redirects_to_queue(admin_dinsos, pairs, client_for):
    pair = pairs["toss"]
    response = client_for(admin_dinsos).post(
        reverse("linkage:decide", args=[pair.pk]),
        {"decision": "diterima", "survivor": pair.person_r_id, "note": "sama, KTP dicek"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("linkage:queue"), 302)]
    assert f"Pasangan #{pair.pk} digabung" in response.content.decode()
    merge = Merge.objects.get()
    assert (merge.survivor_person_id, merge.merged_person_id) == (
        pair.person_r_id,
        pair.person_l_id,
    )
    pair.refresh_from_db()
    assert (pair.status, pair.note) == (PairStatus.ACCEPTED, "sama, KTP dicek")
    assert AuditEvent.objects.get(action="linkage.pair_accept").reason == "sama, KTP dicek"


def test_accept_with_households(admin_dinsos, pairs, client_for):
    pair = pairs["toss"]
    client_for(admin_dinsos).post(
        reverse("linkage:decide", args=[pair.pk]),
        {"decision": "diterima", "merge_households": "on"},
    )
    assert sorted(Merge.objects.values_list("kind", flat=True)) == ["individu", "keluarga"]


@pytest.mark.parametrize(
    ("pair_name", "data", "status", "message"),
    [
        ("rejected", {"decision": "diterima"}, 302, "sudah diputuskan"),
        ("toss", {"decision": "diterima", "survivor": "999999"}, 400, "salah satu dari pasangan"),
        ("toss", {"decision": "mungkin"}, 400, "tidak dikenal"),
        ("toss", {}, 400, "Pilih keputusan"),
    ],
)
def test_bad_decisions_change_nothing(
    admin_dinsos, pairs, client_for, pair_name, data, status, message
):
    pair = pairs[pair_name]
    before = list(CandidatePair.objects.order_by("pk").values_list("status", flat=True))
    client = client_for(admin_dinsos)
    response = client.post(reverse("linkage:decide", args=[pair.pk]), data)
    assert response.status_code == status
    page = (
        client.get(reverse("linkage:pair", args=[pair.pk])).content.decode()
        if status == 302
        else response.content.decode()
    )
    assert message in page
    assert list(CandidatePair.objects.order_by("pk").values_list("status", flat=True)) == before
    assert not Merge.objects.exists()


def test_unknown_pair_is_a_404(admin_dinsos, client_for, run):
    client = client_for(admin_dinsos)
    assert client.get(reverse("linkage:pair", args=[999999])).status_code == 404
    assert (
        client.post(reverse("linkage:decide", args=[999999]), {"decision": "ditolak"}).status_code
        == 404
    )


def test_merge_history_and_undo(admin_dinsos, pairs, client_for):
    pair = pairs["sure"]
    merge = review.pair_decide(actor=admin_dinsos, pair=pair, decision="diterima")
    client = client_for(admin_dinsos)
    page = client.get(reverse("linkage:merges")).content.decode()
    assert f"#{merge.pk}" in page
    assert "Batalkan penggabungan" in page

    response = client.post(reverse("linkage:merge_undo", args=[merge.pk]), follow=True)

    assert "dibatalkan" in response.content.decode()
    pair.refresh_from_db()
    assert pair.status == PairStatus.PENDING
    assert (
        Person.objects.filter(pk__in=[pair.person_l_id, pair.person_r_id], status="aktif").count()
        == 2
    )
    assert AuditEvent.objects.filter(action="linkage.merge_undo").count() == 2


def test_undo_refused_is_explained_and_changes_nothing(admin_dinsos, pairs, client_for):
    first = review.pair_decide(actor=admin_dinsos, pair=pairs["sure"], decision="diterima")
    assert first is not None
    other = person_in(TEMBALANG_KELURAHAN, "Lain")
    later = merging.merge_persons(
        actor=admin_dinsos, survivor=first.survivor_person, duplicate=other
    )
    response = client_for(admin_dinsos).post(
        reverse("linkage:merge_undo", args=[first.pk]), follow=True
    )
    assert f"Batalkan #{later.pk} lebih dahulu" in response.content.decode()
    assert Merge.objects.filter(undone_at__isnull=True).count() == 2


def test_index_tiles_and_runs_page(admin_dinsos, officer_tembalang, pairs, client_for):
    page = client_for(admin_dinsos).get(reverse("linkage:index")).content.decode()
    assert '<span class="figure" id="pending-count">3</span>' in page
    assert reverse("linkage:run_dedupe") in page
    officer_page = client_for(officer_tembalang).get(reverse("linkage:index")).content.decode()
    assert reverse("linkage:run_dedupe") not in officer_page
    runs = client_for(admin_dinsos).get(reverse("linkage:runs")).content.decode()
    assert "pasangan: 3" in runs


def test_run_dedupe_from_the_web_fills_the_queue(
    admin_dinsos, client_for, settings, django_capture_on_commit_callbacks
):
    """The button queues a task; the worker (here: run at once) scores the registry."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    make_household(kelurahan_code="33.74.10.1001", members=2)
    household_register(
        actor=None,
        kelurahan_code="33.74.10.1002",
        members=[
            MemberInput(
                full_name="Bu Sitti Aminah",
                sex=c.Sex.FEMALE,
                relationship=c.Relationship.HEAD,
                birth_date=dt.date(1972, 8, 2),
                nik=None,
            )
        ],
        kk_number=next_kk(kelurahan_code="33.74.10.1002"),
        source=c.Source.CITY,
        as_of=dt.date(2025, 1, 15),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_dinsos).post(reverse("linkage:run_dedupe"))
    assert response.status_code == 302
    assert response["Location"] == reverse("linkage:runs")
    run = MatchRun.objects.get(kind="dedupe")
    assert run.status == "selesai"
    assert run.started_by == admin_dinsos
    assert CandidatePair.objects.filter(run=run).count() == 1
    queue = client_for(admin_dinsos).get(reverse("linkage:queue")).content.decode()
    assert "Bu Sitti Aminah" in queue


def test_auto_merged_pairs_show_as_automatic(admin_dinsos, pairs, client_for):
    review.auto_merge(run=pairs["sure"].run, threshold=0.9)
    page = client_for(admin_dinsos).get(reverse("linkage:merges")).content.decode()
    assert "otomatis" in page
    assert Merge.objects.get().automatic is True
