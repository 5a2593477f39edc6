"""Turn an uploaded registry file into a UTF-8 CSV that Polars can scan, or refuse it.

`read_table` recognises the format by content (XLSX, or CSV in UTF-8, UTF-16 or
Windows-1252), finds the header row below any title rows and returns a `Table`: the file to
scan, its separator, the rows above the header and the raw header cells. A UTF-8 CSV is
scanned where it lies; any other CSV is transcoded, and an XLSX sheet written as CSV, into
`work_dir`. Everything streams, so memory stays bounded whatever the file size (except
that openpyxl keeps an XLSX's shared strings in memory).

Rows are counted as `pl.scan_csv(skip_rows=...)` counts them, with or without
`has_header`: a line break inside double quotes does not end a row, and an empty line is a
row (Polars reads it as an all-null row), except at the very start of a file, where Polars
drops it; such a file is copied with those lines written as `""`. So `first_data_row +
index` is the row number a spreadsheet shows for the original file.
"""

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple
from xml.etree.ElementTree import ParseError

from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from entas.imports.exceptions import ImportFileError

HeaderScore = Callable[[list[str]], int]

SEPARATORS = (",", ";", "\t", "|")  # ties in the header go to the earlier one
MIN_HEADER_SCORE = 2
SAMPLE_ROWS = 5  # rows below the header that confirm the separator
SNIFF_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
BLOCK_BYTES = 64 * 1024  # of lines transcoded at once

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_MARKUP_STARTS = (b"<!doctype html", b"<html", b"<table", b"<?xml")
_CONTROL_BYTES = bytes(set(range(32)) - set(b"\t\n\r\f") | {0x7F})
_LEADING_EMPTY_LINES = re.compile(rb"(?:\xef\xbb\xbf)?((?:\r?\n)*)")
# What zipfile, zlib and openpyxl raise on a damaged archive (found by fuzzing real files).
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    RuntimeError,  # includes NotImplementedError (unknown compression) and encrypted entries
    ParseError,
    InvalidFileException,
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 1_073_741_824
    max_columns: int = 1000
    max_header_bytes: int = 1_048_576
    max_xlsx_uncompressed: int = 2_147_483_648
    header_search_rows: int = 30


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Table:
    """A file ready for `pl.scan_csv(path, separator=..., skip_rows=..., has_header=True)`."""

    path: Path  # UTF-8, perhaps with a BOM (Polars skips it)
    separator: str  # one of SEPARATORS
    skip_rows: int  # rows above the header, as Polars counts them
    headers: list[str]  # the header cells as in the file, BOM removed
    format: str  # "csv" or "xlsx"
    encoding: str  # of the original: "utf-8", "utf-8-sig", "utf-16", "cp1252" or "mixed"
    original_name: str
    sheet: str  # the XLSX sheet read, "" for a CSV
    first_data_row: int  # 1-based row of the original shown for Polars row index 0


def read_table(
    path: Path,
    *,
    work_dir: Path,
    original_name: str = "",
    limits: Limits = DEFAULT_LIMITS,
    header_score: HeaderScore | None = None,
) -> Table:
    """Read `path` as a table, or raise `ImportFileError` saying what is wrong with it.

    `header_score(cells)` counts the recognised column names in a row; the best row of the
    first `limits.header_search_rows` with a score of at least 2 is the header, otherwise
    the first non-empty row is.
    """
    name = original_name or path.name
    head = _head(path, name, limits)
    work_dir.mkdir(parents=True, exist_ok=True)
    if head.startswith(_ZIP_MAGIC):
        return _xlsx_table(path, work_dir=work_dir, name=name, limits=limits, score=header_score)
    if head.startswith(_UTF16_BOMS):
        text_path, encoding = _utf16_text(path, work_dir=work_dir)
    else:
        _refuse_non_text(head, name)
        text_path, encoding = _utf8_text(path, work_dir=work_dir, name=name, head=head)
    return _csv_table(text_path, name=name, encoding=encoding, limits=limits, score=header_score)


