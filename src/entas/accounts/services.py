"""Organisations and their officers' accounts: add, edit, deactivate, set a password.

Only Dinsos admins (`access.can_manage_users`) make these changes. The one exception is
`entas user_add`, which creates the first admin of a new deployment: it passes
`system=True` and no actor. Users are never deleted, because the audit trail points at
them; they are deactivated. Every change writes its audit event in the same transaction,
never with a password in it. A refused change raises `AccountError` and writes nothing.
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.accounts.exceptions import AccountError
from entas.accounts.models import ROLES_FOR_KIND, Organization, OrganizationKind, Role, User
from entas.core.services import audit_record, field_changes
from entas.wilayah.models import Region
from entas.wilayah.selectors import deployment_region_name, region_is_in_deployment

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
ORGANIZATION_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
AREA_LEVELS = (3, 4)  # kecamatan, kelurahan/desa
MAX_FULL_NAME = 150
MAX_ORGANIZATION_NAME = 200


# --- organisations ------------------------------------------------------------------------


def organization_save(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    organization: Organization | None = None,
    system: bool = False,
) -> Organization:
    """Add an organisation (`organization` None) or change one's code, name and kind. A
    kind that no longer fits its users' roles is refused."""
    _require_manager(actor, system=system)
    code, name = _organization_code(code), _organization_name(name)
    if kind not in OrganizationKind.values:
        raise AccountError(_("Pilih jenis organisasi yang tersedia."), field="kind")
    _require_code_free(code, organization)
    if organization is None:
        return _organization_create(actor=actor, code=code, name=name, kind=kind)
    _require_kind_fits_users(organization, kind)
    changes = field_changes(organization, {"code": code, "name": name, "kind": kind})
    if not changes:
        return organization
    with _unique_guard(_("Kode organisasi %(code)s sudah dipakai.") % {"code": code}, "code"):
        organization.code, organization.name, organization.kind = code, name, kind
        organization.save(update_fields=["code", "name", "kind", "updated_at"])
        audit_record(
            actor=actor, action="accounts.organization_update", target=organization,
            summary=organization.name, changes=changes,
        )  # fmt: skip
    return organization


def _organization_create(*, actor: Any, code: str, name: str, kind: str) -> Organization:
    with _unique_guard(_("Kode organisasi %(code)s sudah dipakai.") % {"code": code}, "code"):
        organization = Organization.objects.create(code=code, name=name, kind=kind)
        audit_record(
            actor=actor, action="accounts.organization_create", target=organization,
            summary=name, changes={"code": code, "name": name, "kind": kind},
        )  # fmt: skip
    return organization


def _organization_code(code: str) -> str:
    code = code.strip().lower()
    if not ORGANIZATION_CODE.match(code):
        raise AccountError(
            _("Kode organisasi 2–40 karakter: huruf kecil, angka, tanda hubung atau garis "
              "bawah, diawali huruf atau angka (misalnya dinkes)."),
            code="code", field="code",
        )  # fmt: skip
    return code


def _organization_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise AccountError(_("Nama organisasi wajib diisi."), field="name")
    if len(name) > MAX_ORGANIZATION_NAME:
        raise AccountError(_("Nama organisasi paling panjang 200 karakter."), field="name")
    return name


def _require_code_free(code: str, organization: Organization | None) -> None:
    taken = Organization.objects.filter(code=code)
    if organization is not None:
        taken = taken.exclude(pk=organization.pk)
    if taken.exists():
        raise AccountError(
            _("Kode organisasi %(code)s sudah dipakai.") % {"code": code},
            code="code_taken", field="code",
        )  # fmt: skip


def _require_kind_fits_users(organization: Organization, kind: str) -> None:
    if kind == organization.kind:
        return
    misfits = organization.user_set.exclude(role__in=ROLES_FOR_KIND[kind]).count()
    if misfits:
        raise AccountError(
            _("Jenis organisasi tidak dapat diubah: %(count)s penggunanya memiliki peran yang "
              "tidak cocok dengan jenis baru.") % {"count": misfits},
            code="kind_misfit", field="kind",
        )  # fmt: skip


