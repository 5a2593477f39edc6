"""Every role against every page (ADR 0004): who gets the page, who is refused (403), and
for whom a record outside their scope does not exist (404)."""

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from tests.factories import head_of, make_household

from entas.accounts.models import Role, User
from entas.wilayah.models import Region

pytestmark = pytest.mark.django_db

ROLES = [
    "admin_dinsos",
    "officer_tembalang",
    "officer_tugu",
    "opd_dinkes",
    "partner_csr",
    "leader",
    "auditor",
]

# page: expected status per role, in ROLES order. Records are in Tembalang.
EXPECTED = {
    "search": [200, 200, 200, 200, 200, 403, 403],
    "household": [200, 200, 404, 404, 404, 403, 403],
    "person": [200, 200, 404, 404, 404, 403, 403],
    "summary": [200, 200, 200, 403, 403, 200, 403],
    "audit_log": [200, 403, 403, 403, 403, 403, 200],
    "home": [302, 302, 302, 302, 302, 302, 302],
    "login": [302, 302, 302, 302, 302, 302, 302],
}
CASES = [
    (page, role, status)
    for page, statuses in EXPECTED.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


def page_url(page: str, household) -> str:
    if page == "household":
        return reverse("registry:household", args=[household.pk])
    if page == "person":
        return reverse("registry:person", args=[head_of(household).pk])
    if page == "search":
        return reverse("registry:search") + "?q=slamet"
    names = {"summary": "registry:summary", "audit_log": "accounts:audit_log"}
    names |= {"home": "accounts:home", "login": "accounts:login"}
    return reverse(names[page])


@pytest.mark.parametrize(("page", "role", "status"), CASES)
def test_role_gets_expected_status(page, role, status, cast, client_for, tembalang_household):
    response = client_for(cast[role]).get(page_url(page, tembalang_household))

    assert response.status_code == status


@pytest.mark.parametrize("page", list(EXPECTED))
def test_anonymous_is_sent_to_login(page, regions, tembalang_household):
    response = Client().get(page_url(page, tembalang_household))

    if page == "login":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("admin_dinsos", "registry:search"),
        ("officer_tembalang", "registry:search"),
        ("opd_dinkes", "registry:search"),
        ("partner_csr", "registry:search"),
        ("leader", "registry:summary"),
        ("auditor", "accounts:audit_log"),
    ],
)
def test_home_lands_each_role_on_its_page(role, landing, cast, client_for):
    response = client_for(cast[role]).get(reverse("core:home"), follow=True)

    assert response.redirect_chain[-1] == (reverse(landing), 302)
    assert response.status_code == 200


def test_officer_sees_a_household_of_their_own_kecamatan(
    officer_tugu, officer_tembalang, client_for, tugu_household
):
    url = reverse("registry:household", args=[tugu_household.pk])

    assert client_for(officer_tugu).get(url).status_code == 200
    assert client_for(officer_tembalang).get(url).status_code == 404


def test_out_of_scope_page_is_a_friendly_indonesian_404(
    officer_tugu, client_for, tembalang_household
):
    response = client_for(officer_tugu).get(
        reverse("registry:household", args=[tembalang_household.pk])
    )

    assert response.status_code == 404
    assert "Data yang Anda cari tidak ada, atau berada di luar wilayah tugas Anda." in response.text
    assert tembalang_household.kk_number not in response.text


def test_refused_role_gets_a_friendly_indonesian_403(leader, client_for):
    response = client_for(leader).get(reverse("registry:search"))

    assert response.status_code == 403
    assert "Anda tidak berhak membuka halaman ini" in response.text


def test_unknown_household_id_is_404(admin_dinsos, client_for):
    response = client_for(admin_dinsos).get(reverse("registry:household", args=[987654]))

    assert response.status_code == 404


def test_officer_search_finds_nobody_outside_their_area(
    officer_tugu, client_for, tembalang_household
):
    response = client_for(officer_tugu).get(reverse("registry:search"), {"q": "slamet"})

    assert response.context["page"].results == []
    assert "Slamet" not in response.text


def test_server_error_page_renders_without_a_request():
    html = render_to_string("500.html")

    assert "Maaf, terjadi kesalahan di server" in html


def test_officer_of_one_kelurahan_sees_only_that_kelurahan(client_for, regions):
    officer = User.objects.create_user(username="officer_meteseh", role=Role.FIELD_OFFICER)
    officer.areas.set(Region.objects.filter(code="33.74.10.1001"))
    inside = make_household(kelurahan_code="33.74.10.1001", members=1)
    next_door = make_household(kelurahan_code="33.74.10.1002", members=1)
    client = client_for(officer)

    assert client.get(reverse("registry:household", args=[inside.pk])).status_code == 200
    assert client.get(reverse("registry:household", args=[next_door.pk])).status_code == 404
    kelurahan = [
        code
        for code, _name in client.get(reverse("registry:search"))
        .context["form"]
        .fields["kelurahan"]
        .choices[1][1]
    ]
    assert kelurahan == ["33.74.10.1001"]
