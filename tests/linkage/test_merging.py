"""Merging persons and households, undoing a merge, deciding pairs, recording a run's pairs
and automatic merges: the services, with exact assertions on what changed and what not."""

import datetime as dt

import pytest
from django.utils import timezone
from tests.factories import head_of, make_household, make_pair, members_of

from entas.core.models import AuditEvent
from entas.linkage import merging, review
from entas.linkage.choices import MergeKind, PairRule, PairStatus, RunKind
from entas.linkage.models import CandidatePair, MatchRun, Merge
from entas.registry import choices as c
from entas.registry.models import Household, Membership, Person, ProgrammeReceipt
from entas.registry.services import (
    MemberInput,
    household_register,
    person_update,
    programme_receipt_record,
)

pytestmark = pytest.mark.django_db

KELURAHAN = "33.74.10.1001"
AS_OF = dt.date(2025, 1, 15)


@pytest.fixture
def run(regions) -> MatchRun:
    return MatchRun.objects.create(kind=RunKind.DEDUPE)


def lone_person(name: str = "Slamet Riyadi", **fields) -> Person:
    """A one-person family without a NIK (as a citizen report would list them)."""
    household = household_register(
        actor=None,
        kelurahan_code=fields.pop("kelurahan_code", KELURAHAN),
        members=[
            MemberInput(
                full_name=name,
                sex=c.Sex.MALE,
                relationship=c.Relationship.HEAD,
                birth_date=dt.date(1968, 3, 14),
                nik=fields.pop("nik", None),
                fields=fields,
            )
        ],
        source=c.Source.REPORT,
        as_of=AS_OF,
    )
    return head_of(household)


def snapshot(*models) -> dict:
    """Every row of the given models as plain values, to compare before and after."""
    return {
        model.__name__: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items() if k != "updated_at"))
            for row in model.objects.values()
        )
        for model in models
    }


REGISTRY = (Person, Household, Membership, ProgrammeReceipt, CandidatePair)


# --- persons -------------------------------------------------------------------------


def test_merge_persons_fills_blanks_moves_membership_and_receipts_and_undo_restores(
    admin_dinsos, run
):
    # given a family whose head has a NIK, and a duplicate of him without one in his own
    # one-person family, with a mother's name and a programme the survivor lacks
    family = make_household(members=2)
    survivor = head_of(family)
    duplicate = lone_person(mother_name="Sumiyati", occupation="Buruh")
    duplicate_household = duplicate.memberships.get().household
    programme_receipt_record(
        actor=admin_dinsos,
        household=duplicate_household,
        person=duplicate,
        programme=c.Programme.PKH,
        source=c.Source.DTSEN,
        as_of=AS_OF,
    )
    other = lone_person("Slamet R")
    pair = make_pair(run, survivor, duplicate)
    stale = make_pair(run, duplicate, other, 0.6)
    before = snapshot(*REGISTRY)

    # when the duplicate is merged into the survivor
    merge = merging.merge_persons(
        actor=admin_dinsos, survivor=survivor, duplicate=duplicate, pair=pair
    )

    # then the duplicate points at the survivor and its history moved over
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (c.PersonStatus.MERGED, survivor.pk)
    assert (survivor.mother_name, survivor.occupation) == ("Sumiyati", "Buruh")
    ended = duplicate.memberships.get()
    assert (ended.end_date, ended.end_reason) == (timezone.localdate(), c.MembershipEnd.MERGED)
    assert survivor.memberships.filter(end_date__isnull=True).get().household == family
    assert ProgrammeReceipt.objects.get().person == survivor
    assert CandidatePair.objects.get(pk=stale.pk).status == PairStatus.STALE
    assert merge.kind == MergeKind.PERSON
    assert merge.changes["fields"] == {"mother_name": "", "occupation": ""}
    assert merge.changes["memberships_ended"] == [ended.pk]
    assert merge.changes["memberships_started"] == []
    assert merge.changes["pairs_stale"] == {str(stale.pk): PairStatus.PENDING}
    assert AuditEvent.objects.filter(action="linkage.person_merge").count() == 2
    assert AuditEvent.objects.filter(
        action="linkage.person_merge", target_id=str(duplicate.pk), trail=duplicate_household.trail
    ).exists()

    # when it is undone, everything is as it was
    merging.merge_undo(actor=admin_dinsos, merge=merge)
    assert snapshot(*REGISTRY) == before
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert merge.undone_by == admin_dinsos
    assert AuditEvent.objects.filter(action="linkage.merge_undo").count() == 2