# --- officers ------------------------------------------------------------------------------


def officer_create(
    *,
    actor: Any,
    organization: Organization,
    username: str,
    full_name: str,
    role: str,
    areas: Iterable[str],
    password: str,
    system: bool = False,
) -> User:
    """A new account in `organization`. `areas` are kecamatan or kelurahan codes of the
    deployment: at least one for a field officer, none for any other role."""
    _require_manager(actor, system=system)
    username = _username(username)
    user = User(
        username=username, full_name=_full_name(full_name), role=role, organization=organization
    )
    _require_role_fits(role, organization)
    regions = _areas_for(role, areas)
    _require_valid_password(password, user)
    message = _("Nama pengguna %(username)s sudah dipakai.") % {"username": username}
    with _unique_guard(message, "username"):
        user.set_password(password)
        user.save()
        user.areas.set(regions)
        audit_record(
            actor=actor, action="accounts.officer_create", target=user, summary=username,
            changes={"username": username, "full_name": user.full_name, "role": role,
                     "organization": organization.code, "areas": _codes(regions)},
        )  # fmt: skip
    return user


def officer_update(
    *, actor: Any, user: User, full_name: str, role: str, areas: Iterable[str]
) -> User:
    """Change an account's name, role (within its organisation's kind) and areas. An admin
    cannot change their own role, nor take the role of the last active admin."""
    _require_manager(actor)
    full_name = _full_name(full_name)
    _require_role_fits(role, user.organization)
    regions = _areas_for(role, areas)
    if role != user.role and user.pk == actor.pk:
        raise AccountError(_("Anda tidak dapat mengubah peran Anda sendiri."), field="role")
    changes = field_changes(user, {"full_name": full_name, "role": role})
    old_areas, new_areas = _codes(user.areas.all()), _codes(regions)
    if old_areas != new_areas:
        changes["areas"] = [old_areas, new_areas]
    if not changes:
        return user
    with transaction.atomic():
        if "role" in changes and user.role == Role.ADMIN:
            _require_another_admin(user)
        user.full_name, user.role = full_name, role
        user.save(update_fields=["full_name", "role"])
        user.areas.set(regions)
        audit_record(
            actor=actor, action="accounts.officer_update", target=user, summary=user.username,
            changes=changes,
        )  # fmt: skip
    return user


def officer_set_active(*, actor: Any, user: User, active: bool, reason: str) -> User:
    """Deactivate an account (it can no longer sign in; its history stays) or activate it
    again. Deactivating needs a reason; nobody deactivates themself or the last admin."""
    _require_manager(actor)
    reason = " ".join(reason.split())
    if user.is_active == active:
        message = _("Akun ini sudah aktif.") if active else _("Akun ini sudah nonaktif.")
        raise AccountError(message, code="unchanged")
    if not active and not reason:
        raise AccountError(_("Tulis alasan menonaktifkan akun ini."), field="reason")
    if not active and user.pk == actor.pk:
        raise AccountError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."), code="self")
    with transaction.atomic():
        if not active and user.role == Role.ADMIN:
            _require_another_admin(user)
        user.is_active = active
        user.save(update_fields=["is_active"])
        action = "accounts.officer_activate" if active else "accounts.officer_deactivate"
        audit_record(actor=actor, action=action, target=user, summary=user.username, reason=reason)
    return user


def officer_set_password(*, actor: Any, user: User, password: str) -> None:
    """An admin gives an account a new password (the officer forgot theirs). The officer's
    open sessions end: Django signs out sessions made with the old password."""
    _require_manager(actor)
    _require_valid_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            actor=actor, action="accounts.officer_password_reset", target=user,
            summary=user.username,
        )  # fmt: skip


def password_change(*, user: User, password: str) -> None:
    """A signed-in user sets their own new password (the old one was checked by the form)."""
    _require_valid_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            actor=user, action="accounts.password_change", target=user, summary=user.username
        )


# --- rules ---------------------------------------------------------------------------------


