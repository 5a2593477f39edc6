"""Partners' pledges: who may pledge, which needs a pledge adopts and in what order, and
the partner's sight of the families it adopted (registry.HouseholdGrant)."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from tests.factories import make_household
from tests.verval.builders import campaign, kelurahan_officer, submitted

from entas.accounts.models import OrganizationKind, User
from entas.core.models import AuditEvent
from entas.interventions import choices as c
from entas.interventions.models import Adoption, Pledge, Referral
from entas.interventions.services.pledges import (
    PledgeError,
    adoption_delivered,
    adoption_release,
    pledge_create,
    pledge_match,
    pledge_withdraw,
)
from entas.registry.models import Household, HouseholdGrant
from entas.registry.selectors import household_scope
from entas.targeting.choices import Rule, Status
from entas.targeting.models import Classification, Period
from entas.verval import choices as vc
from entas.verval.models import Assignment, Need
from entas.verval.services import campaigns
from entas.verval.services.visits import NeedInput, visit_approve
from entas.wilayah.models import Region

from .builders import organization, period

BULUSAN = "33.74.10.1001"  # kecamatan Tembalang (Meteseh)
MANGUNHARJO = "33.74.10.1002"  # kecamatan Tembalang
TEMBALANG = "33.74.10"
TUGU_KELURAHAN = "33.74.16.1001"  # kecamatan Tugu
_officers = itertools.count(1)


def need_for(
    admin: User,
    household: Household,
    kind: str = vc.NeedKind.ASSISTIVE_DEVICE,
    detail: str = "kursi_roda",
) -> Need:
    """An open need recorded the way the field records it: a visit, approved."""
    officer = kelurahan_officer(f"psm_{next(_officers)}", household.kelurahan_id)
    made = campaign(admin, households=[household])
    campaigns.campaign_assign_balanced(actor=admin, campaign=made, officers=[officer])
    assignment = Assignment.objects.get(campaign=made, household=household)
    visit = submitted(officer, assignment, needs=[NeedInput(kind=kind, detail=detail)])
    visit_approve(actor=admin, visit=visit)
    return Need.objects.get(household=household, kind=kind, detail=detail)


def extreme(household: Household, in_period: Period) -> None:
    Classification.objects.create(
        period=in_period, household=household, kelurahan_id=household.kelurahan_id,
        status=Status.EXTREME, rule=Rule.EXPENDITURE,
    )  # fmt: skip


def older(need: Need, days: int) -> None:
    Need.objects.filter(pk=need.pk).update(created_at=need.created_at - dt.timedelta(days=days))


def wheelchairs(admin: User, partner_user: User, **fields) -> Pledge:
    values = {
        "actor": admin,
        "partner": partner_user.organization,
        "period": period(),
        "need_kind": vc.NeedKind.ASSISTIVE_DEVICE,
        "need_detail": "kursi_roda",
        "quantity": 2,
    }
    values.update(fields)
    return pledge_create(**values)


# --- creating --------------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_pledges_for_its_own_organisation_only(partner_csr, admin_dinsos):
    other = organization("baznas", "Baznas", OrganizationKind.PARTNER)
    pledge = wheelchairs(partner_csr, partner_csr, area=Region.objects.get(code=TEMBALANG))
    assert (pledge.partner, pledge.status, pledge.created_by) == (
        partner_csr.organization, c.PledgeStatus.OPEN, partner_csr,
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="interventions.pledge_create").count() == 1
    assert wheelchairs(partner_csr, partner_csr, need_detail="Kursi Roda").need_detail == (
        "kursi_roda"
    )
    with pytest.raises(PledgeError, match="Rincian “sepeda” tidak dikenal"):
        wheelchairs(partner_csr, partner_csr, need_detail="sepeda")
    with pytest.raises(PledgeError, match="organisasi Anda sendiri"):
        wheelchairs(partner_csr, partner_csr, partner=other)
    assert Pledge.objects.count() == 2
    assert wheelchairs(admin_dinsos, partner_csr, partner=other).partner == other


@pytest.mark.django_db
def test_pledge_refuses_an_opd_a_city_and_an_opd_officer(admin_dinsos, opd_dinkes, partner_csr):
    with pytest.raises(PledgeError, match="atas nama mitra"):
        wheelchairs(admin_dinsos, partner_csr, partner=opd_dinkes.organization)
    with pytest.raises(PledgeError, match="kecamatan atau kelurahan"):
        wheelchairs(admin_dinsos, partner_csr, area=Region.objects.get(code="33.74"))
    with pytest.raises(PledgeError, match="organisasi Anda sendiri"):
        wheelchairs(opd_dinkes, partner_csr)
    assert not Pledge.objects.exists()


# --- matching --------------------------------------------------------------------------


@pytest.mark.django_db
def test_match_takes_area_kind_and_detail(admin_dinsos, partner_csr):
    inside = need_for(admin_dinsos, make_household(kelurahan_code=MANGUNHARJO))
    need_for(admin_dinsos, make_household(kelurahan_code=TUGU_KELURAHAN))  # another kecamatan
    need_for(admin_dinsos, make_household(kelurahan_code=BULUSAN), detail="kruk")
    need_for(admin_dinsos, make_household(kelurahan_code=BULUSAN), kind=vc.NeedKind.FOOD,
             detail="")  # fmt: skip
    pledge = wheelchairs(admin_dinsos, partner_csr, area=Region.objects.get(code=TEMBALANG))
    made = pledge_match(actor=admin_dinsos, pledge=pledge)
    assert [adoption.need for adoption in made] == [inside]
    pledge.refresh_from_db()
    assert pledge.status == c.PledgeStatus.OPEN  # 1 of 2 adopted


@pytest.mark.django_db
def test_match_by_kind_only_when_no_detail_and_kelurahan_area(admin_dinsos, partner_csr):
    crutches = need_for(admin_dinsos, make_household(kelurahan_code=BULUSAN), detail="kruk")
    need_for(admin_dinsos, make_household(kelurahan_code=MANGUNHARJO))
    pledge = wheelchairs(
        admin_dinsos, partner_csr, need_detail="", area=Region.objects.get(code=BULUSAN)
    )
    assert [a.need for a in pledge_match(actor=admin_dinsos, pledge=pledge)] == [crutches]


@pytest.mark.django_db
def test_match_extreme_poor_first_then_oldest_up_to_quantity(admin_dinsos, partner_csr):
    oldest = need_for(admin_dinsos, make_household())
    newer = need_for(admin_dinsos, make_household())
    poorest = need_for(admin_dinsos, make_household())
    older(oldest, 30)
    older(newer, 10)
    extreme(poorest.household, period())
    extreme(oldest.household, period("2024-01"))  # another period does not count
    pledge = wheelchairs(admin_dinsos, partner_csr, quantity=2)
    made = pledge_match(actor=admin_dinsos, pledge=pledge)
    assert [a.need for a in made] == [poorest, oldest]
    pledge.refresh_from_db()
    assert pledge.status == c.PledgeStatus.FULL
    assert pledge_match(actor=admin_dinsos, pledge=pledge) == []  # nothing left to adopt
    assert Adoption.objects.count() == 2


@pytest.mark.django_db
def test_match_skips_needs_adopted_elsewhere_or_answered_by_a_committed_referral(
    admin_dinsos, partner_csr
):
    adopted = need_for(admin_dinsos, make_household())
    answered = need_for(admin_dinsos, make_household())
    proposed = need_for(admin_dinsos, make_household())
    other = wheelchairs(
        admin_dinsos, partner_csr, quantity=1,
        partner=organization("baznas", "Baznas", OrganizationKind.PARTNER),
    )  # fmt: skip
    assert [a.need for a in pledge_match(actor=admin_dinsos, pledge=other)] == [adopted]
    _referral(admin_dinsos, answered, c.ReferralStatus.ACCEPTED)
    _referral(admin_dinsos, proposed, c.ReferralStatus.PROPOSED)  # not committed: still open
    pledge = wheelchairs(admin_dinsos, partner_csr, quantity=5)
    assert [a.need for a in pledge_match(actor=admin_dinsos, pledge=pledge)] == [proposed]


def _referral(admin: User, need: Need, status: str) -> Referral:
    from .builders import programme

    owner = organization("dinsos", "Dinas Sosial", OrganizationKind.DINSOS)
    return Referral.objects.create(
        period=period(), programme=programme(f"alat-bantu-{need.pk}", owner),
        organization=owner, household=need.household, need=need, status=status,
        proposed_by=admin,
    )  # fmt: skip


@pytest.mark.django_db
def test_only_admins_match_and_a_withdrawn_pledge_is_not_matched(admin_dinsos, partner_csr):
    need_for(admin_dinsos, make_household())
    pledge = wheelchairs(admin_dinsos, partner_csr)
    with pytest.raises(PledgeError, match="Hanya Dinas Sosial"):
        pledge_match(actor=partner_csr, pledge=pledge)
    pledge_withdraw(actor=partner_csr, pledge=pledge, reason="Anggaran dialihkan")
    with pytest.raises(PledgeError, match="sudah ditarik"):
        pledge_match(actor=admin_dinsos, pledge=pledge)
    assert not Adoption.objects.exists()
    assert not HouseholdGrant.objects.exists()


# --- sight of the family ---------------------------------------------------------------


@pytest.mark.django_db
def test_adoption_grants_sight_and_release_revokes_it(admin_dinsos, partner_csr):
    need = need_for(admin_dinsos, make_household())
    need_for(admin_dinsos, make_household())
    pledge = wheelchairs(admin_dinsos, partner_csr, quantity=1)
    (adoption,) = pledge_match(actor=admin_dinsos, pledge=pledge)
    grant = HouseholdGrant.objects.get(reference=f"adoption:{adoption.pk}")
    assert (grant.organization, grant.household) == (partner_csr.organization, need.household)
    assert list(household_scope(partner_csr)) == [need.household]
    with pytest.raises(PledgeError, match="alasan"):
        adoption_release(actor=partner_csr, adoption=adoption, reason=" ")
    adoption_release(actor=partner_csr, adoption=adoption, reason="Keluarga menolak")
    assert not household_scope(partner_csr).exists()
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    pledge.refresh_from_db()
    assert pledge.status == c.PledgeStatus.OPEN  # room again: the other need is adopted next
    (again,) = pledge_match(actor=admin_dinsos, pledge=pledge)
    assert again.need != need


@pytest.mark.django_db
def test_delivery_meets_the_need_and_keeps_the_family_adopted(admin_dinsos, partner_csr):
    need = need_for(admin_dinsos, make_household())
    pledge = wheelchairs(admin_dinsos, partner_csr, quantity=1)
    (adoption,) = pledge_match(actor=admin_dinsos, pledge=pledge)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(PledgeError, match="masa depan"):
        adoption_delivered(actor=partner_csr, adoption=adoption, delivered_on=tomorrow)
    adoption_delivered(actor=partner_csr, adoption=adoption, delivered_on=dt.date(2025, 2, 3))
    adoption.refresh_from_db()
    need.refresh_from_db()
    assert adoption.delivered_on == dt.date(2025, 2, 3)
    assert need.status == vc.NeedStatus.MET
    with pytest.raises(PledgeError, match="sudah diserahkan"):
        adoption_release(actor=admin_dinsos, adoption=adoption, reason="Salah")
    assert list(household_scope(partner_csr)) == [need.household]


@pytest.mark.django_db
def test_another_partner_cannot_act_on_an_adoption(admin_dinsos, partner_csr):
    need_for(admin_dinsos, make_household())
    pledge = wheelchairs(admin_dinsos, partner_csr, quantity=1)
    (adoption,) = pledge_match(actor=admin_dinsos, pledge=pledge)
    from tests.conftest import _user

    from entas.accounts.models import Role

    stranger = _user(
        "partner_baznas", Role.PARTNER,
        organization=organization("baznas", "Baznas", OrganizationKind.PARTNER),
    )  # fmt: skip
    with pytest.raises(PledgeError, match="bukan milik"):
        adoption_delivered(actor=stranger, adoption=adoption, delivered_on=dt.date(2025, 2, 3))
    with pytest.raises(PledgeError, match="bukan milik"):
        pledge_withdraw(actor=stranger, pledge=pledge)
    adoption.refresh_from_db()
    assert adoption.delivered_on is None
    assert not household_scope(stranger).exists()
