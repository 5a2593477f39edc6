"""`entas import FILE [FILE ...]`: import registry files from the command line.

Ends with one JSON line of counts on stdout. Exit status 0 when the files were processed
(rejected rows included: they are in the report), 2 when nothing could be processed.
"""

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from entas.imports.exceptions import ImportFileError
from entas.imports.models import ImportSource, ImportStatus
from entas.imports.reports import errors_report_to
from entas.imports.services import import_from_paths, import_run

SUMMARY_KEYS = (
    "rows",
    "accepted",
    "rejected",
    "households_created",
    "households_updated",
    "persons_created",
    "persons_updated",
    "unchanged",
    "out_of_area",
)


class Command(BaseCommand):
    help = "Impor berkas registri (DTSEN, P3KE, DTKS, templat entas) ke registri."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="berkas CSV/XLSX")
        parser.add_argument(
            "--source", default="auto", choices=ImportSource.values, help="sumber data"
        )
        parser.add_argument("--dry-run", action="store_true", help="periksa tanpa menyimpan")
        parser.add_argument("--report", type=Path, help="laporan baris ditolak (.xlsx/.csv)")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="data per tanggal")

    def handle(self, *args: Any, **options: Any) -> None:
        bar = ProgressBar(enabled=sys.stderr.isatty())
        try:
            batch = import_from_paths(
                user=None,
                paths=options["files"],
                source=options["source"],
                dry_run=options["dry_run"],
                as_of=options["as_of"],
            )
            batch = import_run(batch=batch, user=None, reporter=bar.update)
        except ImportFileError as error:
            raise CommandError(error.message, returncode=2) from error
        finally:
            bar.close()
        if batch.status == ImportStatus.FAILED:
            raise CommandError(batch.error_message, returncode=2)
        if options["report"]:
            errors_report_to(batch, options["report"])
        counts = batch.counts
        if not counts.get("rows"):
            self.stderr.write("Tidak ada baris data di berkas.")
        self.stdout.write(json.dumps({key: counts.get(key, 0) for key in SUMMARY_KEYS}))
        if not counts.get("rows"):
            sys.exit(2)


class ProgressBar:
    """A one-line bar on stderr when it is a terminal; silent when piped."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.monotonic()
        self.shown = False

    def update(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / total) if total else 0
        elapsed = time.monotonic() - self.started
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {phase:<30} {elapsed:6.1f} s")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.enabled and self.shown:
            sys.stderr.write("\n")
