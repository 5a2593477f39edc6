"""Writing CSV and XLSX files that are safe to open in a spreadsheet program.

Shared by exports (BNBA lists) and import reports (rejected rows). Two rules hold for
every file written here:

- **No formula injection.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return gets a leading apostrophe (OWASP "CSV injection"): a name such as
  ``=HYPERLINK(...)`` typed into a source file must never run when an officer opens the
  export. Real numbers are written as numbers and are not touched.
- **Identity numbers stay text.** NIK and No. KK are 16 digits; as numbers a spreadsheet
  would round them to 15 significant digits. XLSX columns listed in `Sheet.text_columns`
  are written as strings in a text-formatted column; CSV has no types, so the importer
  reads those columns as text.

XLSX is written with xlsxwriter's ``constant_memory`` mode: each row goes to disk when
the next one starts, so a sheet of a million rows needs no more memory than one row.
"""

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _
from xlsxwriter.worksheet import Worksheet

from entas.core.exceptions import EntasError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# Excel's sheet has 1,048,576 rows; the header takes one.
XLSX_MAX_DATA_ROWS = 1_048_575
XLSX_LAST_ROW = 1_048_575  # zero-based index of the last row of a sheet
# An inline list validation is stored as one string of at most 255 characters.
INLINE_LIST_LIMIT = 255
LISTS_SHEET = "daftar"
CSV_CHUNK_ROWS = 500
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


