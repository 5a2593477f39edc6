"""Create one demo user per role, so a new user can try every view of the demo."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count

from entas.accounts.models import Organization, OrganizationKind, Role, User
from entas.registry.models import Household
from entas.wilayah.selectors import region_kecamatan_list

DEMO_PASSWORD = "entas-demo-2025"  # noqa: S105 - demo only; refused when DEBUG is off


class Command(BaseCommand):
    help = (
        "Membuat satu pengguna demo per peran (hanya untuk DEBUG/demo) dan mencetak info masuknya."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("Pengguna demo hanya boleh dibuat saat DEBUG aktif (mode demo).")
        kecamatan = self._busiest_kecamatan()
        with transaction.atomic():
            dinsos = self._organization("dinsos", "Dinas Sosial", OrganizationKind.DINSOS)
            dinkes = self._organization("dinkes", "Dinas Kesehatan", OrganizationKind.OPD)
            partner = self._organization("baznas", "Baznas", OrganizationKind.PARTNER)
            users = [
                ("demo-admin", Role.ADMIN, "Admin Dinsos (demo)", dinsos, None),
                (
                    "demo-petugas",
                    Role.FIELD_OFFICER,
                    f"Petugas {kecamatan.name} (demo)",
                    dinsos,
                    kecamatan,
                ),
                ("demo-opd", Role.OPD_OFFICER, "Petugas Dinkes (demo)", dinkes, None),
                ("demo-mitra", Role.PARTNER, "Mitra Baznas (demo)", partner, None),
                ("demo-pimpinan", Role.LEADER, "Pimpinan (demo)", None, None),
                ("demo-auditor", Role.AUDITOR, "Auditor (demo)", None, None),
            ]
            for username, role, full_name, organization, area in users:
                self._user(username, role, full_name, organization, area)
        self.stdout.write(f"Akun demo (kata sandi untuk semua: {DEMO_PASSWORD}):")
        for username, role, full_name, _organization, _area in users:
            self.stdout.write(f"  {username:<15} {Role(role).label:<18} {full_name}")

    def _busiest_kecamatan(self):
        kecamatan = region_kecamatan_list()
        if not kecamatan.exists():
            raise CommandError("Wilayah belum dimuat: jalankan 'entas load_regions' lebih dahulu.")
        counts = dict(
            Household.objects.values_list("kelurahan__parent_id")
            .annotate(n=Count("id"))
            .values_list("kelurahan__parent_id", "n")
        )
        return max(
            kecamatan, key=lambda region: (counts.get(region.code, 0), -int(region.code[-2:]))
        )

    def _organization(self, code: str, name: str, kind: str) -> Organization:
        return Organization.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind}
        )[0]

    def _user(self, username, role, full_name, organization, area) -> None:
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={"role": role, "full_name": full_name, "organization": organization},
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user.areas.set([area] if area else [])