def _require_manager(actor: Any, *, system: bool = False) -> None:
    """Admins only; no actor only for the command line (`system`)."""
    if actor is None and system:
        return
    if not access.can_manage_users(actor):
        raise AccountError(
            _("Hanya admin Dinas Sosial yang dapat mengelola organisasi dan pengguna."),
            code="forbidden",
        )


def _username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError(
            _("Nama pengguna 3–40 karakter: huruf kecil, angka, titik, tanda hubung atau garis "
              "bawah, diawali huruf atau angka (misalnya budi.santoso)."),
            code="username", field="username",
        )  # fmt: skip
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(
            _("Nama pengguna %(username)s sudah dipakai.") % {"username": username},
            code="username_taken", field="username",
        )  # fmt: skip
    return username


def _full_name(full_name: str) -> str:
    full_name = " ".join(full_name.split())
    if not full_name:
        raise AccountError(_("Nama lengkap wajib diisi."), field="full_name")
    if len(full_name) > MAX_FULL_NAME:
        raise AccountError(_("Nama lengkap paling panjang 150 karakter."), field="full_name")
    return full_name


def _require_role_fits(role: str, organization: Organization | None) -> None:
    if role not in Role.values:
        raise AccountError(_("Pilih peran yang tersedia."), code="role", field="role")
    if organization is None:
        raise AccountError(
            _("Pengguna ini belum terdaftar di organisasi mana pun."), code="organization"
        )
    allowed = ROLES_FOR_KIND[organization.kind]
    if role not in allowed:
        raise AccountError(
            _("Peran %(role)s tidak cocok untuk %(organization)s (%(kind)s); pilih: "
              "%(allowed)s.") % {
                "role": Role(role).label, "organization": organization.name,
                "kind": OrganizationKind(organization.kind).label,
                "allowed": ", ".join(str(Role(each).label) for each in allowed),
            },
            code="role_misfit", field="role",
        )  # fmt: skip


def _areas_for(role: str, codes: Iterable[str]) -> list[Region]:
    """The regions of `codes`: kecamatan or kelurahan of the deployment, for field officers."""
    wanted = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    if role != Role.FIELD_OFFICER:
        if wanted:
            raise AccountError(
                _("Hanya petugas lapangan yang memiliki wilayah tugas; kosongkan wilayahnya."),
                code="areas", field="areas",
            )  # fmt: skip
        return []
    if not wanted:
        raise AccountError(
            _("Petugas lapangan perlu sedikitnya satu wilayah tugas (kecamatan atau kelurahan)."),
            code="areas", field="areas",
        )  # fmt: skip
    found = {r.code: r for r in Region.objects.filter(code__in=wanted, level__in=AREA_LEVELS)}
    for code in wanted:
        if code not in found or not region_is_in_deployment(code):
            raise AccountError(
                _("Wilayah %(code)s bukan kecamatan atau kelurahan di %(city)s.")
                % {"code": code, "city": deployment_region_name()},
                code="areas", field="areas",
            )  # fmt: skip
    return [found[code] for code in wanted]


def _require_valid_password(password: str, user: User) -> None:
    if not password:
        raise AccountError(_("Kata sandi wajib diisi."), code="password", field="password")
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise AccountError(" ".join(error.messages), code="password", field="password") from None


def _require_another_admin(user: User) -> None:
    """Call inside the transaction: the active admins are locked so two admins cannot
    each remove the other at the same moment."""
    admins = User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True)
    if set(admins.values_list("pk", flat=True)) <= {user.pk}:
        raise AccountError(
            _("%(username)s adalah admin aktif terakhir; tambahkan admin lain lebih dahulu.")
            % {"username": user.username},
            code="last_admin",
        )  # fmt: skip


def _codes(regions: Iterable[Region]) -> list[str]:
    return sorted(region.code for region in regions)


@contextmanager
def _unique_guard(message: str, field: str) -> Iterator[None]:
    """A transaction that turns a lost race on a unique column into the refusal message."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        raise AccountError(message, code="taken", field=field) from error
