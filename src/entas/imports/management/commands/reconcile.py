"""`entas reconcile --left A.csv [--left B.csv] --right C.xlsx --output hasil.xlsx`.

Compares two sources person by person and writes the categorised rows (XLSX: a summary
sheet and a sheet per category; CSV: one file with a category column). Prints the counts
per category. Exit status 0, or 2 when a file cannot be read or the output is not
.xlsx/.csv.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from entas.core.services import audit_record
from entas.imports import reconcile
from entas.imports.exceptions import ImportFileError


def _probability(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Rekonsiliasi dua sumber: siapa ada di keduanya, hanya di satu sumber, atau berbeda."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--left", action="append", type=Path, required=True, help="berkas sumber kiri"
        )
        parser.add_argument(
            "--right", action="append", type=Path, required=True, help="berkas sumber kanan"
        )
        parser.add_argument("--output", type=Path, required=True, help="hasil .xlsx atau .csv")
        parser.add_argument(
            "--threshold", type=_probability, help="ambang peluang sama orang, antara 0 dan 1"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        try:
            if output.suffix.lower() not in (".xlsx", ".csv"):
                raise ImportFileError(
                    _("Berkas hasil harus berakhiran .xlsx atau .csv."), code="output_format"
                )
            for path in [*options["left"], *options["right"]]:
                if not path.is_file():
                    message = _("Berkas %(name)s tidak ditemukan.") % {"name": path}
                    raise ImportFileError(message, code="missing")
            result = reconcile.reconcile_files(
                options["left"], options["right"], threshold=options["threshold"]
            )
        except ImportFileError as error:
            raise CommandError(error.message, returncode=2) from error
        reconcile.write_output(result, output)
        audit_record(
            actor=None,
            action="import.reconcile",
            summary=(
                f"Rekonsiliasi dua sumber (baris perintah): {result.left_rows} baris kiri, "
                f"{result.right_rows} baris kanan"
            ),
            changes={"counts": result.counts, "threshold": result.threshold},
        )
        self.stdout.write(f"kiri: {result.left_rows} baris, kanan: {result.right_rows} baris")
        for category in reconcile.CATEGORIES:
            label = reconcile.CATEGORY_LABELS[category]
            self.stdout.write(f"{category}: {result.counts[category]} ({label})")
        self.stdout.write(f"hasil: {output}")
