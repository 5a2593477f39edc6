"""Load the national Kemendagri region list into the database (safe to run again)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from entas.wilayah.services import regions_load


class Command(BaseCommand):
    help = (
        "Memuat daftar wilayah Kemendagri 2025 (provinsi sampai desa/kelurahan, 91.599 kode) "
        "ke basis data. Aman dijalankan ulang: hanya wilayah baru atau yang berganti nama "
        "yang ditulis."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--path",
            type=Path,
            help="Berkas CSV atau CSV.GZ lain dengan kolom kode,nama,level,jenis,parent "
            "(bawaan: daftar yang disertakan dalam entas).",
        )

    def handle(self, *args: object, path: Path | None, **options: object) -> None:
        count = regions_load(path=path)
        if count:
            self.stdout.write(
                _("%(count)d wilayah ditambahkan atau diperbarui.") % {"count": count}
            )
        else:
            self.stdout.write(_("Daftar wilayah sudah mutakhir; tidak ada yang berubah."))
