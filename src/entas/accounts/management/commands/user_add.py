"""`entas user_add`: create an account from the command line, above all the first Dinsos
admin of a new deployment (before anyone can sign in to add one on the web).

The password comes from the environment variable ENTAS_NEW_PASSWORD or is asked twice on
the terminal; it never appears in the arguments (they end up in shell history). The
account goes through `accounts.services.officer_create` with no actor (`system=True`), so
every rule of the web form applies and the audit log shows it as made by the system.
An organisation code not known yet is created with `--organization-name`, its kind
following the role. Exit status 0, or 2 when a rule refuses (nothing is written).
"""

import getpass
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from entas.accounts.exceptions import AccountError
from entas.accounts.models import ROLES_FOR_KIND, Organization, Role
from entas.accounts.services import officer_create, organization_save

PASSWORD_VARIABLE = "ENTAS_NEW_PASSWORD"  # noqa: S105 - the variable's name, not a password
KIND_FOR_ROLE = {role: kind for kind, roles in ROLES_FOR_KIND.items() for role in roles}


class Command(BaseCommand):
    help = (
        "Membuat akun pengguna, misalnya admin Dinas Sosial pertama. Kata sandi dibaca dari "
        f"variabel {PASSWORD_VARIABLE} atau ditanyakan dua kali."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="Nama pengguna untuk masuk.")
        parser.add_argument("--role", required=True, help=f"Peran: {', '.join(Role.values)}.")
        parser.add_argument("--organization", required=True, help="Kode organisasi (dinsos).")
        parser.add_argument(
            "--organization-name",
            default="",
            help="Nama organisasi, bila kodenya belum ada: organisasi itu dibuat.",
        )
        parser.add_argument(
            "--area", action="append", default=[], help="Kode wilayah tugas (boleh berulang)."
        )
        parser.add_argument("--full-name", default="", help="Nama lengkap (bawaan: username).")

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        if role not in Role.values:
            raise CommandError(
                f"Peran {role} tidak dikenal; pilih salah satu: {', '.join(Role.values)}.",
                returncode=2,
            )
        password = self._password()
        try:
            with transaction.atomic():
                organization = self._organization(
                    options["organization"], options["organization_name"], role
                )
                user = officer_create(
                    actor=None, system=True, organization=organization,
                    username=options["username"],
                    full_name=options["full_name"] or options["username"], role=role,
                    areas=options["area"], password=password,
                )  # fmt: skip
        except AccountError as error:
            raise CommandError(error.message, returncode=2) from error
        label = f"{Role(user.role).label}, {organization.name}"
        self.stdout.write(f"Akun {user.username} ({label}) dibuat.")

    def _organization(self, code: str, name: str, role: str) -> Organization:
        found = Organization.objects.filter(code=code.strip().lower()).first()
        if found is not None:
            return found
        if not name:
            raise CommandError(
                f"Organisasi dengan kode {code} belum ada. Muat daftar organisasi dengan "
                "'entas load_programmes', atau buat dengan --organization-name NAMA.",
                returncode=2,
            )
        return organization_save(
            actor=None, system=True, code=code, name=name, kind=KIND_FOR_ROLE[role]
        )

    def _password(self) -> str:
        password = os.environ.get(PASSWORD_VARIABLE)
        if password is not None:
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                f"Tulis kata sandi di variabel lingkungan {PASSWORD_VARIABLE}, atau jalankan "
                "perintah ini di terminal agar kata sandi ditanyakan.",
                returncode=2,
            )
        first = getpass.getpass("Kata sandi: ")
        if getpass.getpass("Ulangi kata sandi: ") != first:
            raise CommandError("Kedua kata sandi tidak sama; tidak ada yang dibuat.", returncode=2)
        return first
