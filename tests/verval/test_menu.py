"""The main menu offers each role the verval pages it may open, and no other."""

import pytest
from django.urls import reverse

from .builders import kelurahan_officer

MENU = {
    "Kunjungan": "verval:field_list",
    "Periksa": "verval:review_queue",
    "Verval": "verval:campaign_list",
    "Pendampingan": "verval:companion_list",
}


def _menu(client) -> set[str]:
    page = client.get(reverse("core:home"), follow=True).content.decode()
    nav = page.split('aria-label="Menu utama"', 1)[1].split("</nav>", 1)[0]
    return {label for label, name in MENU.items() if f'href="{reverse(name)}"' in nav}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin_dinsos", {"Periksa", "Verval", "Pendampingan"}),
        ("officer_tembalang", {"Kunjungan", "Periksa", "Verval", "Pendampingan"}),
        ("psm", {"Kunjungan", "Verval", "Pendampingan"}),
        ("leader", {"Verval"}),
        ("opd_dinkes", set()),
        ("partner_csr", set()),
        ("auditor", set()),
    ],
)
def test_menu_offers_each_role_its_verval_pages(request, client_for, who, expected):
    user = kelurahan_officer("psm_menu") if who == "psm" else request.getfixturevalue(who)
    assert _menu(client_for(user)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("name", MENU.values())
def test_every_menu_page_opens_for_the_coordinator(client_for, officer_tembalang, name):
    assert client_for(officer_tembalang).get(reverse(name)).status_code == 200
