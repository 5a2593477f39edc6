"""`entas verval_demo --period 2025-01 --seed 2025 [--visited 0.6] [--approved 0.7] [--replace]`

The whole verval cycle on the synthetic city (see `entas.synth.verval_demo`). Demo only: refused
when DEBUG is off. Exit status 0 when the campaign was made, or was already there (without
--replace, nothing is changed); 2 when it cannot be made (the message says why).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from entas.synth.demo_accounts import DEMO_PASSWORD
from entas.synth.verval_demo import PSM_PREFIX, DemoCampaignExists, DemoResult, verval_demo_run
from entas.verval import choices as c
from entas.verval.exceptions import VervalError


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _share(text: str) -> float:
    return float(text)


class Command(BaseCommand):
    help = (
        "Kampanye verval demo pada kota sintetis: petugas PSM per kelurahan, kunjungan "
        "sintetis, pemeriksaan, dan pendamping (hanya untuk DEBUG/demo)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="kode periode, mis. 2025-01")
        parser.add_argument("--seed", type=int, required=True, help="benih acak")
        parser.add_argument(
            "--visited", type=_share, default=0.6, help="bagian tugas yang dikunjungi (0–1)"
        )
        parser.add_argument(
            "--approved", type=_share, default=0.7, help="bagian kunjungan yang disetujui (0–1)"
        )
        parser.add_argument(
            "--replace", action="store_true", help="hapus kampanye demo lama lebih dahulu"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = verval_demo_run(
                period_code=options["period"], seed=options["seed"],
                visited=options["visited"], approved=options["approved"],
                replace=options["replace"],
            )  # fmt: skip
        except DemoCampaignExists as error:
            self.stdout.write(error.message)
            return
        except VervalError as error:
            raise CommandError(error.message, returncode=2) from error
        self._summary(result)

    def _summary(self, result: DemoResult, /) -> None:
        write = self.stdout.write
        if result.replaced:
            write("Kampanye demo lama dihapus.")
        write(
            f"Kampanye “{result.campaign.name}” berjalan ({result.campaign.starts_on} – "
            f"{result.campaign.deadline}): {_number(result.households)} keluarga, "
            f"{_number(result.officers)} petugas PSM."
        )
        outcomes = ", ".join(
            f"{label} {_number(result.outcomes[value])}"
            for value, label in c.Outcome.choices
            if result.outcomes[value]
        )
        write(f"Kunjungan dikirim: {_number(result.sent)} ({outcomes}).")
        waiting = result.sent - result.approved - result.returned
        write(
            f"Disetujui {_number(result.approved)}, dikembalikan {_number(result.returned)}"
            f" (ditolak aturan registri: {len(result.refused)}),"
            f" menunggu pemeriksaan {_number(waiting)}."
        )
        needs = ", ".join(
            f"{label} {_number(result.needs[value])}"
            for value, label in c.NeedKind.choices
            if result.needs[value]
        )
        write(f"Kebutuhan terbuka: {needs or 'tidak ada'}.")
        companions = result.companions
        write(
            f"Pendamping: {_number(companions.get('assigned', 0))} keluarga miskin ekstrem"
            f" mendapat pendamping ({_number(companions.get('already_accompanied', 0))}"
            " sudah didampingi)."
        )
        write(
            f"Masuk sebagai {PSM_PREFIX}<kode kelurahan>, demo-petugas atau demo-admin"
            f" (kata sandi {DEMO_PASSWORD})."
        )