def test_merge_gives_the_nik_to_a_survivor_without_one_and_undo_takes_it_back(admin_dinsos):
    family = make_household(members=1)
    with_nik = head_of(family)
    without_nik = lone_person()
    before = snapshot(*REGISTRY)

    merge = merging.merge_persons(actor=admin_dinsos, survivor=without_nik, duplicate=with_nik)

    without_nik.refresh_from_db()
    assert without_nik.nik == with_nik.nik
    # the survivor was in a family already: it stays there, the duplicate's family keeps
    # its history and nobody new joins it
    assert Membership.objects.filter(household=family, end_date__isnull=True).count() == 0
    assert merge.changes["fields"] == {"nik": None}
    merging.merge_undo(actor=admin_dinsos, merge=merge)
    assert snapshot(*REGISTRY) == before


def test_survivor_in_no_household_takes_the_duplicates_place(admin_dinsos):
    family = make_household(members=2)
    head = head_of(family)
    moved = lone_person("Slamet Riyadi")
    # the survivor left their family (moved out) and came back as nobody's member
    moved_household = moved.memberships.get().household
    Membership.objects.filter(person=moved).update(
        end_date=AS_OF, end_reason=c.MembershipEnd.CORRECTION
    )
    before = snapshot(*REGISTRY)

    merge = merging.merge_persons(actor=admin_dinsos, survivor=moved, duplicate=head)

    started = Membership.objects.get(pk=merge.changes["memberships_started"][0])
    assert (started.person, started.household, started.relationship) == (
        moved,
        family,
        c.Relationship.HEAD,
    )
    assert started.start_reason == c.MembershipStart.CORRECTION
    assert moved_household.status == c.HouseholdStatus.ACTIVE
    merging.merge_undo(actor=admin_dinsos, merge=merge)
    assert snapshot(*REGISTRY) == before


def test_merge_refuses_an_inactive_person_and_changes_nothing(admin_dinsos):
    family = make_household(members=2)
    first, second = members_of(family)
    third = lone_person()
    merging.merge_persons(actor=admin_dinsos, survivor=third, duplicate=second)
    before = snapshot(*REGISTRY, Merge)

    with pytest.raises(merging.LinkageError, match="tidak aktif lagi"):
        merging.merge_persons(actor=admin_dinsos, survivor=first, duplicate=second)

    assert snapshot(*REGISTRY, Merge) == before


def test_undo_refused_after_a_later_merge_of_the_same_person(admin_dinsos):
    a, b, d = lone_person("Siti A"), lone_person("Siti B"), lone_person("Siti C")
    first = merging.merge_persons(actor=admin_dinsos, survivor=a, duplicate=b)
    later = merging.merge_persons(actor=admin_dinsos, survivor=a, duplicate=d)
    before = snapshot(*REGISTRY, Merge)

    with pytest.raises(merging.LinkageError, match=f"#{later.pk}"):
        merging.merge_undo(actor=admin_dinsos, merge=first)

    assert snapshot(*REGISTRY, Merge) == before
    merging.merge_undo(actor=admin_dinsos, merge=later)
    merging.merge_undo(actor=admin_dinsos, merge=first)
    assert Person.objects.filter(status=c.PersonStatus.ACTIVE).count() == 3


def test_undo_refused_when_the_nik_is_now_held_by_another_active_person(admin_dinsos):
    family = make_household(members=1)
    duplicate = head_of(family)
    survivor = lone_person()
    nik = duplicate.nik
    merge = merging.merge_persons(actor=admin_dinsos, survivor=survivor, duplicate=duplicate)
    # the survivor's NIK is corrected to another number, and a newcomer takes the old one
    person_update(
        actor=admin_dinsos,
        person=Person.objects.get(pk=survivor.pk),
        values={"nik": None},
        reason="koreksi",
    )
    newcomer = lone_person("Orang Baru")
    person_update(actor=admin_dinsos, person=newcomer, values={"nik": nik}, reason="koreksi")
    before = snapshot(*REGISTRY, Merge)

    with pytest.raises(merging.LinkageError, match="kini dipakai individu aktif lain"):
        merging.merge_undo(actor=admin_dinsos, merge=merge)

    assert snapshot(*REGISTRY, Merge) == before


def test_undo_twice_is_refused(admin_dinsos):
    merge = merging.merge_persons(
        actor=admin_dinsos, survivor=lone_person("A"), duplicate=lone_person("B")
    )
    merging.merge_undo(actor=admin_dinsos, merge=merge)
    with pytest.raises(merging.LinkageError, match="sudah dibatalkan"):
        merging.merge_undo(actor=admin_dinsos, merge=merge)


# --- households ----------------------------------------------------------------------


