"""The campaign cycle through the services: assign, visit, return, visit again, approve."""

import datetime as dt

import pytest
from tests.factories import head_of, members_of

from entas.registry import choices as rc
from entas.registry.models import Person
from entas.targeting.models import FamilyCause, FieldFinding
from entas.verval import choices as c
from entas.verval.exceptions import VervalError
from entas.verval.models import Need
from entas.verval.services.visits import MemberChangeInput, NeedInput, visit_approve, visit_return

from .builders import assigned, kelurahan_officer, submitted


@pytest.mark.django_db
def test_return_then_approve_writes_registry(admin_dinsos, officer_tembalang):
    psm = kelurahan_officer("psm_bulusan")
    (assignment,) = assigned(admin_dinsos, psm, members=3)
    household = assignment.household
    child = members_of(household)[2]
    first = submitted(psm, assignment)
    visit_return(actor=officer_tembalang, visit=first, note="Foto rumah belum ada")
    assignment.refresh_from_db()
    assert assignment.status == c.AssignmentStatus.RETURNED
    second = submitted(
        psm,
        assignment,
        member_changes=[
            MemberChangeInput(
                kind=c.MemberChange.MOVED_OUT, on=dt.date(2025, 1, 18), person_id=child.pk
            ),
            MemberChangeInput(
                kind=c.MemberChange.BIRTH,
                on=dt.date(2025, 1, 17),
                full_name="Bayi Lestari",
                sex=rc.Sex.FEMALE,
                relationship=rc.Relationship.CHILD,
                birth_date=dt.date(2025, 1, 17),
            ),
        ],
        causes=["phk"],
        needs=[
            NeedInput(
                kind=c.NeedKind.ASSISTIVE_DEVICE,
                detail="kursi_roda",
                person_id=head_of(household).pk,
            )
        ],
        welfare={"expenditure_per_capita": 300000},
    )
    with pytest.raises(VervalError):
        visit_approve(actor=psm, visit=second)
    visit_approve(actor=officer_tembalang, visit=second)
    child.refresh_from_db()
    assert child.status == rc.PersonStatus.MOVED_OUT
    assert Person.objects.filter(full_name="Bayi Lestari").count() == 1
    assert FamilyCause.objects.get(household=household, cause="phk").is_present
    assert FieldFinding.objects.get(household=household).reference == f"verval:{second.pk}"
    assert Need.objects.get(household=household).detail == "kursi_roda"
    assignment.refresh_from_db()
    assert assignment.status == c.AssignmentStatus.APPROVED
