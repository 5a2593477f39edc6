"""A need is met or closed once, with its reason and its history."""

import pytest

from entas.core.models import AuditEvent
from entas.verval import choices as c
from entas.verval.exceptions import VervalError
from entas.verval.models import Need
from entas.verval.services.needs import need_close, need_met
from entas.verval.services.visits import NeedInput, visit_approve

from .builders import assigned, kelurahan_officer, submitted


@pytest.fixture
def need(admin_dinsos, officer_tembalang) -> Need:
    psm = kelurahan_officer("psm_needs")
    (assignment,) = assigned(admin_dinsos, psm)
    visit = submitted(psm, assignment, needs=[NeedInput(kind=c.NeedKind.FOOD)])
    visit_approve(actor=officer_tembalang, visit=visit)
    return Need.objects.get()


@pytest.mark.django_db
def test_a_met_need_keeps_why_and_cannot_be_met_again(need, admin_dinsos):
    met = need_met(actor=admin_dinsos, need=need, note="Rujukan 12: permakanan tersalurkan")
    assert (met.status, met.closed_note) == (c.NeedStatus.MET, "Rujukan 12: permakanan tersalurkan")
    assert met.closed_at is not None
    event = AuditEvent.objects.get(action="verval.need_close")
    assert event.trail == f"household:{need.household_id}"
    assert event.changes == {"status": ["terbuka", "terpenuhi"]}
    with pytest.raises(VervalError, match="sudah berstatus"):
        need_close(actor=admin_dinsos, need=need, note="Pindah")


@pytest.mark.django_db
def test_closing_a_need_asks_why(need, admin_dinsos):
    with pytest.raises(VervalError, match="alasan"):
        need_close(actor=admin_dinsos, need=need, note=" ")
    need.refresh_from_db()
    assert need.status == c.NeedStatus.OPEN
