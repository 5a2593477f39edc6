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


def can_manage_users(user: object) -> bool:
    """May add and edit organisations and their officers' accounts: roles, areas, active
    or not, a new password (Dinsos admins)."""
    return role_of(user) == Role.ADMIN


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


def can_manage_verval(user: object) -> bool:
    """May create verval campaigns, choose their households, assign and reassign officers,
    and assign companions (pendamping) to families."""
    return role_of(user) == Role.ADMIN


def can_visit(user: object) -> bool:
    """May open their own list of households to visit and send visits from the phone."""
    return role_of(user) in {Role.ADMIN, Role.FIELD_OFFICER}


def is_field_officer(user: object) -> bool:
    """Visits families on a phone (the officer's own list of households to visit)."""
    return role_of(user) == Role.FIELD_OFFICER


def is_area_coordinator(user: object) -> bool:
    """A field officer assigned to a whole kecamatan (a TKSK): coordinates the kelurahan
    officers there and reviews their visits."""
    if role_of(user) != Role.FIELD_OFFICER or not isinstance(user, User):
        return False
    kecamatan, _kelurahan = area_codes(user)
    return bool(kecamatan)


def can_review_visits(user: object) -> bool:
    """May approve or return visits in their scope: Dinsos admins and kecamatan coordinators.
    Nobody may review a visit they made (`verval.services.visit_approve` and a database
    constraint hold that)."""
    return role_of(user) == Role.ADMIN or is_area_coordinator(user)


def can_view_verval_progress(user: object) -> bool:
    """May see campaign progress per kecamatan, kelurahan and officer (counts, no names)."""
    return role_of(user) in AGGREGATE_ROLES


def can_print_minutes(user: object) -> bool:
    """May print the berita acara of a kelurahan's verval results and its BNBA attachment."""
    return role_of(user) in {Role.ADMIN, Role.FIELD_OFFICER}


def can_accompany(user: object) -> bool:
    """May write companion notes and family plans for families they accompany (admins: all)."""
    return role_of(user) in {Role.ADMIN, Role.FIELD_OFFICER}


def can_work_pledges(user: object) -> bool:
    """May open partners' pledges: Dinsos admins (every partner's, and match them) and
    partner users (their own organisation's pledges and the families adopted for them)."""
    return role_of(user) == Role.ADMIN or (
        role_of(user) == Role.PARTNER and bool(getattr(user, "organization_id", None))
    )


def can_use_referral_sheets(user: object) -> bool:
    """May export an organisation's referral list and import its delivery list: Dinsos
    admins (any organisation) and OPD officers or partners (their own)."""
    return role_of(user) == Role.ADMIN or works_for_organization(user)


def can_manage_interventions(user: object) -> bool:
    """May keep the programme catalogue, allocations and pledges' matching, run
    recommendations and refer families to programmes (Dinsos)."""
    return role_of(user) == Role.ADMIN


def can_view_catalogue(user: object) -> bool:
    """May read the programme catalogue: programmes, conditions, costs, quotas (public
    rules, no personal data). Writing it is `can_manage_interventions`."""
    return role_of(user) in {
        Role.ADMIN, Role.FIELD_OFFICER, Role.LEADER, Role.OPD_OFFICER, Role.PARTNER,
    }  # fmt: skip


def works_for_organization(user: object) -> bool:
    """An OPD officer or a partner attached to an organisation: works that organisation's
    referrals or pledges only."""
    return role_of(user) in {Role.OPD_OFFICER, Role.PARTNER} and bool(
        getattr(user, "organization_id", None)
    )


def can_work_referrals(user: object) -> bool:
    """May open a referral queue: Dinsos admins (every organisation's) and OPD officers or
    partners (their organisation's only)."""
    return can_manage_interventions(user) or works_for_organization(user)


def can_handle_referral(user: object, organization_id: int | None) -> bool:
    """May accept, decline, schedule, deliver and record the outcome of a referral in the
    queue of organisation `organization_id`: its own officers, and Dinsos admins."""
    if can_manage_interventions(user):
        return True
    return works_for_organization(user) and getattr(user, "organization_id", None) == (
        organization_id
    )


def can_view_convergence(user: object) -> bool:
    """May see the convergence views: admins with names; leaders and field officers counts
    and, for field officers, their own area."""
    return role_of(user) in AGGREGATE_ROLES


def can_view_progress(user: object) -> bool:
    """May see each organisation's progress from recommendation to delivery: admins and
    leaders every organisation; OPD officers and partners their own."""
    return role_of(user) in CITY_WIDE_ROLES or works_for_organization(user)


def can_view_convergence_names(user: object) -> bool:
    """May see families by name in the convergence views (a family's card with every
    organisation's referrals, gaps, double-dipping): admins, and field officers in their
    area. OPD officers and partners never see other organisations' work; leaders count."""
    return role_of(user) in {Role.ADMIN, Role.FIELD_OFFICER}


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
