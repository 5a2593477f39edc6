"""Reading an uploaded list of families for a campaign (CSV or XLSX).

The file needs one column naming each family: `id_keluarga` (the registry's id), `no_kk`
or `nik` (any case and spacing: "No. KK", "NIK ", "ID Keluarga"). When a file has more
than one of them, each row uses the first it fills, in that order. A NIK names the
household of the person's current membership; a No. KK the active household with that
number. Every row gets a result with its row number as a spreadsheet shows it; nothing is
written here: the caller adds the matched households (reason `unggahan`).

Reading goes through `imports.readers` (encodings, title rows above the header, damaged
or binary files refused with a reason), with a 5 MB limit.
"""

import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entas.imports import readers
from entas.imports.exceptions import ImportFileError
from entas.registry import choices as rc
from entas.registry.models import Household, Membership
from entas.verval.exceptions import VervalError

MAX_BYTES = 5 * 1024 * 1024
LIMITS = readers.Limits(max_bytes=MAX_BYTES, max_columns=200)
DIGITS_16 = re.compile(r"^[0-9]{16}$")
DIGITS = re.compile(r"^[0-9]{1,18}$")


class Key(models.TextChoices):
    """The column that names a family, in the order a row's cells are tried."""

    HOUSEHOLD_ID = "id_keluarga", gettext_lazy("ID keluarga")
    KK = "no_kk", gettext_lazy("No. KK")
    NIK = "nik", gettext_lazy("NIK")


# Header cells reduced to letters and digits ("No. KK" → "nokk").
HEADER_NAMES = {
    "idkeluarga": Key.HOUSEHOLD_ID,
    "nokk": Key.KK,
    "nomorkk": Key.KK,
    "kk": Key.KK,
    "nik": Key.NIK,
}


Found = dict[str, tuple[str, int | None]]  # value → (`RowResult`, household id)


class RowResult(models.TextChoices):
    MATCHED = "cocok", gettext_lazy("Cocok")
    NOT_FOUND = "tidak_ditemukan", gettext_lazy("Tidak ditemukan")
    AMBIGUOUS = "ganda", gettext_lazy("Lebih dari satu keluarga")
    INACTIVE = "tidak_aktif", gettext_lazy("Keluarga tidak aktif")
    DUPLICATE = "duplikat", gettext_lazy("Duplikat dalam berkas")
    INVALID = "tidak_valid", gettext_lazy("Isian tidak valid")
    EMPTY = "kosong", gettext_lazy("Kosong")


@dataclass(frozen=True)
class UploadRow:
    row: int  # as a spreadsheet shows it
    key: str  # a `Key`, "" for an empty row
    value: str
    result: str  # a `RowResult`
    household_id: int | None = None
    note: str = ""

    @property
    def result_label(self) -> str:
        return str(RowResult(self.result).label)


@dataclass
class UploadReport:
    """What each row of an uploaded list found."""

    file_name: str
    keys: list[str]  # the `Key`s found in the header
    rows: list[UploadRow] = field(default_factory=list)

    def matched(self) -> list[int]:
        return [row.household_id for row in self.rows if row.result == RowResult.MATCHED and
                row.household_id is not None]  # fmt: skip

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(RowResult.values, 0)
        for row in self.rows:
            found[row.result] += 1
        return found


def upload_read(*, path: Path, original_name: str = "") -> UploadReport:
    """Read an uploaded list and match each row to a household, or raise `VervalError`
    saying why the file cannot be used (nothing is matched then)."""
    name = original_name or path.name
    with tempfile.TemporaryDirectory(prefix="entas-verval-") as work_dir:
        try:
            table = readers.read_table(
                path, work_dir=Path(work_dir), original_name=name, limits=LIMITS,
                header_score=_header_score,
            )  # fmt: skip
            columns = _key_columns(table.headers, name)
            values = _read_values(table, columns)
        except ImportFileError as error:
            raise VervalError(error.message, code=error.code, field="file") from error
        except pl.exceptions.PolarsError as error:
            message = _("Berkas %(name)s tidak dapat dibaca sebagai tabel; simpan ulang dari "
                        "Excel sebagai .xlsx atau CSV UTF-8, lalu unggah lagi.")  # fmt: skip
            raise VervalError(message % {"name": name}, code="unreadable", field="file") from error
    report = UploadReport(file_name=name, keys=[key for key in Key.values if key in columns])
    report.rows = _match(values)
    if not report.rows:
        message = _("Berkas %(name)s tidak berisi baris data di bawah nama kolomnya.")
        raise VervalError(message % {"name": name}, code="empty", field="file")
    return report


