"""The registry's family page leads to the family's verval page (visits, needs, companion)."""

import pytest
from django.urls import reverse
from tests.factories import make_household

from .builders import KELURAHAN


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin_dinsos", "officer_tembalang"])
def test_household_page_links_to_the_verval_page(request, client_for, who):
    household = make_household(kelurahan_code=KELURAHAN)
    client = client_for(request.getfixturevalue(who))
    page = client.get(reverse("registry:household", args=[household.pk]))
    target = reverse("verval:family", args=[household.pk])
    assert f'href="{target}"' in page.content.decode()
    assert client.get(target).status_code == 200