def _head(path: Path, name: str, limits: Limits) -> bytes:
    """The first bytes of a file whose size is within the limit (checked before reading)."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise _too_large(name, size, limits.max_bytes)
    with path.open("rb") as stream:
        return stream.read(SNIFF_BYTES)


def check_file(path: Path, *, original_name: str = "", limits: Limits = DEFAULT_LIMITS) -> None:
    """The quick checks of `read_table` (size, empty, binary, old .xls), without reading the
    file through: for refusing an upload while the user is still on the form."""
    name = original_name or path.name
    head = _head(path, name, limits)
    if not head.strip():
        raise _empty(name)
    if head.startswith(_ZIP_MAGIC):
        if not zipfile.is_zipfile(path):  # cut short: the zip's directory at the end is gone
            raise _xlsx_corrupt(name)
    elif not head.startswith(_UTF16_BOMS):
        _refuse_non_text(head, name)


# --- sniffing -------------------------------------------------------------------------


def _refuse_non_text(head: bytes, name: str) -> None:
    if head.startswith(_OLE_MAGIC):
        message = _(
            "Berkas %(name)s berformat Excel lama (.xls) atau dilindungi kata sandi. Buka di "
            "Excel, simpan sebagai Buku Kerja Excel (.xlsx) atau CSV UTF-8 tanpa kata sandi, "
            "lalu unggah lagi."
        )
        raise ImportFileError(message % {"name": name}, code="xls_unsupported")
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\x00" in head or controls * 20 > len(head):
        message = _(
            "Berkas %(name)s bukan tabel CSV atau Excel. Unggah data dalam format Excel (.xlsx) "
            "atau CSV."
        )
        raise ImportFileError(message % {"name": name}, code="binary")
    if head.lstrip(codecs.BOM_UTF8 + b" \t\r\n").lower().startswith(_MARKUP_STARTS):
        message = _(
            "Berkas %(name)s adalah halaman web (HTML/XML), bukan tabel Excel atau CSV. Buka "
            "berkas itu di Excel, simpan sebagai Buku Kerja Excel (.xlsx), lalu unggah lagi."
        )
        raise ImportFileError(message % {"name": name}, code="unsupported")
    if b"\n" not in head and b"\r" in head.rstrip():
        message = _(
            "Baris-baris berkas %(name)s dipisah dengan format Mac lama. Simpan ulang dari Excel "
            "sebagai CSV UTF-8, lalu unggah lagi."
        )
        raise ImportFileError(message % {"name": name}, code="unsupported")


# --- CSV ------------------------------------------------------------------------------


def _utf8_text(path: Path, *, work_dir: Path, name: str, head: bytes) -> tuple[Path, str]:
    """The file itself when it is all UTF-8 (Polars skips a BOM), else a UTF-8 copy."""
    is_utf8, has_content = _utf8_scan(path)
    if not has_content:
        raise _empty(name)
    signed = head.startswith(codecs.BOM_UTF8)
    utf8 = "utf-8-sig" if signed else "utf-8"
    start, end = _leading_empty_lines(head)
    if is_utf8 and start == end:
        return path, utf8
    target = _output_path(path, work_dir, ".utf8.csv")
    found: set[str] = set()
    with path.open("rb") as original:
        _write_text(target, (_utf8_block(block, found) for block in _line_blocks(original)))
    if is_utf8:
        return target, utf8
    return target, "mixed" if "utf-8" in found else "cp1252"


def _utf16_text(path: Path, *, work_dir: Path) -> tuple[Path, str]:
    target = _output_path(path, work_dir, ".utf8.csv")
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    with path.open("rb") as original:
        chunks = chain(iter(lambda: original.read(CHUNK_BYTES), b""), [b""])
        _write_text(target, (decoder.decode(chunk, final=not chunk).encode() for chunk in chunks))
    return target, "utf-16"


def _utf8_scan(path: Path) -> tuple[bool, bool]:
    """Whether the whole file is valid UTF-8, and whether it has more than whitespace."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8, has_content = True, False
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            has_content = has_content or bool(chunk.removeprefix(codecs.BOM_UTF8).strip())
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            if has_content and not is_utf8:
                break
        if is_utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                is_utf8 = False
    return is_utf8, has_content


def _write_text(target: Path, blocks: Iterable[bytes]) -> None:
    """Write UTF-8 `blocks`, an empty line at the start of the file as `""`.

    Polars drops the empty lines at the start of a file and counts them as no row or as
    one, depending on `has_header`; a cell of nothing is a row in both.
    """
    at_start = True
    with target.open("wb") as output:
        for block in blocks:
            if at_start:
                start, end = _leading_empty_lines(block)
                quoted = re.sub(rb"\r?\n", rb'""\g<0>', block[start:end])
                block, at_start = block[:start] + quoted + block[end:], end == len(block)
            output.write(block)


