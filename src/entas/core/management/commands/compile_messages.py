"""Compile the .po translation catalogues to .mo with polib, so no GNU gettext is needed.

Django's `compilemessages` needs GNU gettext's `msgfmt`, which set-up machines (and office
servers) often lack. Fuzzy and untranslated entries are left out, so Django falls back to
the Indonesian msgid for them.
"""

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def compile_file(po_path: Path) -> Path:
    try:
        catalogue = polib.pofile(str(po_path), encoding="utf-8")
    except (OSError, ValueError) as error:  # polib reports syntax errors as OSError
        raise CommandError(f"Berkas terjemahan rusak: {po_path}: {error}") from error
    mo_path = po_path.with_suffix(".mo")
    catalogue.save_as_mofile(str(mo_path))
    return mo_path


class Command(BaseCommand):
    help = "Mengompilasi berkas terjemahan .po menjadi .mo tanpa GNU gettext."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "locale_dirs",
            nargs="*",
            help="Folder locale yang dikompilasi (bawaan: LOCALE_PATHS di settings).",
        )

    def handle(self, *args: object, **options: Any) -> None:
        folders = [Path(path) for path in options["locale_dirs"] or settings.LOCALE_PATHS]
        po_files = sorted(path for folder in folders for path in folder.glob("*/LC_MESSAGES/*.po"))
        if not po_files:
            raise CommandError("Tidak ada berkas .po di " + ", ".join(map(str, folders)))
        for po_path in po_files:
            mo_path = compile_file(po_path)
            self.stdout.write(f"{po_path} → {mo_path.name}")
