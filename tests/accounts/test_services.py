"""Organisations and officers' accounts through the services: each rule refuses with its
Indonesian reason and writes nothing; every change is audited, never with a password."""

import json
from typing import Any

import pytest

from entas.accounts import services
from entas.accounts.exceptions import AccountError
from entas.accounts.models import Organization, OrganizationKind, Role, User
from entas.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "Lumpia-Gang-Lombok-25"
METESEH = "33.74.10.1001"
TEMBALANG = "33.74.10"


def snapshot() -> tuple[Any, ...]:
    """Everything these services may write, to show a refusal wrote nothing."""
    fields = ("username", "full_name", "role", "is_active", "password")
    users = list(User.objects.order_by("pk").values_list(*fields))
    areas = list(User.areas.through.objects.order_by("pk").values_list("user_id", "region_id"))
    organizations = list(Organization.objects.order_by("pk").values_list("code", "name", "kind"))
    return users, areas, organizations, AuditEvent.objects.count()


def dinsos(admin: User) -> Organization:
    assert admin.organization is not None
    return admin.organization


def create(admin: User, **fields: Any) -> User:
    values: dict[str, Any] = {
        "actor": admin, "organization": dinsos(admin), "username": "budi.santoso",
        "full_name": "Budi  Santoso", "role": Role.FIELD_OFFICER, "areas": [METESEH],
        "password": PASSWORD,
    }  # fmt: skip
    values.update(fields)
    return services.officer_create(**values)


def audit_text(event: AuditEvent) -> str:
    return json.dumps([event.summary, event.changes, event.reason])


# --- officer_create ------------------------------------------------------------------------


def test_admin_creates_a_field_officer_audited_without_the_password(admin_dinsos):
    user = create(admin_dinsos, username=" Budi.Santoso ")

    user.refresh_from_db()
    assert (user.username, user.full_name, user.role) == ("budi.santoso", "Budi Santoso",
                                                          Role.FIELD_OFFICER)  # fmt: skip
    assert user.organization == admin_dinsos.organization
    assert [region.code for region in user.areas.all()] == [METESEH]
    assert user.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="accounts.officer_create")
    assert (event.actor, event.target_id) == (admin_dinsos, str(user.pk))
    assert event.changes == {
        "username": "budi.santoso", "full_name": "Budi Santoso", "role": "field_officer",
        "organization": "dinsos", "areas": [METESEH],
    }  # fmt: skip
    assert PASSWORD not in audit_text(event)
    assert user.password not in audit_text(event)


def test_officers_of_other_kinds_get_their_role_and_no_area(opd_dinkes, admin_dinsos):
    user = create(
        admin_dinsos, organization=opd_dinkes.organization, role=Role.OPD_OFFICER, areas=[]
    )

    assert user.role == Role.OPD_OFFICER
    assert list(user.areas.all()) == []


def test_a_kecamatan_is_an_area_too(admin_dinsos):
    user = create(admin_dinsos, areas=[TEMBALANG, METESEH, TEMBALANG])

    assert sorted(region.code for region in user.areas.all()) == [TEMBALANG, METESEH]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "budi santoso"}, "Nama pengguna 3–40 karakter"),
        ({"username": "bu"}, "Nama pengguna 3–40 karakter"),
        ({"username": ".budi"}, "Nama pengguna 3–40 karakter"),
        ({"username": "ADMIN_DINSOS"}, "Nama pengguna admin_dinsos sudah dipakai."),
        ({"full_name": "   "}, "Nama lengkap wajib diisi."),
        ({"full_name": "x" * 151}, "Nama lengkap paling panjang 150 karakter."),
        ({"role": "superuser"}, "Pilih peran yang tersedia."),
        (
            {"role": Role.OPD_OFFICER, "areas": []},
            "Peran Petugas OPD tidak cocok untuk Dinas Sosial (Dinas Sosial); pilih: Admin "
            "Dinsos, Petugas lapangan, Auditor.",
        ),
        (
            {"areas": []},
            "Petugas lapangan perlu sedikitnya satu wilayah tugas (kecamatan atau kelurahan).",
        ),
        (
            {"areas": ["33.72.01"]},
            "Wilayah 33.72.01 bukan kecamatan atau kelurahan di Kota Semarang.",
        ),
        ({"areas": ["33.74"]}, "Wilayah 33.74 bukan kecamatan atau kelurahan di Kota Semarang."),
        (
            {"areas": ["33.74.99"]},
            "Wilayah 33.74.99 bukan kecamatan atau kelurahan di Kota Semarang.",
        ),
        (
            {"role": Role.ADMIN},
            "Hanya petugas lapangan yang memiliki wilayah tugas; kosongkan wilayahnya.",
        ),
        ({"password": ""}, "Kata sandi wajib diisi."),
        (
            {"password": "12345678"},
            "Kata sandi ini terlalu umum. Kata sandi ini seluruhnya terdiri dari angka.",
        ),
        ({"password": "budi.santoso1"}, "Kata sandi terlalu mirip dengan nama pengguna."),
    ],
)
def test_officer_create_refuses_and_writes_nothing(admin_dinsos, fields, message):
    before = snapshot()

    with pytest.raises(AccountError) as refused:
        create(admin_dinsos, **fields)

    assert refused.value.message.startswith(message)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["officer_tembalang", "opd_dinkes", "leader", "auditor", None])
