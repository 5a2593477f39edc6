"""The campaign cycle through the services: assign, visit, return, visit again, approve."""

import datetime as dt

import pytest
from tests.factories import head_of, members_of

from entas.registry import choices as rc
from entas.registry import services as registry
from entas.registry.models import Person
from entas.targeting.models import FamilyCause, FieldFinding
from entas.verval import choices as c
from entas.verval.exceptions import VervalError
from entas.verval.models import Assignment, Need, Visit
from entas.verval.services import campaigns
from entas.verval.services.visits import (
    MemberChangeInput,
    NeedInput,
    visit_approve,
    visit_return,
    visit_submit,
)

from .builders import assigned, kelurahan_officer, submitted, visit_input


@pytest.mark.django_db
def test_return_then_approve_writes_registry(admin_dinsos, officer_tembalang):
    psm = kelurahan_officer("psm_meteseh")
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


@pytest.mark.django_db
def test_approved_welfare_keeps_what_the_visit_did_not_ask(admin_dinsos, officer_tembalang):
    psm = kelurahan_officer("psm_welfare")
    (assignment,) = assigned(admin_dinsos, psm, members=2)
    household = assignment.household
    registry.welfare_record(
        actor=None, household=household, as_of=dt.date(2025, 1, 15), source=rc.Source.DTSEN,
        values={"expenditure_per_capita": 500000, "income_per_capita": 420000,
                "assets": {"sepeda_motor": True}, "desil": 1,
                "desil_source": rc.DesilSource.DTSEN_NATIONAL},
    )  # fmt: skip
    visit = submitted(psm, assignment, welfare={"expenditure_per_capita": 350000})
    visit_approve(actor=officer_tembalang, visit=visit)
    household.refresh_from_db()
    current = household.current_welfare
    assert current.source == rc.Source.VERVAL
    assert current.expenditure_per_capita == 350000
    assert current.income_per_capita == 420000
    assert current.assets == {"sepeda_motor": True}
    assert current.desil is None  # the desil keeps its own date and source in the DTSEN record


@pytest.mark.django_db
def test_a_visit_sent_after_reassignment_is_refused(admin_dinsos):
    first, second = kelurahan_officer("psm_first"), kelurahan_officer("psm_second")
    (assignment,) = assigned(admin_dinsos, first)
    stale = Assignment.objects.get(pk=assignment.pk)  # the officer's copy, before the move
    campaigns.assignment_reassign(
        actor=admin_dinsos, assignments=[assignment], officer=second, reason="Cuti"
    )
    with pytest.raises(VervalError, match="tidak ditugaskan"):
        visit_submit(actor=first, assignment=stale, data=visit_input())
    assert not Visit.objects.exists()
