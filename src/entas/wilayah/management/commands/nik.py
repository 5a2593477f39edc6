"""Check NIK or No. KK numbers from the command line: `entas nik NUMBER... [--json] [--kk]`."""

import argparse
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from entas.wilayah.identity import IdentityResult, parse_kk, parse_nik


class Command(BaseCommand):
    help = (
        "Memeriksa NIK (atau Nomor KK dengan --kk): wilayah, tanggal, jenis kelamin, nomor urut "
        "dan peringatan. Status keluar 0 bila semua nomor sah, 1 bila ada yang tidak sah."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("numbers", nargs="+", metavar="NOMOR", help="NIK atau Nomor KK.")
        parser.add_argument("--kk", action="store_true", help="Periksa sebagai Nomor KK.")
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Satu objek JSON per nomor per baris, dengan kunci input, valid, error, "
            "region_code, region_name, birth_date (tanggal terbit untuk KK), sex, serial, "
            "warnings.",
        )
        parser.add_argument(
            "--today",
            type=_iso_date,
            metavar="YYYY-MM-DD",
            help="Tanggal acuan untuk menebak abad dan memeriksa tanggal (bawaan: hari ini).",
        )

    def handle(
        self,
        *args: object,
        numbers: list[str],
        kk: bool,
        as_json: bool,
        today: dt.date | None,
        **options: object,
    ) -> None:
        parse = parse_kk if kk else parse_nik
        results = [parse(number, today=today) for number in numbers]
        for result in results:
            self.stdout.write(json.dumps(_as_dict(result)) if as_json else _as_text(result))
        invalid = sum(not result.valid for result in results)
        if invalid:
            raise CommandError(
                _("%(invalid)d dari %(total)d nomor tidak sah.")
                % {"invalid": invalid, "total": len(results)},
                returncode=1,
            )


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        message = _("'%(value)s' bukan tanggal YYYY-MM-DD.") % {"value": value}
        raise argparse.ArgumentTypeError(message) from None


def _as_dict(result: IdentityResult) -> dict[str, Any]:
    return {
        "input": result.input,
        "valid": result.valid,
        "error": result.error,
        "region_code": result.region_code,
        "region_name": result.region_name,
        "birth_date": result.date.isoformat() if result.date else None,
        "sex": result.sex,
        "serial": result.serial,
        "warnings": list(result.warnings),
    }


def _as_text(result: IdentityResult) -> str:
    if not result.valid:
        return _("%(input)s: tidak sah. %(message)s") % {
            "input": result.input,
            "message": result.message,
        }
    parts = [f"{result.input}: {_('sah')}.", _details(result)]
    if result.warning_messages:
        parts += [_("Peringatan:"), *result.warning_messages]
    return " ".join(parts)


def _details(result: IdentityResult) -> str:
    assert result.date is not None  # set on every valid result
    values = {
        "region": f"{result.region_code} {result.region_name or _('(nama tidak diketahui)')}",
        "date": f"{result.date:%d-%m-%Y}",
        "serial": result.serial,
    }
    if result.sex is None:
        return _("Wilayah %(region)s, diterbitkan %(date)s, nomor urut %(serial)s.") % values
    sex = _("laki-laki") if result.sex == "L" else _("perempuan")
    return _("Wilayah %(region)s, lahir %(date)s, %(sex)s, nomor urut %(serial)s.") % {
        **values,
        "sex": sex,
    }