def test_merge_households_moves_members_second_head_becomes_other_and_undo(admin_dinsos):
    survivor = make_household(members=2, kk_number=None)
    Household.objects.filter(pk=survivor.pk).update(kk_number=None)
    survivor.refresh_from_db()
    duplicate = make_household(members=3, surname="Wibowo")
    programme_receipt_record(
        actor=admin_dinsos,
        household=duplicate,
        programme=c.Programme.PKH,
        source=c.Source.DTSEN,
        as_of=AS_OF,
    )
    moved = members_of(duplicate)
    kk = duplicate.kk_number
    before = snapshot(*REGISTRY)

    merge = merging.merge_households(actor=admin_dinsos, survivor=survivor, duplicate=duplicate)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (c.HouseholdStatus.MERGED, survivor)
    assert survivor.kk_number == kk
    current = {
        m.person_id: m.relationship
        for m in Membership.objects.filter(household=survivor, end_date__isnull=True)
    }
    assert len(current) == 5
    assert [current[p.pk] for p in moved] == [
        c.Relationship.OTHER,
        c.Relationship.SPOUSE,
        c.Relationship.CHILD,
    ]
    assert not Membership.objects.filter(household=duplicate, end_date__isnull=True).exists()
    assert ProgrammeReceipt.objects.get().household == survivor
    assert merge.changes["persons"] == sorted(p.pk for p in moved)
    assert AuditEvent.objects.filter(
        action="linkage.household_merge", trail=duplicate.trail
    ).exists()

    merging.merge_undo(actor=admin_dinsos, merge=merge)
    assert snapshot(*REGISTRY) == before


def test_household_undo_refused_after_a_later_person_merge_of_a_moved_member(admin_dinsos):
    survivor, duplicate = make_household(members=1), make_household(members=2)
    moved = members_of(duplicate)[1]
    household_merge = merging.merge_households(
        actor=admin_dinsos, survivor=survivor, duplicate=duplicate
    )
    merging.merge_persons(actor=admin_dinsos, survivor=lone_person(), duplicate=moved)

    with pytest.raises(merging.LinkageError, match="lebih baru"):
        merging.merge_undo(actor=admin_dinsos, merge=household_merge)


# --- decisions -----------------------------------------------------------------------


def test_accept_picks_the_person_with_a_nik_merges_and_audits(admin_dinsos, run):
    with_nik = head_of(make_household(members=1))
    without = lone_person()
    pair = make_pair(run, without, with_nik, 0.83)

    merge = review.pair_decide(
        actor=admin_dinsos, pair=pair, decision=PairStatus.ACCEPTED, note="KTP dicek"
    )

    assert merge is not None
    assert (merge.survivor_person, merge.merged_person) == (with_nik, without)
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by, pair.note) == (
        PairStatus.ACCEPTED,
        admin_dinsos,
        "KTP dicek",
    )
    event = AuditEvent.objects.get(action="linkage.pair_accept")
    assert (event.target_id, event.reason) == (str(pair.pk), "KTP dicek")
    assert event.changes["match_probability"] == 0.83
    assert event.changes["merge"] == merge.pk


def test_accept_with_households_and_undo_in_reverse_order(admin_dinsos, run):
    a = head_of(make_household(members=2))
    b = head_of(make_household(members=2, surname="Wibowo"))
    pair = make_pair(run, a, b)
    before = snapshot(*REGISTRY)

    person_merge = review.pair_decide(
        actor=admin_dinsos,
        pair=pair,
        decision=PairStatus.ACCEPTED,
        survivor_id=b.pk,
        merge_households_too=True,
    )

    assert person_merge is not None
    household_merge = Merge.objects.get(kind=MergeKind.HOUSEHOLD)
    assert household_merge.pair == pair
    assert Membership.objects.filter(person=a, end_date__isnull=True).count() == 0
    with pytest.raises(merging.LinkageError, match=f"#{household_merge.pk}"):
        merging.merge_undo(actor=admin_dinsos, merge=person_merge)
    merging.merge_undo(actor=admin_dinsos, merge=household_merge)
    assert CandidatePair.objects.get().status == PairStatus.ACCEPTED
    merging.merge_undo(actor=admin_dinsos, merge=person_merge)
    assert snapshot(*REGISTRY) == before


def test_reject_and_unsure_merge_nothing_and_are_audited(admin_dinsos, run):
    a, b, d = lone_person("A"), lone_person("B"), lone_person("C")
    rejected, unsure = make_pair(run, a, b), make_pair(run, a, d)

    assert review.pair_decide(actor=admin_dinsos, pair=rejected, decision="ditolak") is None
    assert review.pair_decide(actor=admin_dinsos, pair=unsure, decision="ragu", note="?") is None

    assert not Merge.objects.exists()
    assert list(CandidatePair.objects.order_by("pk").values_list("status", flat=True)) == [
        PairStatus.REJECTED,
        PairStatus.UNSURE,
    ]
    assert sorted(
        AuditEvent.objects.values_list("action", flat=True).filter(action__startswith="linkage.")
    ) == ["linkage.pair_reject", "linkage.pair_unsure"]
    # an unsure pair can still be decided
    review.pair_decide(actor=admin_dinsos, pair=unsure, decision="ditolak")


