"""Load the shipped boundaries of the deployment's kabupaten/kota (safe to run again)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from entas.wilayah.data import boundary_files
from entas.wilayah.selectors import deployment_code
from entas.wilayah.services import WilayahError, boundaries_load


class Command(BaseCommand):
    help = (
        "Memuat batas wilayah (peta kecamatan dan kelurahan) untuk kabupaten/kota "
        "ENTAS_REGION_CODE, bila batasnya disertakan dalam entas. Jalankan load_regions dulu."
    )

    def handle(self, *args: object, **options: object) -> None:
        code = deployment_code()
        if not boundary_files(code):
            self.stdout.write(
                _(
                    "Batas wilayah untuk kode %(code)s tidak disertakan dalam entas; "
                    "tidak ada yang dimuat dan peta tampil tanpa batas wilayah."
                )
                % {"code": code}
            )
            return
        try:
            count = boundaries_load(region_code=code)
        except WilayahError as error:
            raise CommandError(error.message) from error
        if count:
            message = _("%(count)d batas wilayah untuk kode %(code)s ditambahkan atau diperbarui.")
        else:
            message = _("Batas wilayah untuk kode %(code)s sudah mutakhir; tidak ada yang berubah.")
        self.stdout.write(message % {"count": count, "code": code})
