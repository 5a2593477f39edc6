"""The main menu offers each role the verval and interventions pages it may open, and no
other; every page it offers opens."""

import pytest
from django.urls import reverse

from .builders import kelurahan_officer

MENU = {
    "Kunjungan": "verval:field_list",
    "Periksa": "verval:review_queue",
    "Verval": "verval:campaign_list",
    "Pendampingan": "verval:companion_list",
    "Program": "interventions:catalogue_list",
    "Rujukan": "interventions:referral_queue",
    "Konvergensi": "interventions:convergence_index",
    "Komitmen mitra": "interventions:pledge_list",
    "Capaian": "interventions:convergence_progress",
    "Pengguna": "accounts:organization_list",
}


INTERVENTIONS = {"Program", "Rujukan", "Konvergensi", "Komitmen mitra"}
FIELD = {"Program", "Konvergensi"}


def _menu(client) -> set[str]:
    page = client.get(reverse("core:home"), follow=True).content.decode()
    nav = page.split('aria-label="Menu utama"', 1)[1].split("</nav>", 1)[0]
    return {label for label, name in MENU.items() if f'href="{reverse(name)}"' in nav}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin_dinsos", {"Periksa", "Verval", "Pendampingan", *INTERVENTIONS, "Pengguna"}),
        ("officer_tembalang", {"Kunjungan", "Periksa", "Verval", "Pendampingan", *FIELD}),
        ("psm", {"Kunjungan", "Verval", "Pendampingan", *FIELD}),
        ("leader", {"Verval", "Program", "Konvergensi"}),
        ("opd_dinkes", {"Program", "Rujukan", "Capaian"}),
        ("partner_csr", {"Program", "Rujukan", "Capaian", "Komitmen mitra"}),
        ("auditor", set()),
    ],
)
def test_menu_offers_each_role_its_verval_pages(request, client_for, who, expected):
    user = kelurahan_officer("psm_menu") if who == "psm" else request.getfixturevalue(who)
    client = client_for(user)
    assert _menu(client) == expected
    for label in expected:  # and every page offered opens for that role
        assert client.get(reverse(MENU[label])).status_code == 200, label
