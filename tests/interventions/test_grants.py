"""OPD officers and partners see exactly the households granted to their organisation."""

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.factories import make_household

from entas.registry.models import HouseholdGrant
from entas.registry.selectors import household_scope, person_scope


@pytest.mark.django_db
def test_opd_sees_only_live_grants_of_its_organisation(opd_dinkes, partner_csr, client_for):
    granted, other = make_household(), make_household()
    assert not household_scope(opd_dinkes).exists()
    grant = HouseholdGrant.objects.create(
        household=granted, organization=opd_dinkes.organization, reference="referral:1"
    )
    assert list(household_scope(opd_dinkes)) == [granted]
    assert person_scope(opd_dinkes).count() == 3  # the granted family's members
    assert not household_scope(partner_csr).exists()  # another organisation's grant
    assert (
        client_for(opd_dinkes).get(reverse("registry:household", args=[granted.pk])).status_code
        == 200
    )
    assert (
        client_for(opd_dinkes).get(reverse("registry:household", args=[other.pk])).status_code
        == 404
    )
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    assert not household_scope(opd_dinkes).exists()
