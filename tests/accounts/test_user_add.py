"""`entas user_add` creates the first admin of a deployment through the same rules as the
web form, and refuses a bad role or organisation in Indonesian, writing nothing."""

import io
import sys

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from entas.accounts.management.commands import user_add
from entas.accounts.models import User
from entas.core.models import AuditEvent

from .test_services import snapshot

pytestmark = pytest.mark.django_db

PASSWORD = "Bandeng-Presto-2025"


@pytest.fixture
def new_password(monkeypatch) -> None:
    monkeypatch.setenv("ENTAS_NEW_PASSWORD", PASSWORD)


def run(*arguments: str) -> str:
    out = io.StringIO()
    call_command("user_add", *arguments, stdout=out)
    return out.getvalue()


def test_the_first_admin_of_a_new_deployment(regions, new_password):
    output = run(
        "--username", "admin.kota", "--role", "admin", "--organization", "dinsos",
        "--organization-name", "Dinas Sosial", "--full-name", "Admin Kota",
    )  # fmt: skip

    assert output == "Akun admin.kota (Admin Dinsos, Dinas Sosial) dibuat.\n"
    admin = User.objects.get(username="admin.kota")
    assert (admin.role, admin.full_name, admin.organization.kind) == ("admin", "Admin Kota",
                                                                      "dinsos")  # fmt: skip
    events = AuditEvent.objects.filter(action__startswith="accounts.").order_by("pk")
    assert [(e.action, e.actor) for e in events] == [
        ("accounts.organization_create", None), ("accounts.officer_create", None),
    ]  # fmt: skip
    client = Client()
    client.post(reverse("accounts:login"), {"username": "admin.kota", "password": PASSWORD})
    assert client.get(reverse("accounts:organization_list")).status_code == 200


def test_a_field_officer_in_a_known_organisation(admin_dinsos, new_password):
    run("--username", "tksk.tembalang", "--role", "field_officer", "--organization", "dinsos",
        "--area", "33.74.10", "--area", "33.74.10.1001")  # fmt: skip

    officer = User.objects.get(username="tksk.tembalang")
    assert officer.full_name == "tksk.tembalang"
    assert sorted(r.code for r in officer.areas.all()) == ["33.74.10", "33.74.10.1001"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--role", "boss", "--organization", "dinsos"],
            "Peran boss tidak dikenal; pilih salah satu: admin, field_officer, opd_officer, "
            "partner, leader, auditor.",
        ),
        (
            ["--role", "admin", "--organization", "dinkes"],
            "Peran Admin Dinsos tidak cocok untuk Dinas Kesehatan (Organisasi Perangkat "
            "Daerah); pilih: Petugas OPD.",
        ),
        (
            ["--role", "admin", "--organization", "dinsosial"],
            "Organisasi dengan kode dinsosial belum ada. Muat daftar organisasi dengan 'entas "
            "load_programmes', atau buat dengan --organization-name NAMA.",
        ),
        (
            ["--role", "field_officer", "--organization", "dinsos"],
            "Petugas lapangan perlu sedikitnya satu wilayah tugas (kecamatan atau kelurahan).",
        ),
        (
            [
                "--role",
                "field_officer",
                "--organization",
                "dinsos-baru",
                "--organization-name",
                "Dinas Sosial Baru",
                "--area",
                "33.72.01",
            ],
            "Wilayah 33.72.01 bukan kecamatan atau kelurahan di Kota Semarang.",
        ),
    ],
)
def test_refused_with_the_reason_and_nothing_written(
    admin_dinsos, opd_dinkes, new_password, arguments, message
):
    before = snapshot()

    with pytest.raises(CommandError) as refused:
        run("--username", "baru", *arguments)

    assert str(refused.value) == message
    assert refused.value.returncode == 2
    assert snapshot() == before  # the new organisation too was rolled back


def test_a_weak_password_is_refused(admin_dinsos, monkeypatch):
    monkeypatch.setenv("ENTAS_NEW_PASSWORD", "12345678")
    before = snapshot()

    with pytest.raises(CommandError, match="Kata sandi ini terlalu umum."):
        run("--username", "baru", "--role", "admin", "--organization", "dinsos")

    assert snapshot() == before


def test_the_password_is_asked_twice_on_a_terminal(admin_dinsos, monkeypatch):
    monkeypatch.delenv("ENTAS_NEW_PASSWORD", raising=False)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr(user_add.getpass, "getpass", lambda prompt: next(answers))
    before = snapshot()

    with pytest.raises(CommandError, match="Kedua kata sandi tidak sama; tidak ada yang dibuat."):
        run("--username", "baru", "--role", "admin", "--organization", "dinsos")

    assert snapshot() == before


def test_without_a_terminal_the_password_must_be_in_the_environment(admin_dinsos, monkeypatch):
    monkeypatch.delenv("ENTAS_NEW_PASSWORD", raising=False)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    before = snapshot()

    with pytest.raises(CommandError) as refused:
        run("--username", "baru", "--role", "admin", "--organization", "dinsos")

    assert str(refused.value) == (
        "Tulis kata sandi di variabel lingkungan ENTAS_NEW_PASSWORD, atau jalankan perintah ini "
        "di terminal agar kata sandi ditanyakan."
    )
    assert snapshot() == before