@pytest.mark.parametrize(
    ("decision", "survivor", "message"),
    [
        ("diterima", "stranger", "salah satu dari pasangan"),
        ("entahlah", None, "tidak dikenal"),
    ],
)
def test_bad_decisions_change_nothing(admin_dinsos, run, decision, survivor, message):
    a, b = lone_person("A"), lone_person("B")
    pair = make_pair(run, a, b)
    survivor_id = lone_person("Orang Lain").pk if survivor else None
    before = snapshot(*REGISTRY, Merge, AuditEvent)

    with pytest.raises(merging.LinkageError, match=message):
        review.pair_decide(
            actor=admin_dinsos, pair=pair, decision=decision, survivor_id=survivor_id
        )

    assert snapshot(*REGISTRY, Merge, AuditEvent) == before


def test_a_decided_pair_cannot_be_decided_again(admin_dinsos, run):
    pair = make_pair(run, lone_person("A"), lone_person("B"))
    review.pair_decide(actor=admin_dinsos, pair=pair, decision="ditolak")
    with pytest.raises(merging.LinkageError, match="sudah diputuskan"):
        review.pair_decide(actor=admin_dinsos, pair=pair, decision="diterima")


def test_default_survivor_more_memberships_then_lower_id(run):
    a, b = lone_person("A"), lone_person("B")
    pair = make_pair(run, a, b)
    assert review.choose_survivor(pair) == (a, b)
    Membership.objects.filter(person=a).update(end_date=AS_OF, end_reason="koreksi")
    assert review.choose_survivor(pair) == (b, a)


# --- auto merge and recording --------------------------------------------------------


def test_auto_merge_above_threshold_never_a_nik_conflict(admin_dinsos, run, settings):
    settings.LINKAGE_AUTO_MERGE_THRESHOLD = 0.99
    people = [lone_person(f"Orang {n}") for n in range(8)]
    sure = make_pair(run, people[0], people[1], 0.995)
    conflict = make_pair(run, people[2], people[3], 0.999, rule=PairRule.NIK_CONFLICT)
    below = make_pair(run, people[4], people[5], 0.98)
    gone = make_pair(run, people[6], people[7], 0.999)
    merging.merge_persons(actor=admin_dinsos, survivor=people[0], duplicate=people[7])

    assert review.auto_merge(run=run) == 1

    statuses = dict(CandidatePair.objects.values_list("pk", "status"))
    assert statuses[sure.pk] == PairStatus.AUTO_MERGED
    assert statuses[conflict.pk] == PairStatus.PENDING
    assert statuses[below.pk] == PairStatus.PENDING
    assert statuses[gone.pk] == PairStatus.STALE
    merge = Merge.objects.get(pair=sure)
    assert merge.automatic is True
    assert AuditEvent.objects.filter(action="linkage.pair_auto_merge").count() == 1
    assert review.auto_merge(run=run, threshold=0.97) == 1


def test_pairs_record_upserts_and_never_resurfaces_a_decision(admin_dinsos, run):
    a, b, d, e = (lone_person(n) for n in "ABDE")
    waiting = make_pair(run, a, b, 0.7)
    decided = make_pair(run, a, d, 0.7, status=PairStatus.REJECTED)
    unsure = make_pair(run, b, d, 0.6, status=PairStatus.UNSURE)
    second = MatchRun.objects.create(kind=RunKind.DEDUPE)
    explanation = [
        {"field": "nama", "label": "Nama", "level": 3, "weight": 2.0, "left": "x", "right": "y"}
    ]

    def given(left, right, probability):
        return review.PairInput(
            person_l=left.pk,
            person_r=right.pk,
            rule=PairRule.PROBABILISTIC,
            match_probability=probability,
            match_weight=1.5,
            explanation=explanation,
        )

    counts = review.pairs_record(
        second, [given(b, a, 0.9), given(d, a, 0.9), given(d, b, 0.55), given(e, a, 0.25)]
    )

    assert counts == {"baru": 1, "diperbarui": 2, "sudah_diputuskan": 1}
    waiting.refresh_from_db()
    assert (waiting.run, waiting.match_probability) == (second, 0.9)
    assert waiting.certainty == pytest.approx(0.8)
    # given b→a, the pair is stored a←b: the explanation's sides swap with it
    assert waiting.explanation[0]["left"] == "y"
    decided.refresh_from_db()
    assert (decided.run, decided.match_probability, decided.status) == (
        run,
        0.7,
        PairStatus.REJECTED,
    )
    unsure.refresh_from_db()
    assert (unsure.status, unsure.match_probability) == (PairStatus.UNSURE, 0.55)
    new = CandidatePair.objects.get(person_l=a, person_r=e)
    assert (new.status, new.certainty, new.run) == (PairStatus.PENDING, 0.5, second)
