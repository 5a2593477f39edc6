"""entas synth_quarter --as-of 2025-04-15 --seed S [--replace] [--region KODE]"""

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from entas.synth.exceptions import SynthError
from entas.synth.management.commands.synth import _number
from entas.synth.quarters import synthetic_quarter_write


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class Command(BaseCommand):
    help = (
        "Menambahkan data kesejahteraan sintetis satu kuartal kemudian untuk setiap keluarga "
        "aktif di registri sintetis: pengeluaran bergerak sedikit, sebagian keluarga miskin "
        "ekstrem keluar, sebagian keluarga miskin/rentan jatuh."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--as-of", type=_date, required=True, help="tanggal data, mis. 2025-04-15"
        )
        parser.add_argument("--seed", type=int, required=True, help="benih acak")
        parser.add_argument(
            "--replace", action="store_true", help="ganti data sintetis bertanggal sama"
        )
        parser.add_argument("--region", help="kode kabupaten/kota, mis. 33.74")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = synthetic_quarter_write(
                as_of=options["as_of"],
                seed=options["seed"],
                replace=options["replace"],
                region_code=options["region"],
            )
        except SynthError as error:
            raise CommandError(error.message) from error
        write = self.stdout.write
        if result.replaced:
            write(
                _("Data sintetis per %(as_of)s diganti: %(records)s catatan dihapus.")
                % {"as_of": result.as_of.isoformat(), "records": _number(result.replaced)}
            )
        write(
            _("Per %(as_of)s, seed %(seed)d: %(households)s keluarga mendapat data baru.")
            % {
                "as_of": result.as_of.isoformat(),
                "seed": result.seed,
                "households": _number(result.households),
            }
        )
        write(
            _(
                "Miskin ekstrem (pengeluaran di bawah garis): %(before)s → %(after)s keluarga; "
                "%(risen)s keluar, %(fallen)s jatuh."
            )
            % {
                "before": _number(result.extreme_before),
                "after": _number(result.extreme_after),
                "risen": _number(result.risen),
                "fallen": _number(result.fallen),
            }
        )
        write(_("Waktu %(seconds)s detik.") % {"seconds": _number(result.seconds, 1)})
