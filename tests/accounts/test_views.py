"""The user-management pages: admins add organisations and officers, edit, deactivate and
reset passwords; every other role gets 403; bad input keeps what was typed and writes
nothing; the new officer signs in and sees what their role allows."""

import pytest
from django.test import Client
from django.urls import reverse

from entas.accounts.models import Organization, Role, User
from entas.core.models import AuditEvent

from .test_services import PASSWORD, snapshot

pytestmark = pytest.mark.django_db

OTHERS = ["officer_tembalang", "officer_tugu", "opd_dinkes", "partner_csr", "leader", "auditor"]


def urls(organization: Organization, officer: User) -> list[str]:
    at, user = organization.pk, officer.pk
    return [
        reverse("accounts:organization_list"),
        reverse("accounts:organization_create"),
        reverse("accounts:organization_detail", args=[at]),
        reverse("accounts:organization_update", args=[at]),
        reverse("accounts:officer_create", args=[at]),
        reverse("accounts:officer_update", args=[at, user]),
        reverse("accounts:officer_status", args=[at, user]),
        reverse("accounts:officer_password", args=[at, user]),
    ]


def signs_in(username: str, password: str) -> bool:
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def test_admin_opens_every_page(cast, client_for):
    client = client_for(cast["admin_dinsos"])
    dinkes = cast["opd_dinkes"].organization

    for url in urls(dinkes, cast["opd_dinkes"]):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", OTHERS)
def test_every_other_role_is_refused(cast, client_for, who):
    client = client_for(cast[who])
    dinkes = cast["opd_dinkes"].organization
    before = snapshot()

    for url in urls(dinkes, cast["opd_dinkes"]):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x", "name": "x", "code": "xx"}).status_code == 403
    assert snapshot() == before


def test_an_officer_of_another_organisation_is_not_found(cast, client_for):
    client = client_for(cast["admin_dinsos"])
    dinkes = cast["opd_dinkes"].organization
    url = reverse("accounts:officer_update", args=[dinkes.pk, cast["partner_csr"].pk])

    assert client.get(url).status_code == 404
    assert client.get(reverse("accounts:organization_detail", args=[99999])).status_code == 404


def test_the_list_counts_active_officers(cast, client_for):
    User.objects.filter(pk=cast["partner_csr"].pk).update(is_active=False)

    page = client_for(cast["admin_dinsos"]).get(reverse("accounts:organization_list")).text

    rows = page.split('id="organizations"', 1)[1]
    dinkes = rows.split("Dinas Kesehatan", 1)[1].split("</tr>", 1)[0]
    partner = rows.split("CSR Contoh", 1)[1].split("</tr>", 1)[0]
    assert '<td class="number">1</td>' in dinkes
    assert '<td class="number">0</td>' in partner


def test_admin_adds_an_organisation(admin_dinsos, client_for):
    response = client_for(admin_dinsos).post(
        reverse("accounts:organization_create"),
        {"code": "disnaker", "name": "Dinas Tenaga Kerja", "kind": "opd"},
    )

    made = Organization.objects.get(code="disnaker")
    assert response["Location"] == reverse("accounts:organization_detail", args=[made.pk])
    assert (made.name, made.kind) == ("Dinas Tenaga Kerja", "opd")


def test_admin_edits_an_organisation(opd_dinkes, admin_dinsos, client_for):
    dinkes = opd_dinkes.organization
    client = client_for(admin_dinsos)
    url = reverse("accounts:organization_update", args=[dinkes.pk])

    form = client.get(url).text
    client.post(url, {"code": "dinkes", "name": "Dinas Kesehatan Kota", "kind": "opd"})

    assert 'value="Dinas Kesehatan"' in form
    dinkes.refresh_from_db()
    assert dinkes.name == "Dinas Kesehatan Kota"


