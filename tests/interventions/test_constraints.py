"""The database holds one live referral of a family (or of one member) to a programme per
period, on SQLite and PostgreSQL alike, whatever a service might forget."""

import pytest
from django.db import IntegrityError, transaction
from tests.factories import make_household, members_of

from entas.interventions import choices as c
from entas.interventions.models import Referral

from .builders import dinkes, period, programme


def _referral(household, pmt, january, admin, person=None, status=c.ReferralStatus.PROPOSED):
    return Referral.objects.create(
        period=january, programme=pmt, organization=pmt.owner, household=household,
        person=person, status=status, proposed_by=admin,
    )  # fmt: skip


@pytest.mark.django_db
def test_one_live_referral_per_family_and_per_member(admin_dinsos):
    household, january = make_household(), period()
    pmt = programme("pmt-balita", dinkes())
    first = _referral(household, pmt, january, admin_dinsos, status=c.ReferralStatus.DECLINED)
    _referral(household, pmt, january, admin_dinsos)  # a declined one does not count
    with pytest.raises(IntegrityError), transaction.atomic():
        _referral(household, pmt, january, admin_dinsos)
    child, other = members_of(household)[2], members_of(household)[1]
    _referral(household, pmt, january, admin_dinsos, person=child)
    _referral(household, pmt, january, admin_dinsos, person=other)  # another member: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        _referral(household, pmt, january, admin_dinsos, person=child)
    assert Referral.objects.filter(household=household).count() == 4
    assert first.status == c.ReferralStatus.DECLINED