def _leading_empty_lines(data: bytes) -> tuple[int, int]:
    """Where the empty lines at the start of `data`, after any BOM, begin and end."""
    match = _LEADING_EMPTY_LINES.match(data)
    return match.span(1) if match else (0, 0)


def _utf8_block(block: bytes, found: set[str]) -> bytes:
    """`block` in UTF-8, adding to `found` the encodings of its lines that are not ASCII."""
    if _is_utf8(block):
        if not block.isascii():
            found.add("utf-8")
        return block
    found.add("cp1252")
    parts: list[bytes] = []
    legacy: list[bytes] = []  # consecutive lines decoded at once (ASCII reads the same either way)
    for line in block.splitlines(keepends=True):
        if line.isascii() or not _is_utf8(line):
            legacy.append(line)
        else:
            found.add("utf-8")
            parts += [_from_cp1252(legacy), line]
            legacy = []
    parts.append(_from_cp1252(legacy))
    return b"".join(parts)


def _from_cp1252(lines: list[bytes]) -> bytes:
    return b"".join(lines).decode("cp1252", errors="replace").encode()


def _line_blocks(stream: BinaryIO) -> Iterator[bytes]:
    """Whole lines, about BLOCK_BYTES at a time; a longer line is cut between characters."""
    carry = b""
    while True:
        chunk = stream.read(BLOCK_BYTES)
        block = carry + chunk
        if not block:
            return
        cut = block.rfind(b"\n") + 1 if chunk else len(block)
        if not cut:  # a line longer than a block
            cut = _last_character_start(block)
        block, carry = block[:cut], block[cut:]
        yield block


def _last_character_start(data: bytes) -> int:
    """Where the last UTF-8 character of `data` starts (its length after an ASCII byte)."""
    start = len(data)
    while start > len(data) - 3 and data[start - 1] & 0xC0 == 0x80:  # continuation bytes
        start -= 1
    if start and data[start - 1] >= 0xC0:
        start -= 1
    return start


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _csv_table(
    path: Path, *, name: str, encoding: str, limits: Limits, score: HeaderScore | None
) -> Table:
    with closing(_csv_rows(path, name=name, limits=limits)) as rows:
        found = _find_header(rows, limits=limits, score=score)
    if found is None:
        raise _empty(name)
    header_index = found[0]
    with closing(_records(path, limits.max_header_bytes)) as records:
        header = next(islice(records, header_index, None))
        sample = [row.text for row in islice(records, SAMPLE_ROWS) if row.complete]
    separator = _confirmed_separator(header.text, sample)
    headers = _cells(header.text, separator)
    if headers is None:
        raise _overlong_header(header.text, name, limits)
    _check_column_count(len(headers), name, limits)
    return Table(
        path=path,
        separator=separator,
        skip_rows=header_index,
        headers=headers,
        format="csv",
        encoding=encoding,
        original_name=name,
        sheet="",
        first_data_row=header_index + 2,
    )


def _csv_rows(path: Path, *, name: str, limits: Limits) -> Generator[list[str]]:
    """Cells of each row, split by the row's own most frequent separator.

    Stops at a row too long to be a header; refuses the file if that comes before any text.
    """
    seen_text = False
    for row in _records(path, limits.max_header_bytes):
        cells = _cells(row.text, _separator(row.text)) if row.complete else None
        if cells is None:
            if seen_text:
                return
            raise _overlong_header(row.text, name, limits)
        seen_text = seen_text or _has_text(cells)
        yield cells


class _Record(NamedTuple):
    text: str
    complete: bool  # False: longer than the limit, cut, and the last record read


def _records(path: Path, limit: int) -> Generator[_Record]:
    """Rows as Polars counts them for skip_rows, without the BOM; the last one is cut to
    `limit` bytes if it is longer.
    """
    with path.open("rb") as stream:
        if stream.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            stream.seek(0)
        while record := _read_record(stream, limit):
            if len(record) > limit:
                yield _Record(record[:limit].decode("utf-8", errors="ignore"), False)
                return
            yield _Record(record.decode("utf-8", errors="replace"), True)


def _read_record(stream: BinaryIO, limit: int) -> bytes:
    """The next row: lines joined while a double quote is open, at most `limit + 1` bytes."""
    record, quotes = b"", 0
    while len(record) <= limit:
        line = stream.readline(limit + 1 - len(record))
        record += line
        quotes += line.count(b'"')
        if not line.endswith(b"\n") or quotes % 2 == 0:
            break
    return record