def safe_cell(value: Any) -> Any:
    """`value` with a leading apostrophe when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# --- CSV -----------------------------------------------------------------------------


def _csv_row(row: Sequence[object]) -> list[Any]:
    """Cells as the csv module should write them: text neutralised, None empty, dates ISO.
    Written out rather than per-cell calls: this runs for every cell of a million rows."""
    cells: list[Any] = []
    for value in row:
        if type(value) is str:
            if value.startswith(FORMULA_PREFIXES):
                value = "'" + value
        elif value is None:
            value = ""
        elif isinstance(value, dt.datetime):
            value = _local(value).isoformat(sep=" ", timespec="seconds")
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, str):  # a str subclass, such as a choices label
            value = safe_cell(value)
        cells.append(value)
    return cells


def write_csv(
    target: IO[str] | Path, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """Write `header` and `rows` as UTF-8 CSV with a BOM (so Excel reads it as UTF-8);
    return the number of data rows. A `Path` is created or overwritten."""
    if isinstance(target, Path):
        with target.open("w", encoding="utf-8", newline="") as stream:
            return write_csv(stream, header, rows)
    target.write(BOM)
    writer = csv.writer(target)
    writer.writerow(_csv_row(header))
    count = 0
    for row in rows:
        writer.writerow(_csv_row(row))
        count += 1
    return count


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV of `write_csv` in pieces of a few hundred rows, for `StreamingHttpResponse`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(_csv_row(header))
    for index, row in enumerate(rows, start=1):
        writer.writerow(_csv_row(row))
        if index % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- XLSX ----------------------------------------------------------------------------


@dataclass
class Sheet:
    """One worksheet: a bold, frozen, filterable header row and the data rows under it.

    `widths` are column widths in characters, by position. `text_columns` are the
    positions written as text in a text-formatted column (NIK, No. KK, RT, codes): what a
    user types there later stays text too. `validations` maps a position to the values a
    user may pick from a drop-down list in every data row of that column.
    """

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[int] = ()
    text_columns: Collection[int] = ()
    validations: Mapping[int, Sequence[str]] = field(default_factory=dict)


class SpreadsheetTooLarge(EntasError):
    """More rows than one XLSX sheet can hold."""


def write_xlsx(target: Path | IO[bytes], sheets: Sequence[Sheet]) -> dict[str, int]:
    """Write `sheets` into one XLSX file; return the number of data rows per sheet name.

    Raises `SpreadsheetTooLarge` (and writes nothing) when a sheet has more than
    `XLSX_MAX_DATA_ROWS` rows. Drop-down lists too long to store inline are kept in a
    hidden sheet named "daftar".
    """
    with tempfile.TemporaryDirectory(prefix="entas-xlsx-") as scratch:
        options = {
            "constant_memory": True,
            "tmpdir": scratch,
            # Text is text: never turn "=..." into a formula or "0812..." into a number.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        }
        workbook = xlsxwriter.Workbook(target, options)
        writer = _XlsxWriter(workbook)
        counts = {sheet.name: writer.write_sheet(sheet) for sheet in sheets}
        writer.write_lists()
        workbook.close()
    return counts


class _XlsxWriter:
    """The formats of one workbook and the long drop-down lists waiting for their sheet."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.workbook = workbook
        self.bold = workbook.add_format({"bold": True})
        self.bold_text = workbook.add_format({"bold": True, "num_format": "@"})
        self.text = workbook.add_format({"num_format": "@"})
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.datetime = workbook.add_format({"num_format": DATETIME_FORMAT})
        self.long_lists: list[Sequence[str]] = []

    def write_sheet(self, sheet: Sheet) -> int:
        worksheet = self.workbook.add_worksheet(sheet.name)
        columns = len(sheet.header)
        text_columns = frozenset(sheet.text_columns)
        for column in range(columns):
            width = sheet.widths[column] if column < len(sheet.widths) else None
            text = self.text if column in text_columns else None
            worksheet.set_column(column, column, width, text)
        for column, title in enumerate(sheet.header):
            header_format = self.bold_text if column in text_columns else self.bold
            worksheet.write_string(0, column, str(safe_cell(title)), header_format)
        for column, values in sheet.validations.items():
            self._add_validation(worksheet, column, values)
        count = self._write_rows(worksheet, sheet, text_columns)
        worksheet.freeze_panes(1, 0)
        worksheet.autofilter(0, 0, count, max(columns - 1, 0))
        return count

    def _write_rows(self, worksheet: Worksheet, sheet: Sheet, text_columns: frozenset[int]) -> int:
        # The common cells (text, whole numbers) are written inline: this loop runs for
        # every cell of up to a million rows.
        write_string, write_number = worksheet.write_string, worksheet.write_number
        count = 0
        for count, row in enumerate(sheet.rows, start=1):
            if count > XLSX_MAX_DATA_ROWS:
                raise _too_many_rows(sheet.name)
            for column, value in enumerate(row):
                if value is None or value == "":
                    continue
                if column in text_columns:
                    write_string(count, column, str(safe_cell(value)), self.text)
                elif type(value) is str:
                    write_string(count, column, safe_cell(value))
                elif type(value) is int:
                    write_number(count, column, value)
                else:
                    self._write_other(worksheet, count, column, value)
        return count

    def _write_other(self, worksheet: Worksheet, row: int, column: int, value: Any) -> None:
        if isinstance(value, bool):
            worksheet.write_boolean(row, column, value)
        elif isinstance(value, int | float | Decimal):
            worksheet.write_number(row, column, value)
        elif isinstance(value, dt.datetime):
            worksheet.write_datetime(row, column, _local(value), self.datetime)
        elif isinstance(value, dt.date):
            worksheet.write_datetime(row, column, value, self.date)
        else:
            worksheet.write_string(row, column, str(safe_cell(str(value))))

    def _add_validation(self, worksheet: Worksheet, column: int, values: Sequence[str]) -> None:
        values = [str(value) for value in values]
        if not values:
            return
        source: str | list[str] = values if _fits_inline(values) else self._list_range(values)
        worksheet.data_validation(
            1,
            column,
            XLSX_LAST_ROW,
            column,
            {
                "validate": "list",
                "source": source,
                "error_title": _("Nilai tidak dikenal"),
                "error_message": _("Pilih salah satu nilai dari daftar pada sel ini."),
            },
        )

    def _list_range(self, values: Sequence[str]) -> str:
        self.long_lists.append(values)
        letter = xlsxwriter.utility.xl_col_to_name(len(self.long_lists) - 1)
        return f"={LISTS_SHEET}!${letter}$1:${letter}${max(len(values), 1)}"

    def write_lists(self) -> None:
        """The hidden sheet of long drop-down lists, one list per column, row by row
        (constant_memory cannot go back to a row once the next one is started)."""
        if not self.long_lists:
            return
        worksheet = self.workbook.add_worksheet(LISTS_SHEET)
        longest = max(len(values) for values in self.long_lists)
        for row in range(longest):
            for column, values in enumerate(self.long_lists):
                if row < len(values):
                    worksheet.write_string(row, column, values[row], self.text)
        worksheet.hide()


def _too_many_rows(sheet: str) -> SpreadsheetTooLarge:
    return SpreadsheetTooLarge(
        _(
            "Lembar %(sheet)s berisi lebih dari %(limit)s baris, batas satu lembar Excel. "
            "Unduh sebagai CSV, atau persempit saringan (misalnya per kecamatan)."
        )
        % {"sheet": sheet, "limit": f"{XLSX_MAX_DATA_ROWS:,}".replace(",", ".")},
        code="xlsx_too_many_rows",
    )


def _fits_inline(values: Sequence[str]) -> bool:
    """Whether a list can be stored in the validation itself: Excel keeps it as one quoted,
    comma-separated string of at most 255 UTF-16 units, so no value may hold a comma or
    a quote."""
    inline = ",".join(values)
    if any("," in value or '"' in value for value in values):
        return False
    return len(inline.encode("utf-16-le")) // 2 <= INLINE_LIST_LIMIT


def _local(value: dt.datetime) -> dt.datetime:
    """Spreadsheets have no time zones: show aware datetimes in the deployment's zone."""
    if timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value