def test_only_admins_manage_accounts(cast, admin_dinsos, who):
    before = snapshot()

    with pytest.raises(AccountError) as refused:
        create(admin_dinsos, actor=cast[who] if who else None)

    assert refused.value.message == (
        "Hanya admin Dinas Sosial yang dapat mengelola organisasi dan pengguna."
    )
    assert snapshot() == before


def test_an_inactive_admin_manages_nothing(admin_dinsos):
    admin_dinsos.is_active = False
    before = snapshot()

    with pytest.raises(AccountError):
        create(admin_dinsos)

    assert snapshot() == before


def test_the_command_line_creates_without_an_actor(admin_dinsos):
    user = create(admin_dinsos, actor=None, system=True, role=Role.ADMIN, areas=[])

    assert user.role == Role.ADMIN
    assert AuditEvent.objects.get(action="accounts.officer_create").actor is None


# --- officer_update ------------------------------------------------------------------------


def test_admin_changes_name_role_and_areas_audited(admin_dinsos, officer_tembalang):
    officer_tembalang.organization = admin_dinsos.organization
    officer_tembalang.save()

    services.officer_update(
        actor=admin_dinsos, user=officer_tembalang, full_name="Sri Wahyuni",
        role=Role.FIELD_OFFICER, areas=[METESEH],
    )  # fmt: skip

    officer_tembalang.refresh_from_db()
    assert officer_tembalang.full_name == "Sri Wahyuni"
    assert [region.code for region in officer_tembalang.areas.all()] == [METESEH]
    event = AuditEvent.objects.get(action="accounts.officer_update")
    assert event.changes == {
        "full_name": ["Officer Tembalang", "Sri Wahyuni"], "areas": [[TEMBALANG], [METESEH]],
    }  # fmt: skip


def test_an_update_that_changes_nothing_writes_nothing(admin_dinsos):
    before = snapshot()

    services.officer_update(
        actor=admin_dinsos, user=admin_dinsos, full_name="Admin Dinsos", role=Role.ADMIN, areas=[]
    )

    assert snapshot() == before


def test_an_officer_without_organisation_cannot_be_edited(admin_dinsos, leader):
    before = snapshot()

    with pytest.raises(AccountError) as refused:
        services.officer_update(
            actor=admin_dinsos, user=leader, full_name="Wali Kota", role=Role.LEADER, areas=[]
        )

    assert refused.value.message == "Pengguna ini belum terdaftar di organisasi mana pun."
    assert snapshot() == before


def test_an_admin_cannot_change_their_own_role(admin_dinsos):
    before = snapshot()

    with pytest.raises(AccountError) as refused:
        services.officer_update(
            actor=admin_dinsos, user=admin_dinsos, full_name="Admin", role=Role.AUDITOR, areas=[]
        )

    assert refused.value.message == "Anda tidak dapat mengubah peran Anda sendiri."
    assert snapshot() == before


def test_the_last_active_admin_keeps_the_role(admin_dinsos):
    other = create(admin_dinsos, username="admin.kedua", role=Role.ADMIN, areas=[])
    User.objects.filter(pk=admin_dinsos.pk).update(is_active=False)  # taken away meanwhile
    before = snapshot()

    with pytest.raises(AccountError) as refused:
        services.officer_update(
            actor=admin_dinsos, user=other, full_name="Admin Kedua", role=Role.AUDITOR, areas=[]
        )

    assert refused.value.message == (
        "admin.kedua adalah admin aktif terakhir; tambahkan admin lain lebih dahulu."
    )
    assert snapshot() == before


# --- officer_set_active --------------------------------------------------------------------


def test_deactivate_and_activate_are_audited_with_the_reason(admin_dinsos):
    user = create(admin_dinsos)

    services.officer_set_active(actor=admin_dinsos, user=user, active=False, reason=" Pensiun ")
    services.officer_set_active(actor=admin_dinsos, user=user, active=True, reason="")

    user.refresh_from_db()
    assert user.is_active
    events = AuditEvent.objects.filter(target_id=str(user.pk)).order_by("pk")
    assert [(e.action, e.reason) for e in events] == [
        ("accounts.officer_create", ""),
        ("accounts.officer_deactivate", "Pensiun"),
        ("accounts.officer_activate", ""),
    ]
    assert User.objects.filter(pk=user.pk).exists()  # never deleted


