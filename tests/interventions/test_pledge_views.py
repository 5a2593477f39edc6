"""The partners' pledge pages: who may open them, the masked family view, 404 across
partners, and the actions through HTTP."""

import datetime as dt

import pytest
from django.urls import reverse
from tests.conftest import _user
from tests.factories import head_of, make_household

from entas.accounts.models import OrganizationKind, Role
from entas.core.models import AuditEvent
from entas.interventions import choices as c
from entas.interventions.models import Adoption, Pledge
from entas.interventions.services.pledges import pledge_create, pledge_match
from entas.verval import choices as vc

from .builders import organization, period
from .test_pledges import need_for


def _pledge(admin, partner_organization, quantity: int = 1) -> Pledge:
    return pledge_create(
        actor=admin, partner=partner_organization, period=period(),
        need_kind=vc.NeedKind.ASSISTIVE_DEVICE, need_detail="kursi_roda", quantity=quantity,
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin_dinsos", 200),
        ("partner_csr", 200),
        ("opd_dinkes", 403),
        ("officer_tembalang", 403),
        ("leader", 403),
        ("auditor", 403),
    ],
)
def test_who_may_open_the_pledge_pages(cast, client_for, who, expected):
    client = client_for(cast[who])
    assert client.get(reverse("interventions:pledge_list")).status_code == expected
    assert client.get(reverse("interventions:pledge_form")).status_code == expected


@pytest.mark.django_db
def test_partner_creates_a_pledge_and_a_bad_quantity_keeps_what_was_typed(partner_csr, client_for):
    client = client_for(partner_csr)
    data = {
        "partner": partner_csr.organization_id, "period": period().pk,
        "need_kind": vc.NeedKind.ASSISTIVE_DEVICE, "need_detail": "kursi_roda",
        "area": "33.74.10", "quantity": "0", "note": "Dua puluh kursi roda",
    }  # fmt: skip
    response = client.post(reverse("interventions:pledge_form"), data)
    assert response.status_code == 400
    assert "Jumlah bantuan paling sedikit 1." in response.content.decode()
    assert "Dua puluh kursi roda" in response.content.decode()
    assert not Pledge.objects.exists()
    response = client.post(reverse("interventions:pledge_form"), data | {"quantity": "20"})
    pledge = Pledge.objects.get()
    assert response.url == reverse("interventions:pledge_detail", args=[pledge.pk])
    assert (pledge.partner, pledge.area_id, pledge.quantity) == (
        partner_csr.organization, "33.74.10", 20,
    )  # fmt: skip


@pytest.mark.django_db
def test_partner_cannot_pledge_for_another_partner(partner_csr, client_for):
    other = organization("baznas", "Baznas", OrganizationKind.PARTNER)
    data = {
        "partner": other.pk, "period": period().pk,
        "need_kind": vc.NeedKind.ASSISTIVE_DEVICE, "quantity": "5",
    }  # fmt: skip
    response = client_for(partner_csr).post(reverse("interventions:pledge_form"), data)
    assert response.status_code == 400
    assert not Pledge.objects.exists()


@pytest.mark.django_db
def test_partner_sees_only_masked_data_of_its_adopted_family(admin_dinsos, partner_csr, client_for):
    household = make_household(address="Jl. Mawar Raya 12", rt="003", rw="007", members=3)
    need_for(admin_dinsos, household)
    pledge = _pledge(admin_dinsos, partner_csr.organization)
    client_for(admin_dinsos).post(reverse("interventions:pledge_match", args=[pledge.pk]))
    head = head_of(household)
    members = list(household.memberships.values_list("person__full_name", "person__nik"))
    response = client_for(partner_csr).get(reverse("interventions:pledge_detail", args=[pledge.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert head.nik[:4] + "********" + head.nik[12:] in page
    assert "S*** R***" in page  # Slamet Riyadi
    assert "RT 003/RW 007" in page
    assert "Kursi roda" in page
    assert household.kk_number not in page
    assert "Mawar" not in page
    for name, nik in members:
        assert name not in page
        assert nik not in page
    assert AuditEvent.objects.filter(
        action="interventions.pledge_view", actor=partner_csr, target_id=str(pledge.pk)
    ).exists()


@pytest.mark.django_db
def test_another_partner_gets_404_for_pledge_and_adoption(admin_dinsos, partner_csr, client_for):
    need_for(admin_dinsos, make_household())
    pledge = _pledge(admin_dinsos, partner_csr.organization)
    (adoption,) = pledge_match(actor=admin_dinsos, pledge=pledge)
    stranger = _user(
        "partner_baznas", Role.PARTNER,
        organization=organization("baznas", "Baznas", OrganizationKind.PARTNER),
    )  # fmt: skip
    client = client_for(stranger)
    assert client.get(reverse("interventions:pledge_detail", args=[pledge.pk])).status_code == 404
    assert (
        pledge.partner.name not in client.get(reverse("interventions:pledge_list")).content.decode()
    )
    delivered = reverse("interventions:adoption_delivered", args=[adoption.pk])
    assert client.post(delivered, {"delivered_on": "2025-02-03"}).status_code == 404
    release = reverse("interventions:adoption_release", args=[adoption.pk])
    assert client.post(release, {"reason": "Bukan kami"}).status_code == 404
    adoption.refresh_from_db()
    assert (adoption.delivered_on, adoption.released_at) == (None, None)


@pytest.mark.django_db
def test_partner_marks_delivered_and_cannot_match(admin_dinsos, partner_csr, client_for):
    need = need_for(admin_dinsos, make_household())
    pledge = _pledge(admin_dinsos, partner_csr.organization)
    client = client_for(partner_csr)
    match = reverse("interventions:pledge_match", args=[pledge.pk])
    assert client.post(match).status_code == 403
    assert not Adoption.objects.exists()
    client_for(admin_dinsos).post(match)
    adoption = Adoption.objects.get()
    pledge.refresh_from_db()
    assert pledge.status == c.PledgeStatus.FULL
    delivered = reverse("interventions:adoption_delivered", args=[adoption.pk])
    response = client.post(delivered, {"delivered_on": "03-02-2025"})
    assert response.url == reverse("interventions:pledge_detail", args=[pledge.pk])
    adoption.refresh_from_db()
    need.refresh_from_db()
    assert adoption.delivered_on == dt.date(2025, 2, 3)
    assert need.status == vc.NeedStatus.MET
    listing = client.get(reverse("interventions:pledge_list")).content.decode()
    assert "Terpenuhi" in listing


@pytest.mark.django_db
def test_pledge_pages_name_the_device_not_its_code(admin_dinsos, partner_csr, client_for):
    pledge = _pledge(admin_dinsos, partner_csr.organization, quantity=2)
    client = client_for(partner_csr)
    for page in (
        client.get(reverse("interventions:pledge_list")),
        client.get(reverse("interventions:pledge_detail", args=[pledge.pk])),
    ):
        text = page.content.decode()
        assert "Kursi roda" in text
        assert "kursi_roda" not in text
