"""Compile the .po translation catalogues to .mo, with the standard library only.

Django's `compilemessages` needs GNU gettext's `msgfmt`, which set-up machines (and
office servers) often lack. The catalogues are ours and simple, so a small reader and
writer of the two formats is enough: fuzzy and untranslated entries are left out, so
Django falls back to the Indonesian msgid for them.
"""

import ast
import struct
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

MO_MAGIC = 0x950412DE
CONTEXT_SEPARATOR = "\x04"
PLURAL_SEPARATOR = "\x00"
KEYWORDS = frozenset({"msgctxt", "msgid", "msgid_plural", "msgstr"})


class PoSyntaxError(ValueError):
    """A line of a .po file that is not valid gettext syntax."""


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise PoSyntaxError(f"{where}: expected a quoted string, got {text!r}")
    return str(ast.literal_eval(text))


def _finish(entry: dict[str, str], fuzzy: bool, catalogue: dict[str, str]) -> None:
    if "msgid" not in entry or fuzzy and entry["msgid"]:
        return
    key = entry["msgid"]
    if "msgid_plural" in entry:
        key += PLURAL_SEPARATOR + entry["msgid_plural"]
        forms = [entry[name] for name in sorted(entry) if name.startswith("msgstr[")]
        value = PLURAL_SEPARATOR.join(forms)
    else:
        value = entry.get("msgstr", "")
    if "msgctxt" in entry:
        key = entry["msgctxt"] + CONTEXT_SEPARATOR + key
    if value.replace(PLURAL_SEPARATOR, ""):
        catalogue[key] = value


def parse_po(text: str, *, name: str = "po") -> dict[str, str]:
    """Translated entries of a .po file as {key: translation}, in .mo key form."""
    catalogue: dict[str, str] = {}
    entry: dict[str, str] = {}
    fuzzy = False
    current = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{name}:{number}"
        keyword, _space, rest = line.partition(" ")
        starts_entry = line.startswith("#") or keyword in ("msgctxt", "msgid")
        if starts_entry and any(key.startswith("msgstr") for key in entry):
            _finish(entry, fuzzy, catalogue)
            entry, fuzzy, current = {}, False, ""
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            if not current:
                raise PoSyntaxError(f"{where}: continuation line outside an entry")
            entry[current] += _unquote(line, where)
            continue
        if keyword not in KEYWORDS and not keyword.startswith("msgstr["):
            raise PoSyntaxError(f"{where}: unknown keyword {keyword!r}")
        current = keyword
        entry[current] = _unquote(rest, where)
    _finish(entry, fuzzy, catalogue)
    return catalogue


def mo_bytes(catalogue: dict[str, str]) -> bytes:
    """The GNU .mo encoding of a catalogue (little-endian, no hash table)."""
    keys = sorted(catalogue)
    originals = [key.encode() for key in keys]
    translations = [catalogue[key].encode() for key in keys]
    count = len(keys)
    header_size = 7 * 4
    originals_table = header_size
    translations_table = originals_table + count * 8
    offset = translations_table + count * 8
    tables: list[int] = []
    blob = b""
    for strings in (originals, translations):
        for string in strings:
            tables += [len(string), offset + len(blob)]
            blob += string + b"\x00"
    header = struct.pack("<7I", MO_MAGIC, 0, count, originals_table, translations_table, 0, 0)
    return header + struct.pack(f"<{len(tables)}I", *tables) + blob


def compile_file(po_path: Path) -> Path:
    catalogue = parse_po(po_path.read_text(encoding="utf-8"), name=str(po_path))
    mo_path = po_path.with_suffix(".mo")
    mo_path.write_bytes(mo_bytes(catalogue))
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
            try:
                mo_path = compile_file(po_path)
            except PoSyntaxError as error:
                raise CommandError(f"Berkas terjemahan rusak: {error}") from error
            self.stdout.write(f"{po_path} → {mo_path.name}")