@pytest.mark.parametrize(
    ("target", "active", "reason", "message"),
    [
        ("officer", False, "  ", "Tulis alasan menonaktifkan akun ini."),
        ("officer", True, "", "Akun ini sudah aktif."),
        ("self", False, "Pindah", "Anda tidak dapat menonaktifkan akun Anda sendiri."),
    ],
)
def test_set_active_refuses(admin_dinsos, target, active, reason, message):
    user = create(admin_dinsos) if target == "officer" else admin_dinsos
    before = snapshot()

    with pytest.raises(AccountError) as refused:
        services.officer_set_active(actor=admin_dinsos, user=user, active=active, reason=reason)

    assert refused.value.message == message
    assert snapshot() == before


def test_the_last_active_admin_stays_active(admin_dinsos):
    other = create(admin_dinsos, username="admin.kedua", role=Role.ADMIN, areas=[])
    User.objects.filter(pk=admin_dinsos.pk).update(is_active=False)  # the other admin's move
    before = snapshot()

    with pytest.raises(AccountError) as refused:
        services.officer_set_active(actor=admin_dinsos, user=other, active=False, reason="Uji")

    assert refused.value.code == "last_admin"
    assert snapshot() == before


# --- passwords -----------------------------------------------------------------------------


def test_admin_sets_a_new_password_audited_without_it(admin_dinsos):
    user = create(admin_dinsos)

    services.officer_set_password(actor=admin_dinsos, user=user, password="Tahu-Gimbal-99")

    user.refresh_from_db()
    assert user.check_password("Tahu-Gimbal-99")
    event = AuditEvent.objects.get(action="accounts.officer_password_reset")
    assert "Tahu-Gimbal-99" not in audit_text(event)
    assert user.password not in audit_text(event)


@pytest.mark.parametrize(
    ("who", "password", "message"),
    [
        ("admin_dinsos", "abc", "Kata sandi terlalu pendek."),
        ("officer_tembalang", "Tahu-Gimbal-99", "Hanya admin Dinas Sosial"),
    ],
)
def test_set_password_refuses(cast, who, password, message):
    target = cast["opd_dinkes"]
    before = snapshot()

    with pytest.raises(AccountError) as refused:
        services.officer_set_password(actor=cast[who], user=target, password=password)

    assert refused.value.message.startswith(message)
    assert snapshot() == before


# --- organizations -------------------------------------------------------------------------


def test_admin_adds_and_renames_an_organisation_audited(admin_dinsos):
    made = services.organization_save(
        actor=admin_dinsos, code=" Disperkim ", name="Dinas  Perkim", kind=OrganizationKind.OPD
    )
    services.organization_save(
        actor=admin_dinsos, organization=made, code="disperkim",
        name="Dinas Perumahan dan Kawasan Permukiman", kind=OrganizationKind.OPD,
    )  # fmt: skip

    made.refresh_from_db()
    assert (made.code, made.name) == ("disperkim", "Dinas Perumahan dan Kawasan Permukiman")
    events = AuditEvent.objects.filter(target_id=str(made.pk)).order_by("pk")
    assert [(e.action, e.changes) for e in events] == [
        ("accounts.organization_create",
         {"code": "disperkim", "name": "Dinas Perkim", "kind": "opd"}),
        ("accounts.organization_update",
         {"name": ["Dinas Perkim", "Dinas Perumahan dan Kawasan Permukiman"]}),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "dinas kesehatan"}, "Kode organisasi 2–40 karakter"),
        ({"code": "dinkes"}, "Kode organisasi dinkes sudah dipakai."),
        ({"name": "  "}, "Nama organisasi wajib diisi."),
        ({"name": "x" * 201}, "Nama organisasi paling panjang 200 karakter."),
        ({"kind": "ngo"}, "Pilih jenis organisasi yang tersedia."),
    ],
)
def test_organization_save_refuses(admin_dinsos, opd_dinkes, fields, message):
    values = {"actor": admin_dinsos, "code": "baznas", "name": "Baznas", "kind": "partner"}
    before = snapshot()

    with pytest.raises(AccountError) as refused:
        services.organization_save(**{**values, **fields})

    assert refused.value.message.startswith(message)
    assert snapshot() == before


def test_kind_cannot_change_under_its_officers(admin_dinsos, opd_dinkes):
    dinkes = opd_dinkes.organization
    before = snapshot()

    with pytest.raises(AccountError) as refused:
        services.organization_save(
            actor=admin_dinsos, organization=dinkes, code="dinkes", name="Dinas Kesehatan",
            kind=OrganizationKind.PARTNER,
        )  # fmt: skip

    assert refused.value.message == (
        "Jenis organisasi tidak dapat diubah: 1 penggunanya memiliki peran yang tidak cocok "
        "dengan jenis baru."
    )
    assert snapshot() == before


def test_only_admins_add_organisations(officer_tembalang):
    before = snapshot()

    with pytest.raises(AccountError):
        services.organization_save(
            actor=officer_tembalang, code="baznas", name="Baznas", kind="partner"
        )

    assert snapshot() == before
