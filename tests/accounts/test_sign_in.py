"""Signing in takes the username in any case; the password stays exact."""

import pytest

from entas.accounts.models import Role, User

from .test_views import signs_in

PASSWORD = "rahasia-uji-123"  # noqa: S105 - the test cast's password


@pytest.mark.django_db
def test_the_username_is_found_whatever_its_case(officer_tembalang):
    assert signs_in(officer_tembalang.username.upper(), PASSWORD)
    assert signs_in(officer_tembalang.username.title(), PASSWORD)
    assert not signs_in(officer_tembalang.username.upper(), PASSWORD.upper())
    assert not signs_in("tidak_ada", PASSWORD)


@pytest.mark.django_db
def test_an_exact_spelling_wins_when_two_accounts_differ_only_by_case(officer_tembalang):
    twin = User.objects.create_user(
        username=officer_tembalang.username.upper(), password="lain-sandi-456", role=Role.LEADER
    )
    assert signs_in(twin.username, "lain-sandi-456")
    assert signs_in(officer_tembalang.username, PASSWORD)
    assert not signs_in(officer_tembalang.username.title(), PASSWORD)  # ambiguous: refused
