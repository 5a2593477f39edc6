"""`entas interventions_demo --period 2025-01 --seed 2025 [--replace]`

A period from needs to delivered help on the synthetic city (see
`entas.synth.interventions_demo`). Demo only: refused when DEBUG is off. Exit status 0 when
the demo ran, or was already there (without --replace, nothing is changed); 2 when it
cannot run (the message says why).
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from entas.synth.demo_accounts import DEMO_PASSWORD
from entas.synth.interventions_demo import (
    OFFICER_PREFIX,
    DemoReferralsExist,
    DemoResult,
    InterventionsDemoError,
    interventions_demo_run,
)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = (
        "Demo intervensi pada kota sintetis: kuota, usulan rujukan, antrean tiap OPD dan "
        "mitra sampai penyaluran, bantuan ganda dan komitmen mitra (hanya untuk DEBUG/demo)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="kode periode, mis. 2025-01")
        parser.add_argument("--seed", type=int, required=True, help="benih acak")
        parser.add_argument(
            "--replace", action="store_true", help="hapus hasil demo intervensi lama lebih dahulu"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            result = interventions_demo_run(
                period_code=options["period"], seed=options["seed"], replace=options["replace"]
            )
        except DemoReferralsExist as error:
            self.stdout.write(error.message)
            return
        except InterventionsDemoError as error:
            raise CommandError(error.message, returncode=2) from error
        self._summary(result, time.perf_counter() - started)

    def _summary(self, result: DemoResult, seconds: float, /) -> None:
        write = self.stdout.write
        if result.deleted is not None:
            write(f"Demo intervensi lama dihapus ({_number(result.deleted['referrals'])} rujukan).")
        write(
            f"Intervensi {result.period.name}: {_number(result.allocations)} kuota program, "
            f"{len(result.officers)} petugas OPD/mitra, {_number(result.refused)} usulan "
            f"ditolak aturan program ({seconds:.0f} detik)."
        )
        write(f"  {'Organisasi':<44}{'usul':>7}{'terima':>8}{'tolak':>7}{'salur':>7}{'hasil':>7}")
        for row in result.organizations:
            write(
                f"  {row.name[:43]:<44}{_number(row.proposed):>7}{_number(row.accepted):>8}"
                f"{_number(row.declined):>7}{_number(row.delivered):>7}{_number(row.closed):>7}"
            )
        write(
            f"Kebutuhan belum dijawab (kesenjangan): {_number(result.gaps)}. "
            f"Peringatan bantuan ganda: {_number(result.alerts)} "
            f"({result.same_need_alerts} kebutuhan sama dijawab dua organisasi)."
        )
        self._pledge(result)
        write(
            f"Masuk sebagai {OFFICER_PREFIX}<kode organisasi> (antrean di /intervensi/rujukan/) "
            f"atau demo-admin (konvergensi di /intervensi/konvergensi/); kata sandi "
            f"{DEMO_PASSWORD}."
        )

    def _pledge(self, result: DemoResult, /) -> None:
        pledge = result.pledge
        if pledge is None:
            self.stdout.write("Komitmen mitra: tidak ada kebutuhan alat bantu yang belum dijawab.")
            return
        area = f"Kec. {pledge.area.name}" if pledge.area else "seluruh kota"
        self.stdout.write(
            f"Komitmen {pledge.partner.name}: {pledge.quantity} alat bantu disabilitas di {area}; "
            f"{result.adopted} keluarga dicocokkan, {result.handed_over} sudah diserahkan."
        )