def test_a_refused_organisation_keeps_what_was_typed(opd_dinkes, admin_dinsos, client_for):
    before = snapshot()

    response = client_for(admin_dinsos).post(
        reverse("accounts:organization_create"),
        {"code": "dinkes", "name": "Dinas Kesehatan Baru", "kind": "opd"},
    )

    assert response.status_code == 400
    assert "Kode organisasi dinkes sudah dipakai." in response.text
    assert 'value="Dinas Kesehatan Baru"' in response.text
    assert snapshot() == before


def test_admin_adds_a_field_officer_who_signs_in_and_visits(admin_dinsos, client_for):
    dinsos = admin_dinsos.organization
    response = client_for(admin_dinsos).post(
        reverse("accounts:officer_create", args=[dinsos.pk]),
        {"username": "sri.w", "full_name": "Sri Wahyuni", "role": "field_officer",
         "areas": ["33.74.10.1001"], "password": PASSWORD, "password_again": PASSWORD},
    )  # fmt: skip

    assert response["Location"] == reverse("accounts:organization_detail", args=[dinsos.pk])
    officer = User.objects.get(username="sri.w")
    assert (officer.role, officer.organization) == (Role.FIELD_OFFICER, dinsos)
    client = Client()
    signed_in = client.post(
        reverse("accounts:login"), {"username": "sri.w", "password": PASSWORD}, follow=True
    )
    assert signed_in.redirect_chain[-1][0] == reverse("registry:search")
    assert f'href="{reverse("verval:field_list")}"' in signed_in.text
    assert client.get(reverse("verval:field_list")).status_code == 200
    assert client.get(reverse("accounts:organization_list")).status_code == 403


def test_a_new_opd_officer_works_their_referrals_only(opd_dinkes, admin_dinsos, client_for):
    dinkes = opd_dinkes.organization
    client_for(admin_dinsos).post(
        reverse("accounts:officer_create", args=[dinkes.pk]),
        {"username": "rina.dinkes", "full_name": "Rina", "role": "opd_officer",
         "password": PASSWORD, "password_again": PASSWORD},
    )  # fmt: skip

    client = Client()
    client.post(reverse("accounts:login"), {"username": "rina.dinkes", "password": PASSWORD})
    assert client.get(reverse("interventions:referral_queue")).status_code == 200
    assert client.get(reverse("verval:field_list")).status_code == 403
    assert client.get(reverse("imports:list")).status_code == 403


def test_a_refused_officer_keeps_what_was_typed_but_not_the_password(admin_dinsos, client_for):
    dinsos = admin_dinsos.organization
    before = snapshot()

    response = client_for(admin_dinsos).post(
        reverse("accounts:officer_create", args=[dinsos.pk]),
        {"username": "sri.w", "full_name": "Sri Wahyuni", "role": "field_officer",
         "password": PASSWORD, "password_again": PASSWORD},
    )  # fmt: skip

    assert response.status_code == 400
    assert (
        "Petugas lapangan perlu sedikitnya satu wilayah tugas (kecamatan atau kelurahan)."
        in response.text
    )
    assert 'value="sri.w"' in response.text
    assert 'value="Sri Wahyuni"' in response.text
    assert PASSWORD not in response.text
    assert snapshot() == before


