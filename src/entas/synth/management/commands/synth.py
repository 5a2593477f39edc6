"""entas synth --households N --seed S [--out DIR] [--replace] [--region KODE]"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from entas.synth.exceptions import SynthError
from entas.synth.services import SynthResult, synthetic_files_write, synthetic_registry_load


def _number(value: float, decimals: int = 0) -> str:
    """Indonesian digit grouping: 1.024, 5.519; 1,5."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


class Command(BaseCommand):
    help = (
        "Membuat penduduk sintetis untuk kabupaten/kota (ENTAS_REGION_CODE): berkas DTSEN/P3KE "
        "beserta kebenaran dasarnya (--out), atau langsung ke registri."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--households", type=int, required=True, help="jumlah keluarga")
        parser.add_argument("--seed", type=int, required=True, help="benih acak")
        parser.add_argument("--out", type=Path, help="folder tujuan berkas CSV")
        parser.add_argument(
            "--replace", action="store_true", help="hapus data sintetis lama lebih dahulu"
        )
        parser.add_argument("--region", help="kode kabupaten/kota, mis. 33.74")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["households"] < 1:
            raise CommandError(_("--households harus paling sedikit 1."))
        try:
            if options["out"]:
                result = synthetic_files_write(
                    households=options["households"],
                    seed=options["seed"],
                    out_dir=options["out"],
                    region_code=options["region"],
                )
            else:
                result = synthetic_registry_load(
                    households=options["households"],
                    seed=options["seed"],
                    replace=options["replace"],
                    region_code=options["region"],
                )
        except SynthError as error:
            raise CommandError(error.message) from error
        self._summary(result, options["out"])

    def _summary(self, result: SynthResult, out: Path | None) -> None:
        tally, plan = result.tally, result.plan
        write = self.stdout.write
        if plan.is_scaled:
            published_households, published_persons = plan.published_extreme
            write(
                _(
                    "Catatan: %(households)s keluarga terlalu sedikit untuk kelompok miskin "
                    "ekstrem %(published_households)s KK / %(published_persons)s jiwa; "
                    "kelompok itu diperkecil secara proporsional."
                )
                % {
                    "households": _number(plan.households),
                    "published_households": _number(published_households),
                    "published_persons": _number(published_persons),
                }
            )
        if result.deleted:
            write(
                _("Data sintetis lama dihapus: %(households)s keluarga, %(persons)s individu.")
                % {
                    "households": _number(result.deleted["households"]),
                    "persons": _number(result.deleted["persons"]),
                }
            )
        lines = [
            _("%(region)s, seed %(seed)d: %(households)s keluarga, %(persons)s individu.")
            % {
                "region": result.frame.name,
                "seed": result.seed,
                "households": _number(tally.households),
                "persons": _number(tally.persons),
            },
            _("Miskin ekstrem: %(households)s keluarga, %(persons)s jiwa.")
            % {
                "households": _number(tally.extreme_households),
                "persons": _number(tally.extreme_persons),
            },
            _(
                "Duplikat: %(persons)s catatan individu, %(households)s kartu keluarga; "
                "meninggal %(deceased)s, pindah %(moved)s."
            )
            % {
                "persons": _number(tally.duplicate_persons),
                "households": _number(tally.duplicate_households),
                "deceased": _number(tally.deceased),
                "moved": _number(tally.moved),
            },
            _("Waktu %(seconds)s detik, %(rate)s individu/detik.")
            % {
                "seconds": _number(result.seconds, 1),
                "rate": _number(result.persons_per_second),
            },
            _("Berkas ditulis ke %(out)s.") % {"out": out}
            if out
            else _("Dimuat ke registri (sumber: sintetis)."),
        ]
        for line in lines:
            write(line)
