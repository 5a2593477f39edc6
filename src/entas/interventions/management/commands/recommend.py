"""`entas recommend --period 2025-01`: recommend programmes to the period's families and
print the counts per programme (see `interventions.recommendations`).

Exit status 0, or 2 when the period does not exist or has no classification.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from entas.interventions.recommendations import recommendations_run
from entas.targeting.models import Classification, Period


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = "Rekomendasikan program untuk keluarga miskin ekstrem dan miskin pada satu periode."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="kode periode, mis. 2025-01")

    def handle(self, *args: Any, **options: Any) -> None:
        period = Period.objects.filter(code=options["period"]).first()
        if period is None:
            raise CommandError(
                _("Periode %(code)s tidak ada.") % {"code": options["period"]}, returncode=2
            )
        if not Classification.objects.filter(period=period).exists():
            raise CommandError(
                _("Periode %(code)s belum diklasifikasi; jalankan entas classify dulu.")
                % {"code": period.code},
                returncode=2,
            )
        started = time.perf_counter()
        result = recommendations_run(actor=None, period=period)
        seconds = time.perf_counter() - started
        width = max((len(code) for code in result.per_programme), default=10)
        for code, count in result.per_programme.items():
            self.stdout.write(f"{code:<{width}}  {_number(count):>9}")
        self.stdout.write(
            _("%(total)s rekomendasi untuk %(households)s keluarga dalam %(seconds).1f detik"
              " (%(kept)s yang sudah diusulkan/diabaikan tetap).")
            % {"total": _number(result.total), "households": _number(result.households),
               "seconds": seconds, "kept": _number(result.kept)}
        )  # fmt: skip