def _normalised(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _header_score(cells: list[str]) -> int:
    # Any one key column is enough to be the header: its score passes the readers' bar.
    return 2 * sum(_normalised(cell) in HEADER_NAMES for cell in cells)


def _key_columns(headers: list[str], name: str) -> dict[str, int]:
    """`Key` → position of its first column in the header."""
    columns: dict[str, int] = {}
    for position, header in enumerate(headers):
        key = HEADER_NAMES.get(_normalised(header))
        if key is not None:
            columns.setdefault(key, position)
    if not columns:
        message = _(
            "Berkas %(name)s tidak memiliki kolom nik, no_kk atau id_keluarga. Kolom yang "
            "ditemukan: %(found)s. Beri nama salah satu kolom sesuai contoh, lalu unggah lagi."
        )
        found = ", ".join(header for header in headers if header.strip()) or "—"
        raise ImportFileError(message % {"name": name, "found": found}, code="no_key_column")
    return columns


def _read_values(table: readers.Table, columns: dict[str, int]) -> list[tuple[int, str, str]]:
    """(row, key, value) of every data row: the first key column the row fills."""
    names = [f"c{i}" for i in range(len(table.headers))]
    frame = pl.read_csv(
        table.path, separator=table.separator, has_header=False,
        skip_rows=table.skip_rows + 1, schema=dict.fromkeys(names, pl.String), quote_char='"',
        truncate_ragged_lines=True, missing_columns="insert", encoding="utf8-lossy",
    ).with_row_index("_row", offset=table.first_data_row)  # fmt: skip
    order = [(key, columns[key] + 1) for key in Key.values if key in columns]
    found: list[tuple[int, str, str]] = []
    for record in frame.select("_row", *names).iter_rows():
        cells = ((key, (record[index] or "").strip()) for key, index in order)
        key, value = next(((k, v) for k, v in cells if v), ("", ""))
        if key or any((cell or "").strip() for cell in record[1:]):
            found.append((record[0], key, value))
    return found


def _match(values: list[tuple[int, str, str]]) -> list[UploadRow]:
    """Each row's result; a household found by an earlier row makes the row a duplicate."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for _row, key, value in values:
        if key and _is_valid(key, value):
            by_key[key].add(value)
    found: dict[str, Found] = {
        Key.HOUSEHOLD_ID: _by_household_id(by_key[Key.HOUSEHOLD_ID]),
        Key.KK: _by_kk(by_key[Key.KK]),
        Key.NIK: _by_nik(by_key[Key.NIK]),
    }
    seen: dict[int, int] = {}  # household id → the row that found it first
    rows: list[UploadRow] = []
    for number, key, value in values:
        rows.append(_row_result(number, key, value, found, seen))
    return rows


def _row_result(
    number: int,
    key: str,
    value: str,
    found: dict[str, Found],
    seen: dict[int, int],
) -> UploadRow:
    if not key:
        return UploadRow(number, "", "", RowResult.EMPTY)
    if not _is_valid(key, value):
        return UploadRow(number, key, value, RowResult.INVALID, note=_invalid_note(key))
    result, household_id = found[key].get(value, (RowResult.NOT_FOUND, None))
    if result == RowResult.MATCHED and household_id is not None:
        if household_id in seen:
            note = _("keluarga yang sama dengan baris %(row)s") % {"row": seen[household_id]}
            return UploadRow(number, key, value, RowResult.DUPLICATE, household_id, note)
        seen[household_id] = number
    return UploadRow(number, key, value, result, household_id)


def _is_valid(key: str, value: str) -> bool:
    if key == Key.HOUSEHOLD_ID:
        return bool(DIGITS.match(value))
    return bool(DIGITS_16.match(value))


def _invalid_note(key: str) -> str:
    if key == Key.HOUSEHOLD_ID:
        return _("ID keluarga harus berupa angka.")
    if key == Key.KK:
        return _("No. KK harus 16 angka (di Excel, format kolomnya sebagai teks).")
    return _("NIK harus 16 angka (di Excel, format kolomnya sebagai teks).")


def _by_household_id(values: Iterable[str]) -> Found:
    statuses = dict(
        Household.objects.filter(pk__in=[int(value) for value in values])
        .values_list("pk", "status")
    )  # fmt: skip
    return {
        str(pk): (RowResult.MATCHED if status == rc.HouseholdStatus.ACTIVE else RowResult.INACTIVE,
                  pk)
        for pk, status in statuses.items()
    }  # fmt: skip


def _by_kk(values: Iterable[str]) -> Found:
    households: dict[str, list[tuple[int, str]]] = defaultdict(list)
    rows = Household.objects.filter(kk_number__in=list(values)).values_list(
        "kk_number", "pk", "status"
    )
    for kk, pk, status in rows:
        households[kk or ""].append((pk, status))
    return {kk: _one_active(found) for kk, found in households.items()}


def _by_nik(values: Iterable[str]) -> Found:
    households: dict[str, list[tuple[int, str]]] = defaultdict(list)
    current = Membership.objects.filter(person__nik__in=list(values), end_date__isnull=True)
    for nik, pk, status in current.values_list(
        "person__nik", "household_id", "household__status"
    ).distinct():
        households[nik or ""].append((pk, status))
    return {nik: _one_active(found) for nik, found in households.items()}


def _one_active(households: list[tuple[int, str]]) -> tuple[str, int | None]:
    active = sorted(pk for pk, status in households if status == rc.HouseholdStatus.ACTIVE)
    if len(active) == 1:
        return RowResult.MATCHED, active[0]
    if len(active) > 1:
        return RowResult.AMBIGUOUS, None
    return RowResult.INACTIVE, min(pk for pk, _status in households)
