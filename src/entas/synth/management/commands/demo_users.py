"""Create one demo user per role, so a new user can try every view of the demo."""

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count

from entas.accounts.models import OrganizationKind, Role
from entas.registry.models import Household
from entas.synth.demo_accounts import DEMO_PASSWORD, demo_mode, demo_organization, demo_user
from entas.wilayah.selectors import region_kecamatan_list


class Command(BaseCommand):
    help = (
        "Membuat satu pengguna demo per peran (hanya untuk DEBUG/demo) dan mencetak info masuknya."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not demo_mode():
            raise CommandError("Pengguna demo hanya boleh dibuat saat DEBUG aktif (mode demo).")
        kecamatan = self._busiest_kecamatan()
        with transaction.atomic():
            dinsos = demo_organization("dinsos", "Dinas Sosial", OrganizationKind.DINSOS)
            dinkes = demo_organization("dinkes", "Dinas Kesehatan", OrganizationKind.OPD)
            partner = demo_organization("baznas", "Baznas", OrganizationKind.PARTNER)
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
            password = make_password(DEMO_PASSWORD)
            for username, role, full_name, organization, area in users:
                demo_user(
                    username=username, role=role, full_name=full_name,
                    organization=organization, password_hash=password,
                    areas=[area] if area else [],
                )  # fmt: skip
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
