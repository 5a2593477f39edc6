"""Every signed-in user changes their own password from the link in the header."""

import pytest
from django.urls import reverse

from entas.core.models import AuditEvent

from .test_services import snapshot
from .test_views import signs_in

pytestmark = pytest.mark.django_db

OLD = "rahasia-uji-123"  # the cast's password (tests/conftest.py)
NEW = "Wingko-Babat-2025"


@pytest.mark.parametrize("who", ["admin_dinsos", "officer_tembalang", "leader", "auditor"])
def test_the_header_links_to_the_password_page(cast, client_for, who):
    page = client_for(cast[who]).get(reverse("core:home"), follow=True).text

    header = page.split('class="signout"', 1)[1].split("</form>", 1)[0]
    assert f'href="{reverse("accounts:password_change")}"' in header
    assert "Ganti sandi" in header


def test_a_user_changes_their_password_and_the_old_one_stops_working(leader, client_for):
    client = client_for(leader)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )

    assert response["Location"] == reverse("accounts:home")
    assert client.get(reverse("registry:summary")).status_code == 200  # still signed in
    assert signs_in("leader", NEW)
    assert not signs_in("leader", OLD)
    event = AuditEvent.objects.get(action="accounts.password_change")
    assert (event.actor, NEW in event.summary) == (leader, False)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"old_password": "salah-sekali"},
            "Sandi lama Anda yang dimasukkan salah. Masukkan sekali lagi.",
        ),
        ({"new_password2": NEW + "x"}, "Dua bidang sandi tidak cocok."),
        ({"new_password1": "12345678", "new_password2": "12345678"}, "terlalu umum"),
    ],
)
def test_a_refused_change_says_why_and_keeps_the_old_password(auditor, client_for, fields, message):
    before = snapshot()
    data = {"old_password": OLD, "new_password1": NEW, "new_password2": NEW, **fields}

    response = client_for(auditor).post(reverse("accounts:password_change"), data)

    assert response.status_code == 400
    assert message in response.text
    assert snapshot() == before
    assert signs_in("auditor", OLD)
