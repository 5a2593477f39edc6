"""The phone's visit form turns flat POST fields into the service's `VisitInput`."""

import datetime as dt
import uuid

import pytest
from tests.factories import make_household, members_of

from entas.registry.models import Membership
from entas.verval import choices as c
from entas.verval.exceptions import VervalError
from entas.verval.forms_field import VisitForm, section_of
from entas.verval.models import Visit
from entas.verval.services.visits import MemberChangeInput, NeedInput, visit_submit

from .builders import assigned, kelurahan_officer

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


def test_two_members_needing_a_wheelchair_are_two_needs(regions):
    household = make_household(members=3)
    head, spouse, _child = members_of(household)
    form = form_for(
        household,
        need_alat_bantu="on",
        need_alat_bantu_detail="kursi_roda",
        need_alat_bantu_person=str(head.pk),
        need_alat_bantu_2="on",
        need_alat_bantu_2_detail="kursi_roda",
        need_alat_bantu_2_person=str(spouse.pk),
        need_alat_bantu_2_note=" stroke ",
        need_alat_bantu_3_detail="kruk",  # a third row filled in but not ticked
    )

    assert form.is_valid(), form.errors
    assert form.visit_input().needs == [
        NeedInput(kind="alat_bantu", detail="kursi_roda", person_id=head.pk),
        NeedInput(kind="alat_bantu", detail="kursi_roda", person_id=spouse.pk, note="stroke"),
    ]


def test_other_rows_of_a_need_count_only_while_the_need_is_ticked(regions):
    household = make_household(members=2)
    spouse = members_of(household)[1]
    form = form_for(  # the officer ticked row 2, then unticked the need: the page hid it
        household,
        need_pangan_2="on",
        need_pangan_2_person=str(spouse.pk),
        need_dokumen="on",
        need_dokumen_detail="ktp",
        need_dokumen_3="on",
        need_dokumen_3_detail="akta_lahir",
        need_dokumen_3_person=str(spouse.pk),
    )

    assert form.is_valid(), form.errors
    assert form.visit_input().needs == [
        NeedInput(kind="dokumen", detail="ktp"),
        NeedInput(kind="dokumen", detail="akta_lahir", person_id=spouse.pk),
    ]


def test_the_same_need_twice_is_refused_by_the_service_and_the_typed_rows_stay(
    admin_dinsos,
):
    officer = kelurahan_officer("psm_meteseh")
    (assignment,) = assigned(admin_dinsos, officer, members=2)
    head = members_of(assignment.household)[0]
    form = form_for(
        assignment.household,
        need_alat_bantu="on",
        need_alat_bantu_detail="kursi_roda",
        need_alat_bantu_person=str(head.pk),
        need_alat_bantu_2="on",
        need_alat_bantu_2_detail="kursi_roda",
        need_alat_bantu_2_person=str(head.pk),
    )
    assert form.is_valid(), form.errors  # the form only reads types; the rule is the service's

    with pytest.raises(VervalError) as refused:
        visit_submit(actor=officer, assignment=assignment, data=form.visit_input())

    assert refused.value.message == "Kebutuhan yang sama tercatat dua kali."
    assert section_of(refused.value.field) == "needs"
    assert [form[f"need_alat_bantu_2_{name}"].value() for name in ("detail", "person")] == [
        "kursi_roda",
        str(head.pk),
    ]
    assert not Visit.objects.exists()


def test_every_row_of_a_need_has_its_own_label(regions):
    form = form_for(make_household(members=1))

    labels = [str(form[f"need_alat_bantu{row}_person"].label) for row in ("", "_2", "_3")]

    assert labels == [
        "Untuk anggota — Alat bantu disabilitas",
        "Untuk anggota — Alat bantu disabilitas (2)",
        "Untuk anggota — Alat bantu disabilitas (3)",
    ]
    need_labels = [str(field.label) for name, field in form.fields.items() if "need_" in name]
    # Per row a box, a member and a note; a detail list for the 2 kinds that have one.
    assert len(need_labels) == len(set(need_labels)) == 3 * (15 * 3 + 2)


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