def _cells(text: str, separator: str) -> list[str] | None:
    """The cells of one row; None when a cell is longer than the csv module allows."""
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=separator), [])
    except csv.Error:
        return None


def _separator_counts(text: str) -> dict[str, int]:
    outside_quotes = text.split('"')[::2]
    return {sep: sum(part.count(sep) for part in outside_quotes) for sep in SEPARATORS}


def _separator(text: str) -> str:
    counts = _separator_counts(text)
    best = max(SEPARATORS, key=counts.__getitem__)
    return best if counts[best] else ","


def _confirmed_separator(header: str, sample: list[str]) -> str:
    """The separator most frequent in the header; in a tie, the one the rows below agree with."""
    counts = _separator_counts(header)
    most = max(counts.values())
    if not most:
        return ","
    tied = [sep for sep in SEPARATORS if counts[sep] == most]
    rows = [_separator_counts(text) for text in sample if text.strip()]
    agreeing = [sep for sep in tied if rows and all(row[sep] == most for row in rows)]
    return (agreeing or tied)[0]


# --- XLSX -----------------------------------------------------------------------------


def _xlsx_table(
    path: Path, *, work_dir: Path, name: str, limits: Limits, score: HeaderScore | None
) -> Table:
    _check_archive(path, name, limits)
    target = _output_path(path, work_dir, ".csv")
    with path.open("rb") as stream:
        try:
            # A stream, not a path: openpyxl refuses names not ending in .xlsx.
            book = load_workbook(stream, read_only=True, data_only=True)
        except (*_XLSX_ERRORS, OSError) as error:
            raise _xlsx_corrupt(name) from error
        try:
            sheet, header_row = _xlsx_header(book.worksheets, name=name, limits=limits, score=score)
            rows = sheet.iter_rows(min_row=header_row, values_only=True)
            headers = _trimmed([_cell_text(value) for value in next(rows)])
            _check_column_count(len(headers), name, limits)
            _write_csv(target, headers, rows)
        except _XLSX_ERRORS as error:
            raise _xlsx_corrupt(name) from error
        finally:
            book.close()
    return Table(
        path=target,
        separator=",",
        skip_rows=0,
        headers=headers,
        format="xlsx",
        encoding="utf-8",
        original_name=name,
        sheet=sheet.title,
        first_data_row=header_row + 1,
    )


def _check_archive(path: Path, name: str, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, NotImplementedError) as error:
        raise _xlsx_corrupt(name) from error
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        message = _(
            "Berkas %(name)s adalah arsip ZIP, bukan berkas Excel (.xlsx). Ekstrak isinya atau "
            "simpan datanya sebagai .xlsx atau CSV, lalu unggah lagi."
        )
        raise ImportFileError(message % {"name": name}, code="unsupported")
    largest = max(entry.file_size for entry in entries)
    if largest > limits.max_xlsx_uncompressed:
        message = _(
            "Isi berkas Excel %(name)s terlalu besar setelah dibuka (%(size)s, batas %(limit)s). "
            "Pecah data per kecamatan menjadi beberapa berkas, lalu unggah satu per satu."
        )
        sizes = {
            "size": filesizeformat(largest),
            "limit": filesizeformat(limits.max_xlsx_uncompressed),
        }
        raise ImportFileError(message % {"name": name, **sizes}, code="too_large")


def _xlsx_header(
    sheets: list[Any], *, name: str, limits: Limits, score: HeaderScore | None
) -> tuple[Any, int]:
    """The first sheet with a recognised header, else the first non-empty one; its header row."""
    fallback = None
    for sheet in sorted(sheets, key=lambda sheet: sheet.sheet_state != "visible"):
        sheet.reset_dimensions()  # some exporters write a wrong size, which would cut rows off
        with closing(_sheet_rows(sheet)) as rows:
            found = _find_header(rows, limits=limits, score=score)
        if found and found[1]:
            return sheet, found[0] + 1
        if found and fallback is None:
            fallback = sheet, found[0] + 1
    if fallback is None:
        raise _empty(name)
    return fallback


def _sheet_rows(sheet: Any) -> Generator[list[str]]:
    for values in sheet.iter_rows(values_only=True):
        yield [_cell_text(value) for value in values]


