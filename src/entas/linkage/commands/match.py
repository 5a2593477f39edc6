"""`entas linkage match --name "..." [...]`: is a reported person already in the registry?

Prints the candidates best first, as a table or as JSON lines (`--json`). Exit status 0
with candidates, 1 with none, 2 on bad input (the reason in Indonesian on stderr).
"""

import argparse
import datetime as dt
import json
import sys
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from entas.core.services import audit_record
from entas.linkage.services import RecordMatch, match_record
from entas.registry.models import Membership, Person
from entas.wilayah import identity

HELP = "Cocokkan laporan warga (nama, NIK, tanggal lahir, ...) dengan registri."
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
OPTIONS = (  # option → key of match_record's values
    ("name", "full_name"),
    ("nik", "nik"),
    ("birth_date", "birth_date"),
    ("sex", "sex"),
    ("kelurahan", "kelurahan_code"),
    ("address", "address"),
    ("mother_name", "mother_name"),
)


class BadInput(ValueError):
    """An option the registry cannot be searched with; the message is for people."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", required=True, help="nama yang dilaporkan")
    parser.add_argument("--nik", default="", help="NIK, 16 angka")
    parser.add_argument("--birth-date", default="", help="tanggal lahir YYYY-MM-DD")
    parser.add_argument("--sex", default="", help="jenis kelamin L atau P")
    parser.add_argument("--kelurahan", default="", help="kode kelurahan, misal 33.74.10.1001")
    parser.add_argument("--address", default="", help="alamat")
    parser.add_argument("--mother-name", default="", help="nama ibu kandung")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="kandidat paling banyak")
    parser.add_argument("--json", action="store_true", help="satu baris JSON per kandidat")


def run(options: dict[str, Any], stdout: IO[str]) -> int:
    try:
        values = checked_values(options)
        limit = _limit(options.get("limit"))
    except BadInput as error:
        sys.stderr.write(f"{error}\n")
        return 2
    matches = match_record(values, limit=limit)
    rows = _rows(matches)
    audit_record(
        actor=None,
        action="linkage.report_match",
        summary=f"Pencocokan laporan warga (baris perintah): {len(rows)} kandidat ditampilkan",
        changes={"fields": sorted(values), "result_ids": [row["person_id"] for row in rows]},
    )
    if options.get("json"):
        for row in rows:
            stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        _write_table(rows, stdout)
    return 0 if rows else 1


def checked_values(options: dict[str, Any]) -> dict[str, Any]:
    """The options as `match_record` values, or `BadInput` saying what is wrong."""
    raw: dict[str, Any] = {
        key: " ".join(str(options.get(option) or "").split()) for option, key in OPTIONS
    }
    if not raw["full_name"]:
        raise BadInput(_("Nama wajib diisi."))
    if raw["nik"]:
        nik = identity.parse_nik(raw["nik"])
        if not nik.valid:
            raise BadInput(nik.message)
        raw["nik"] = nik.number or ""
    if raw["birth_date"]:
        raw["birth_date"] = _birth_date(raw["birth_date"])
    if raw["sex"]:
        raw["sex"] = raw["sex"].upper()
        if raw["sex"] not in identity.SEXES:
            raise BadInput(_("Jenis kelamin harus L atau P."))
    return {key: value for key, value in raw.items() if value}


def _birth_date(text: str) -> dt.date:
    try:
        born = dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(_("Tanggal lahir harus ditulis YYYY-MM-DD, misal 1972-08-02.")) from None
    if born > timezone.localdate():
        raise BadInput(_("Tanggal lahir tidak boleh di masa depan."))
    return born


def _limit(value: object) -> int:
    limit = DEFAULT_LIMIT if value is None else int(str(value))
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(_("--limit harus antara 1 dan %(max)s.") % {"max": MAX_LIMIT})
    return limit


def _rows(matches: list[RecordMatch]) -> list[dict[str, Any]]:
    ids = [match.person_id for match in matches]
    persons = Person.objects.in_bulk(ids)
    places = _kelurahan_of(ids)
    return [
        {
            "person_id": match.person_id,
            "full_name": persons[match.person_id].full_name,
            "nik": persons[match.person_id].nik or "",
            "birth_date": _iso(persons[match.person_id].birth_date),
            "sex": persons[match.person_id].sex,
            "kelurahan": places.get(match.person_id, ""),
            "match_probability": round(match.match_probability, 4),
            "rule": match.rule,
        }
        for match in matches
        if match.person_id in persons
    ]


def _kelurahan_of(person_ids: list[int]) -> dict[int, str]:
    current = Membership.objects.filter(person_id__in=person_ids, end_date__isnull=True)
    return dict(current.values_list("person_id", "household__kelurahan__name"))


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _write_table(rows: list[dict[str, Any]], stdout: IO[str]) -> None:
    if not rows:
        stdout.write(_("Belum terdaftar: tidak ada individu yang cukup mirip.") + "\n")
        return
    stdout.write(f"{'peluang':>8}  {'id':>7}  {'NIK':16}  {'lahir':10}  JK  nama / kelurahan\n")
    for row in rows:
        percent = f"{row['match_probability'] * 100:.0f}%"
        stdout.write(
            f"{percent:>8}  {row['person_id']:>7}  {row['nik']:16}  {row['birth_date']:10}  "
            f"{row['sex']:2}  {row['full_name']} / {row['kelurahan']}\n"
        )