def test_passwords_that_differ_are_refused(admin_dinsos, client_for):
    dinsos = admin_dinsos.organization
    before = snapshot()

    response = client_for(admin_dinsos).post(
        reverse("accounts:officer_create", args=[dinsos.pk]),
        {"username": "sri.w", "full_name": "Sri", "role": "admin",
         "password": PASSWORD, "password_again": PASSWORD + "x"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "Kedua kata sandi tidak sama; ketik ulang." in response.text
    assert snapshot() == before


def test_a_role_from_another_kind_is_not_offered(opd_dinkes, admin_dinsos, client_for):
    dinkes = opd_dinkes.organization
    before = snapshot()

    response = client_for(admin_dinsos).post(
        reverse("accounts:officer_create", args=[dinkes.pk]),
        {"username": "rina", "full_name": "Rina", "role": "admin",
         "password": PASSWORD, "password_again": PASSWORD},
    )  # fmt: skip

    assert response.status_code == 400
    assert "Pilih peran yang tersedia untuk organisasi ini." in response.text
    assert snapshot() == before


def test_admin_edits_an_officer(officer_tembalang, admin_dinsos, client_for):
    officer_tembalang.organization = admin_dinsos.organization
    officer_tembalang.save()
    url = reverse(
        "accounts:officer_update", args=[admin_dinsos.organization.pk, officer_tembalang.pk]
    )

    client_for(admin_dinsos).post(
        url, {"full_name": "Koordinator Tembalang", "role": "field_officer",
              "areas": ["33.74.10", "33.74.16"]},
    )  # fmt: skip

    officer_tembalang.refresh_from_db()
    assert officer_tembalang.full_name == "Koordinator Tembalang"
    assert sorted(r.code for r in officer_tembalang.areas.all()) == ["33.74.10", "33.74.16"]


def test_a_deactivated_officer_cannot_sign_in(opd_dinkes, admin_dinsos, client_for):
    dinkes = opd_dinkes.organization
    session = client_for(opd_dinkes)
    url = reverse("accounts:officer_status", args=[dinkes.pk, opd_dinkes.pk])

    client_for(admin_dinsos).post(url, {"reason": "Pindah tugas"})

    opd_dinkes.refresh_from_db()
    assert not opd_dinkes.is_active
    assert AuditEvent.objects.get(action="accounts.officer_deactivate").reason == "Pindah tugas"
    assert not signs_in("opd_dinkes", "rahasia-uji-123")
    assert session.get(reverse("interventions:referral_queue")).status_code == 302  # signed out


def test_deactivating_without_a_reason_is_refused(opd_dinkes, admin_dinsos, client_for):
    dinkes = opd_dinkes.organization
    before = snapshot()

    response = client_for(admin_dinsos).post(
        reverse("accounts:officer_status", args=[dinkes.pk, opd_dinkes.pk]), {"reason": " "}
    )

    assert response.status_code == 400
    assert "Tulis alasan menonaktifkan akun ini." in response.text
    assert snapshot() == before


def test_admin_cannot_deactivate_themself_on_the_page(admin_dinsos, client_for):
    before = snapshot()

    response = client_for(admin_dinsos).post(
        reverse("accounts:officer_status", args=[admin_dinsos.organization.pk, admin_dinsos.pk]),
        {"reason": "Uji"},
    )

    assert response.status_code == 400
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in response.text
    assert snapshot() == before


def test_admin_resets_a_password(opd_dinkes, admin_dinsos, client_for):
    dinkes = opd_dinkes.organization
    url = reverse("accounts:officer_password", args=[dinkes.pk, opd_dinkes.pk])

    response = client_for(admin_dinsos).post(
        url, {"password": "Tahu-Gimbal-99", "password_again": "Tahu-Gimbal-99"}
    )

    assert response.status_code == 302
    assert signs_in("opd_dinkes", "Tahu-Gimbal-99")
    assert not signs_in("opd_dinkes", "rahasia-uji-123")


def test_a_weak_reset_password_is_refused(opd_dinkes, admin_dinsos, client_for):
    dinkes = opd_dinkes.organization
    before = snapshot()

    response = client_for(admin_dinsos).post(
        reverse("accounts:officer_password", args=[dinkes.pk, opd_dinkes.pk]),
        {"password": "12345678", "password_again": "12345678"},
    )

    assert response.status_code == 400
    assert "Kata sandi ini seluruhnya terdiri dari angka." in response.text
    assert snapshot() == before


def test_the_organisation_page_lists_its_officers(cast, client_for):
    dinsos = cast["admin_dinsos"].organization
    User.objects.filter(pk=cast["officer_tembalang"].pk).update(organization=dinsos)

    page = (
        client_for(cast["admin_dinsos"])
        .get(reverse("accounts:organization_detail", args=[dinsos.pk]))
        .text
    )

    table = page.split('id="officers"', 1)[1]
    assert "<code>admin_dinsos</code>" in table
    assert "<code>officer_tembalang</code>" in table
    assert "Tembalang" in table
    assert "Belum pernah" in table