def _write_csv(target: Path, headers: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """One line per sheet row, blank rows as rows of empty cells; blank rows at the end are
    dropped. (An empty line would do for Polars, but not as the first row under the header
    with `has_header=False`.)
    """
    width = len(headers)
    with target.open("w", encoding="utf-8", errors="replace", newline="") as output:
        writer = csv.writer(output, lineterminator="\n")
        writer.writerow(headers)
        blank_rows = 0
        for values in rows:
            cells = [_cell_text(value) for value in values[:width]]
            if not any(cells):
                blank_rows += 1
                continue
            output.write(("," * (width - 1) + "\n") * blank_rows)
            blank_rows = 0
            writer.writerow(cells + [""] * (width - len(cells)))


def _cell_text(value: object) -> str:
    """A cell as text: whole numbers without ".0", no exponents, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(value, dt.datetime):
        midnight = value.time() == dt.time()
        return value.date().isoformat() if midnight else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


# --- shared ---------------------------------------------------------------------------


def _find_header(
    rows: Iterable[list[str]], *, limits: Limits, score: HeaderScore | None
) -> tuple[int, bool] | None:
    """The 0-based header row, and whether `score` recognised it; None when all rows are blank.

    Blank rows above the first text are read past the search window, since they cost nothing.
    """
    best: tuple[int, bool] | None = None
    best_score = MIN_HEADER_SCORE - 1
    for index, cells in enumerate(rows):
        searching = index < limits.header_search_rows
        if not searching and best is not None:
            break
        if not _has_text(cells):
            continue
        if best is None:
            best = index, False
        if score is None or not searching:
            break
        row_score = score(cells)
        if row_score > best_score:
            best, best_score = (index, True), row_score
    return best


def _has_text(cells: list[str]) -> bool:
    return any(cell.strip() for cell in cells)


def _output_path(source: Path, work_dir: Path, suffix: str) -> Path:
    target = work_dir / f"{source.stem}{suffix}"
    if target.resolve() == source.resolve():
        target = work_dir / f"{source.stem}.table{suffix}"
    return target


def _check_column_count(count: int, name: str, limits: Limits) -> None:
    if count > limits.max_columns:
        raise _too_many_columns(name, count, limits, exact=True)


def _overlong_header(text: str, name: str, limits: Limits) -> ImportFileError:
    columns = max(_separator_counts(text).values()) + 1
    if columns > limits.max_columns:
        return _too_many_columns(name, columns, limits, exact=False)
    message = _(
        "Baris nama kolom pada berkas %(name)s lebih panjang dari %(limit)s. Pastikan baris "
        "pertama tabel berisi nama kolom yang singkat, lalu unggah lagi."
    )
    limit = filesizeformat(limits.max_header_bytes)
    return ImportFileError(message % {"name": name, "limit": limit}, code="header_too_long")


def _too_many_columns(name: str, count: int, limits: Limits, *, exact: bool) -> ImportFileError:
    if exact:
        message = _("Berkas %(name)s memiliki %(count)s kolom, melebihi batas %(limit)s kolom.")
    else:
        message = _(
            "Berkas %(name)s memiliki sedikitnya %(count)s kolom, melebihi batas %(limit)s kolom."
        )
    advice = _("Periksa pemisah kolomnya dan hapus kolom yang tidak dipakai, lalu unggah lagi.")
    values = {
        "name": name,
        "count": number_format(count, force_grouping=True),
        "limit": number_format(limits.max_columns, force_grouping=True),
    }
    return ImportFileError(f"{message % values} {advice}", code="too_many_columns")


def _too_large(name: str, size: int, limit: int) -> ImportFileError:
    message = _(
        "Berkas %(name)s berukuran %(size)s, melebihi batas %(limit)s per berkas. Pecah data "
        "per kecamatan menjadi beberapa berkas, lalu unggah satu per satu."
    )
    values = {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}
    return ImportFileError(message % values, code="too_large")


def _empty(name: str) -> ImportFileError:
    message = _(
        "Berkas %(name)s kosong: tidak ada tabel di dalamnya. Pilih berkas yang berisi data, "
        "lalu unggah lagi."
    )
    return ImportFileError(message % {"name": name}, code="empty")


def _xlsx_corrupt(name: str) -> ImportFileError:
    message = _(
        "Berkas Excel %(name)s rusak atau terpotong; simpan ulang dari Excel lalu unggah lagi."
    )
    return ImportFileError(message % {"name": name}, code="xlsx_corrupt")
