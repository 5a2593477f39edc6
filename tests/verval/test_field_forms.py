"""The phone's visit form turns flat POST fields into the service's `VisitInput`."""

import datetime as dt
import uuid

import pytest
from tests.factories import make_household, members_of

from entas.registry.models import Membership
from entas.verval import choices as c
from entas.verval.forms_field import VisitForm, section_of
from entas.verval.services.visits import MemberChangeInput, NeedInput

pytestmark = pytest.mark.django_db


def members(household):
    return list(
        Membership.objects.filter(household=household, end_date__isnull=True).select_related(
            "person"
        )
    )


def form_for(household, **fields) -> VisitForm:
    data = {
        "client_id": str(uuid.uuid4()),
        "outcome": c.Outcome.ELIGIBLE,
        "consent": c.Consent.GIVEN,
    }
    data.update(fields)
    return VisitForm(data, members=members(household))


def test_members_staying_are_no_change_and_a_birth_takes_its_birth_date(regions):
    household = make_household(members=3)
    head, spouse, child = members_of(household)
    form = form_for(
        household,
        **{
            f"member_{head.pk}": "tetap",
            f"member_{child.pk}": c.MemberChange.DEATH,
            f"member_{child.pk}_on": "05-01-2025",  # the Indonesian way of writing it
            "new_2_kind": c.MemberChange.BIRTH,
            "new_2_name": "Bayi",
            "new_2_sex": "L",
            "new_2_relationship": "anak",
            "new_2_birth_date": "2025-01-03",
        },
    )

    assert form.is_valid(), form.errors
    data = form.visit_input()

    assert data.member_changes == [
        MemberChangeInput(kind="meninggal", on=dt.date(2025, 1, 5), person_id=child.pk),
        MemberChangeInput(
            kind="lahir", on=dt.date(2025, 1, 3), full_name="Bayi", sex="L",
            relationship="anak", birth_date=dt.date(2025, 1, 3),
        ),
    ]  # fmt: skip
    assert spouse.pk not in [change.person_id for change in data.member_changes]


def test_needs_take_their_detail_member_and_note_and_unticked_ones_are_left(regions):
    household = make_household(members=2)
    head = members_of(household)[0]
    form = form_for(
        household,
        need_alat_bantu="on",
        need_alat_bantu_detail="kruk",
        need_alat_bantu_person=str(head.pk),
        need_alat_bantu_note=" kaki kiri ",
        need_dokumen_detail="ktp",  # detail chosen but the need not ticked
    )

    assert form.is_valid(), form.errors
    assert form.visit_input().needs == [
        NeedInput(kind="alat_bantu", detail="kruk", person_id=head.pk, note="kaki kiri")
    ]


def test_a_member_of_another_family_is_not_a_choice(regions):
    household = make_household(members=2)
    stranger = members_of(make_household(members=1))[0]

    form = form_for(household, new_head=str(stranger.pk))

    assert not form.is_valid()
    assert form.first_error() == (
        "member_changes",
        "Kepala keluarga baru harus anggota keluarga ini.",
    )


def test_without_a_visit_time_the_server_time_is_used(regions):
    form = form_for(make_household(members=1))

    assert form.is_valid(), form.errors
    assert form.visit_input().visited_at.tzinfo is not None


@pytest.mark.parametrize(
    ("name", "section"),
    [
        ("member_12_on", "member_changes"),
        ("new_2_nik", "member_changes"),
        ("need_kb_person", "needs"),
        ("floor_type", "welfare"),
        ("accuracy_m", "location"),
        ("photos", "photos"),
    ],
)
def test_errors_are_shown_in_the_section_of_their_field(name, section):
    assert section_of(name) == section
