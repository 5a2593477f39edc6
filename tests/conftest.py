"""Shared fixtures: the region tree and the named cast of users (STYLE.md)."""

from collections.abc import Callable

import pytest
from django.test import Client

from entas.accounts.models import Organization, OrganizationKind, Role, User
from entas.wilayah.models import Region
from entas.wilayah.services import regions_load

TEMBALANG = "33.74.10"
TUGU = "33.74.16"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: PT004
    """Load the national region tree once per test database."""
    with django_db_blocker.unblock():
        regions_load()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """The cast is created for most tests; real password hashing would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def regions(db) -> None:
    """The region tree; reloaded when a transactional test (live_server) flushed it."""
    if not Region.objects.filter(code=TEMBALANG).exists():
        regions_load()


def _user(
    username: str,
    role: str,
    *,
    areas: tuple[str, ...] = (),
    organization: Organization | None = None,
) -> User:
    user = User.objects.create_user(
        username=username,
        password="rahasia-uji-123",
        role=role,
        full_name=username.replace("_", " ").title(),
        organization=organization,
    )
    if areas:
        user.areas.set(Region.objects.filter(code__in=areas))
    return user


def _organization(code: str, name: str, kind: str) -> Organization:
    return Organization.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})[0]


@pytest.fixture
def admin_dinsos(regions) -> User:
    return _user(
        "admin_dinsos",
        Role.ADMIN,
        organization=_organization("dinsos", "Dinas Sosial", OrganizationKind.DINSOS),
    )


@pytest.fixture
def officer_tembalang(regions) -> User:
    return _user("officer_tembalang", Role.FIELD_OFFICER, areas=(TEMBALANG,))


@pytest.fixture
def officer_tugu(regions) -> User:
    return _user("officer_tugu", Role.FIELD_OFFICER, areas=(TUGU,))


@pytest.fixture
def opd_dinkes(regions) -> User:
    return _user(
        "opd_dinkes",
        Role.OPD_OFFICER,
        organization=_organization("dinkes", "Dinas Kesehatan", OrganizationKind.OPD),
    )


@pytest.fixture
def partner_csr(regions) -> User:
    return _user(
        "partner_csr",
        Role.PARTNER,
        organization=_organization("csr-contoh", "CSR Contoh", OrganizationKind.PARTNER),
    )


@pytest.fixture
def leader(regions) -> User:
    return _user("leader", Role.LEADER)


@pytest.fixture
def auditor(regions) -> User:
    return _user("auditor", Role.AUDITOR)


@pytest.fixture
def cast(
    admin_dinsos, officer_tembalang, officer_tugu, opd_dinkes, partner_csr, leader, auditor
) -> dict[str, User]:
    """Every named user, by fixture name, for table-driven permission tests."""
    return {
        "admin_dinsos": admin_dinsos,
        "officer_tembalang": officer_tembalang,
        "officer_tugu": officer_tugu,
        "opd_dinkes": opd_dinkes,
        "partner_csr": partner_csr,
        "leader": leader,
        "auditor": auditor,
    }


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
