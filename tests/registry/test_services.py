"""Registry services: every change validated, written whole or not at all, and audited."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from tests.factories import head_of, make_household, member_inputs, members_of, next_kk, next_nik

from entas.core.models import AuditEvent
from entas.registry import choices as c
from entas.registry.models import Household, Membership, Person, PersonNameToken, WelfareRecord
from entas.registry.services import (
    MemberInput,
    RegistryError,
    head_change,
    household_register,
    household_split,
    household_update,
    member_add,
    name_tokens,
    person_move_out,
    person_record_death,
    person_update,
    welfare_record,
)

pytestmark = pytest.mark.usefixtures("regions")
KELURAHAN = "33.74.10.1001"


def registry_counts() -> tuple[int, int, int, int, int]:
    return (
        Household.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        PersonNameToken.objects.count(),
        AuditEvent.objects.count(),
    )


def test_register_household_writes_members_tokens_and_one_audit_event(admin_dinsos):
    # given three members, one of them the head
    members = member_inputs(kelurahan_code=KELURAHAN, members=3)
    # when the family is registered
    household = household_register(
        actor=admin_dinsos,
        kelurahan_code=KELURAHAN,
        members=members,
        kk_number=next_kk(),
        source=c.Source.MANUAL,
        as_of=dt.date(2025, 1, 15),
        address="Jl. Mawar 3",
        rt="3",
        rw="12",
    )
    # then the household, persons, memberships and tokens exist, and one event says so
    assert (household.rt, household.rw) == ("003", "012")
    assert [p.full_name for p in members_of(household)] == [
        "Slamet Riyadi",
        "Siti Aminah",
        "Dwi Lestari",
    ]
    assert head_of(household).full_name == "Slamet Riyadi"
    assert set(
        PersonNameToken.objects.filter(person=head_of(household)).values_list("token", flat=True)
    ) == {
        "SLAMET",
        "RIYADI",
    }
    event = AuditEvent.objects.get(action="household.register")
    assert (event.actor, event.target_id, event.trail) == (
        admin_dinsos,
        str(household.pk),
        household.trail,
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda m: setattr(m[1], "relationship", c.Relationship.HEAD), "head_count"),
        (lambda m: setattr(m[0], "relationship", c.Relationship.CHILD), "head_count"),
        (lambda m: setattr(m[1], "nik", "3374011513900001"), "nik_birth_date"),
        (lambda m: setattr(m[1], "nik", "12345"), "nik_format"),
        (lambda m: setattr(m[2], "nik", m[1].nik), "nik_repeated"),
        (lambda m: setattr(m[1], "full_name", "   "), "name_empty"),
        (lambda m: setattr(m[1], "sex", "X"), "choice_unknown"),
        (
            lambda m: setattr(m[1], "birth_date", timezone.localdate() + dt.timedelta(days=1)),
            "birth_date_future",
        ),
        (lambda m: m[1].fields.update(salary=1), "field_unknown"),
    ],
)
def test_register_refuses_bad_members_and_writes_nothing(change, code):
    # given a family with one bad member
    members = member_inputs(kelurahan_code=KELURAHAN, members=3)
    change(members)
    before = registry_counts()
    # when it is registered, then it is refused with the reason's code and nothing is written
    with pytest.raises(RegistryError) as refused:
        household_register(
            actor=None,
            kelurahan_code=KELURAHAN,
            members=members,
            source="manual",
            as_of=dt.date(2025, 1, 1),
        )
    assert refused.value.code == code
    assert refused.value.message
    assert registry_counts() == before


@pytest.mark.parametrize(
    ("kelurahan_code", "kk_number", "rt", "code"),
    [
        ("33.22.01.2001", None, "", "kelurahan_out_of_area"),
        ("33.74.99.1001", None, "", "kelurahan_unknown"),
        ("33.74.10", None, "", "kelurahan_unknown"),
        (KELURAHAN, "3374015705150003", "", "kk_issue_date"),
        (KELURAHAN, None, "RT1", "rt_invalid"),
    ],
)
def test_register_refuses_bad_household_fields(kelurahan_code, kk_number, rt, code):
    before = registry_counts()
    with pytest.raises(RegistryError) as refused:
        household_register(
            actor=None,
            kelurahan_code=kelurahan_code,
            kk_number=kk_number,
            rt=rt,
            members=member_inputs(kelurahan_code=KELURAHAN, members=2),
            source="manual",
            as_of=dt.date(2025, 1, 1),
        )
    assert refused.value.code == code
    assert registry_counts() == before


def test_active_nik_and_kk_are_unique_and_the_refusal_changes_nothing():
    # given a registered family
    first = make_household(members=2)
    head_nik = head_of(first).nik
    members = member_inputs(kelurahan_code=KELURAHAN, members=2)
    members[1].nik = head_nik
    before = registry_counts()
    # when another family lists the same NIK, then it is refused and nothing changes
    with pytest.raises(RegistryError) as refused:
        household_register(
            actor=None,
            kelurahan_code=KELURAHAN,
            members=members,
            source="manual",
            as_of=dt.date(2025, 1, 1),
        )
    assert refused.value.code == "nik_duplicate"
    # and the same No. KK for a second active family is refused too
    with pytest.raises(RegistryError) as kk_refused:
        make_household(members=1, kk_number=first.kk_number)
    assert kk_refused.value.code == "kk_duplicate"
    assert registry_counts() == before


def test_database_refuses_a_second_current_membership_and_a_second_head():
    household = make_household(members=2)
    other = make_household(members=1)
    head = head_of(household)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            person=head,
            household=other,
            relationship="anak",
            start_date=dt.date(2025, 2, 1),
            start_reason="koreksi",
        )
    spouse = members_of(household)[1]
    Membership.objects.filter(person=spouse).update(
        end_date=dt.date(2025, 2, 1), end_reason="koreksi"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            person=spouse,
            household=household,
            relationship="kepala",
            start_date=dt.date(2025, 2, 1),
            start_reason="koreksi",
        )


def test_person_update_records_old_and_new_values_and_reindexes_the_name(admin_dinsos):
    household = make_household(members=2)
    spouse = members_of(household)[1]
    person_update(
        actor=admin_dinsos,
        person=spouse,
        values={"full_name": "Sitti  Aminah", "occupation": "Buruh cuci"},
        reason="Koreksi ejaan sesuai KTP",
    )
    spouse.refresh_from_db()
    assert spouse.full_name == "Sitti Aminah"
    assert set(spouse.name_tokens.values_list("token", flat=True)) == {"SITTI", "AMINAH"}
    event = AuditEvent.objects.get(action="person.update")
    assert event.changes == {
        "full_name": ["Siti Aminah", "Sitti Aminah"],
        "occupation": ["", "Buruh cuci"],
    }
    assert (event.reason, event.trail) == ("Koreksi ejaan sesuai KTP", household.trail)


def test_person_update_without_reason_or_with_bad_nik_changes_nothing():
    household = make_household(members=2)
    spouse = members_of(household)[1]
    with pytest.raises(RegistryError) as no_reason:
        person_update(actor=None, person=spouse, values={"occupation": "Pedagang"}, reason=" ")
    with pytest.raises(RegistryError) as bad_nik:
        person_update(
            actor=None, person=spouse, values={"nik": "3374010001900001"}, reason="koreksi"
        )
    assert (no_reason.value.code, bad_nik.value.code) == ("reason_required", "nik_birth_day")
    spouse.refresh_from_db()
    assert (spouse.occupation, spouse.nik) == ("", members_of(household)[1].nik)
    assert not AuditEvent.objects.filter(action="person.update").exists()


def test_death_ends_membership_keeps_nik_and_last_death_dissolves_household():
    household = make_household(members=2)
    head, spouse = members_of(household)
    person_record_death(actor=None, person=spouse, death_date=dt.date(2025, 3, 1))
    spouse.refresh_from_db()
    membership = spouse.memberships.get()
    assert (spouse.status, spouse.death_date, spouse.nik is not None) == (
        "meninggal",
        dt.date(2025, 3, 1),
        True,
    )
    assert (membership.end_date, membership.end_reason) == (dt.date(2025, 3, 1), "meninggal")
    person_record_death(actor=None, person=head, death_date=dt.date(2025, 4, 1))
    household.refresh_from_db()
    assert household.status == "bubar"
    assert list(
        AuditEvent.objects.filter(trail=household.trail)
        .values_list("action", flat=True)
        .order_by("id")
    ) == [
        "household.register",
        "person.death",
        "household.dissolve",
        "person.death",
    ]


def test_head_cannot_die_or_move_while_others_remain_and_dead_cannot_die_again():
    household = make_household(members=3)
    head, spouse, child = members_of(household)
    with pytest.raises(RegistryError) as head_dies:
        person_record_death(actor=None, person=head, death_date=dt.date(2025, 3, 1))
    with pytest.raises(RegistryError) as head_moves:
        person_move_out(actor=None, person=head, moved_on=dt.date(2025, 3, 1))
    assert head_dies.value.code == head_moves.value.code == "head_needs_successor"
    person_record_death(actor=None, person=child, death_date=dt.date(2025, 3, 1))
    with pytest.raises(RegistryError) as twice:
        person_record_death(actor=None, person=child, death_date=dt.date(2025, 3, 2))
    assert twice.value.code == "transition_invalid"
    head.refresh_from_db()
    assert head.status == "aktif"


def test_head_change_then_death_of_old_head_keeps_history():
    household = make_household(members=2)
    head, spouse = members_of(household)
    head_change(
        actor=None,
        household=household,
        new_head=spouse,
        on=dt.date(2025, 2, 1),
        reason="Suami sakit keras",
    )
    person_record_death(actor=None, person=head, death_date=dt.date(2025, 3, 1))
    assert head_of(household) == spouse
    rows = list(
        Membership.objects.filter(household=household)
        .order_by("id")
        .values_list("person_id", "relationship", "end_reason")
    )
    assert rows == [
        (head.pk, "kepala", "koreksi"),
        (spouse.pk, "pasangan", "koreksi"),
        (head.pk, "lainnya", "meninggal"),
        (spouse.pk, "kepala", ""),
    ]


def test_member_add_birth_and_move_out():
    household = make_household(members=2)
    baby = member_add(
        actor=None,
        household=household,
        member=MemberInput(
            full_name="Bayi Laki-laki",
            sex="L",
            relationship="anak",
            birth_date=dt.date(2025, 5, 1),
            nik=next_nik(birth_date=dt.date(2025, 5, 1), sex="L"),
        ),
        start_date=dt.date(2025, 5, 1),
        start_reason="lahir",
    )
    assert baby in members_of(household)
    person_move_out(actor=None, person=baby, moved_on=dt.date(2025, 9, 1))
    baby.refresh_from_db()
    assert baby.status == "pindah"
    assert baby not in members_of(household)


def test_household_split_moves_members_to_a_new_family():
    household = make_household(members=4)
    head, spouse, daughter, son = members_of(household)
    new = household_split(
        actor=None,
        household=household,
        persons=[daughter, son],
        new_head=daughter,
        kk_number=next_kk(),
        on=dt.date(2025, 6, 1),
        reason="Menikah, pecah KK",
    )
    assert members_of(household) == [head, spouse]
    assert members_of(new) == [daughter, son]
    assert head_of(new) == daughter
    assert AuditEvent.objects.filter(action="household.split").count() == 2


def test_household_split_refuses_taking_the_head_or_everyone():
    household = make_household(members=2)
    head, spouse = members_of(household)
    with pytest.raises(RegistryError) as everyone:
        household_split(
            actor=None,
            household=household,
            persons=[head, spouse],
            new_head=spouse,
            kk_number=None,
            on=dt.date(2025, 6, 1),
            reason="x",
        )
    with pytest.raises(RegistryError) as with_head:
        household_split(
            actor=None,
            household=household,
            persons=[head],
            new_head=head,
            kk_number=None,
            on=dt.date(2025, 6, 1),
            reason="x",
        )
    assert (everyone.value.code, with_head.value.code) == ("split_all", "split_head")
    assert Household.objects.count() == 1


def test_household_update_audits_only_real_changes():
    household = make_household(members=1)
    household_update(
        actor=None,
        household=household,
        values={"address": "Jl. Baru 1", "rt": "4"},
        reason="Pindah rumah",
    )
    household_update(
        actor=None, household=household, values={"address": "Jl. Baru 1"}, reason="sama"
    )
    household.refresh_from_db()
    assert (household.address, household.rt) == ("Jl. Baru 1", "004")
    assert AuditEvent.objects.filter(action="household.update").count() == 1


def test_welfare_newest_record_is_current_and_older_does_not_replace_it():
    household = make_household(members=1)
    new = welfare_record(
        actor=None,
        household=household,
        as_of=dt.date(2025, 3, 1),
        source="dtsen",
        values={"expenditure_per_capita": 300_000, "desil": 1, "desil_source": "dtsen_nasional"},
    )
    welfare_record(
        actor=None,
        household=household,
        as_of=dt.date(2024, 3, 1),
        source="p3ke",
        values={"desil": 2},
    )
    household.refresh_from_db()
    assert household.current_welfare == new
    assert WelfareRecord.objects.filter(household=household).count() == 2


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"desil": 11}, "desil_invalid"),
        ({"floor_type": "emas"}, "choice_unknown"),
        ({"expenditure_per_capita": -5}, "number_invalid"),
        ({"assets": {"helikopter": 1}}, "asset_unknown"),
    ],
)
def test_welfare_refuses_bad_values(values, code):
    household = make_household(members=1)
    with pytest.raises(RegistryError) as refused:
        welfare_record(
            actor=None,
            household=household,
            as_of=dt.date(2025, 3, 1),
            source="dtsen",
            values=values,
        )
    assert refused.value.code == code
    assert not WelfareRecord.objects.exists()


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("Siti  Aminah", ["SITI", "AMINAH"]),
        ("Moch. Sholeh-Hadi", ["MOCH", "SHOLEH", "HADI"]),
        ("Hj. Ñoman Ñoman", ["HJ", "NOMAN"]),
        ("", []),
    ],
)
def test_name_tokens(name, tokens):
    assert name_tokens(name) == tokens
