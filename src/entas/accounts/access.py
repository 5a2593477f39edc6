"""What each role may do and see. The one place these rules live (ADR 0004).

Views and selectors ask these questions; templates only display what they were given.
"""

from django.http import HttpRequest

from entas.accounts.models import Role, User

REGISTRY_ROLES = frozenset({Role.ADMIN, Role.FIELD_OFFICER, Role.OPD_OFFICER, Role.PARTNER})
FULL_NIK_ROLES = frozenset({Role.ADMIN, Role.FIELD_OFFICER, Role.OPD_OFFICER})
AGGREGATE_ROLES = frozenset({Role.ADMIN, Role.FIELD_OFFICER, Role.LEADER})
AUDIT_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})
CITY_WIDE_ROLES = frozenset({Role.ADMIN, Role.LEADER})


class SignedInRequest(HttpRequest):
    """The request of a view behind `login_required`: its user is an entas `User`."""

    user: User


def is_signed_in(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(
        getattr(user, "is_active", False)
    )


def role_of(user: object) -> str:
    return getattr(user, "role", "") if is_signed_in(user) else ""


def can_view_registry(user: object) -> bool:
    """May open registry lists and household/person pages (within their scope)."""
    return role_of(user) in REGISTRY_ROLES


def can_see_full_nik(user: object) -> bool:
    return role_of(user) in FULL_NIK_ROLES


def can_view_aggregates(user: object) -> bool:
    return role_of(user) in AGGREGATE_ROLES


def can_view_audit(user: object) -> bool:
    return role_of(user) in AUDIT_ROLES


def can_edit_registry(user: object) -> bool:
    return role_of(user) == Role.ADMIN


def can_import(user: object) -> bool:
    """May upload registry files and commit them (Dinsos data administrators)."""
    return role_of(user) == Role.ADMIN


def can_review_linkage(user: object) -> bool:
    """May run deduplication and reconciliation, decide candidate pairs, merge and undo."""
    return role_of(user) == Role.ADMIN


def can_match_report(user: object) -> bool:
    """May look a citizen's report up in the registry (within their scope)."""
    return role_of(user) in {Role.ADMIN, Role.FIELD_OFFICER}


def can_view_targeting(user: object) -> bool:
    """May open periods, their counts per area and comparisons (no names)."""
    return role_of(user) in AGGREGATE_ROLES


def can_manage_targeting(user: object) -> bool:
    """May edit poverty lines, rule sets and score weights; create, classify, freeze periods;
    record field findings by hand and handle alerts."""
    return role_of(user) == Role.ADMIN


def can_edit_causes(user: object) -> bool:
    """May add or remove a family's causes of poverty (within their scope)."""
    return role_of(user) in {Role.ADMIN, Role.FIELD_OFFICER}


def can_export(user: object) -> bool:
    """May download by-name-by-address lists (within their scope)."""
    return can_view_registry(user)


def area_codes(user: User) -> tuple[list[str], list[str]]:
    """The kecamatan codes and the kelurahan codes a user is assigned to."""
    codes = list(user.areas.values_list("code", flat=True))
    return [c for c in codes if c.count(".") == 2], [c for c in codes if c.count(".") == 3]


def mask_nik(nik: str | None) -> str:
    """Show region (4 digits) and serial (4 digits) only: enough to tell records apart."""
    if not nik:
        return ""
    if len(nik) != 16:
        return "*" * len(nik)
    return nik[:4] + "*" * 8 + nik[12:]
