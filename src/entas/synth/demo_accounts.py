"""Demo accounts shared by the demo commands (`demo_users`, `verval_demo`,
`interventions_demo`): one password for all, made only while DEBUG is on.

Each helper creates the row or resets it to its demo state, so a demo can run again.
"""

from collections.abc import Iterable

from django.conf import settings

from entas.accounts.models import Organization, User
from entas.wilayah.models import Region

DEMO_PASSWORD = "entas-demo-2025"  # noqa: S105 - demo only; refused when DEBUG is off


def demo_mode() -> bool:
    """Demo accounts and demo data are made only in demo mode (DEBUG on)."""
    return bool(settings.DEBUG)


def demo_organization(code: str, name: str, kind: str) -> Organization:
    organization, _created = Organization.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind}
    )
    return organization


def demo_user(
    *, username: str, role: str, full_name: str, organization: Organization | None,
    password_hash: str, areas: Iterable[Region] = (),
) -> User:  # fmt: skip
    """A demo user in its demo state. `password_hash` is `make_password(DEMO_PASSWORD)`,
    hashed once by the caller: hashing takes ~0.2 s and some demos make hundreds."""
    user, _created = User.objects.update_or_create(
        username=username,
        defaults={
            "role": role, "full_name": full_name, "organization": organization,
            "is_active": True,
        },
    )  # fmt: skip
    user.password = password_hash
    user.save(update_fields=["password"])
    user.areas.set(list(areas))
    return user
