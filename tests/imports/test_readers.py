"""read_table: every incoming file becomes a table Polars scans, or a clear Indonesian refusal.

Each readable file is checked the way the pipeline reads it: `pl.scan_csv` with the Table's
separator and skip_rows, columns renamed by position to `headers`, and `first_data_row +
index` pointing at the row of the original file.
"""

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entas.imports.exceptions import ImportFileError
from entas.imports.readers import DEFAULT_LIMITS, Limits, Table, read_table

KNOWN = {"nik", "nama", "alamat", "tanggal lahir", "no kk"}


def known_names(cells: list[str]) -> int:
    return sum(cell.strip().lower() in KNOWN for cell in cells)


def scanned(table: Table) -> dict[int, dict[str, str | None]]:
    """Rows as the pipeline reads them, keyed by their row number in the original file.

    Polars reads the table alike whether it reads the header itself or skips it.
    """
    options = {"separator": table.separator, "quote_char": '"', "encoding": "utf8"}
    named = pl.scan_csv(
        table.path, skip_rows=table.skip_rows, has_header=True, infer_schema=False, **options
    )
    positional = pl.scan_csv(
        table.path,
        skip_rows=table.skip_rows + 1,
        has_header=False,
        schema={f"c{position}": pl.String for position in range(len(table.headers))},
        **options,
    )
    frames = [lazy.with_row_index().collect() for lazy in (named, positional)]
    assert frames[0].rows() == frames[1].rows()
    frames[0].columns = ["index", *table.headers]
    return {table.first_data_row + row.pop("index"): row for row in frames[0].iter_rows(named=True)}


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def refusal(path: Path, limits: Limits = DEFAULT_LIMITS) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_table(path, work_dir=path.parent / "work", limits=limits)
    message = caught.value.message
    assert "berkas" in message.lower()
    assert message.endswith(".")
    return caught.value


# --- CSV encodings -------------------------------------------------------------------------


def test_utf8_csv_is_scanned_where_it_lies(tmp_path: Path) -> None:
    # given a UTF-8 CSV with non-ASCII text
    path = write(tmp_path, "dtsen.csv", "nik,nama\n3374010101900001,Siti Ñurhaliza\n".encode())

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work")

    # then Polars scans the original file
    assert table == Table(
        path=path,
        separator=",",
        skip_rows=0,
        headers=["nik", "nama"],
        format="csv",
        encoding="utf-8",
        original_name="dtsen.csv",
        sheet="",
        first_data_row=2,
    )
    assert scanned(table) == {2: {"nik": "3374010101900001", "nama": "Siti Ñurhaliza"}}


def test_utf8_bom_is_removed_from_the_header_and_left_to_polars(tmp_path: Path) -> None:
    # given a UTF-8 CSV with a BOM, as Excel saves "CSV UTF-8"
    content = "\ufeffnik;nama\r\n1;Sémarang\r\n".encode()
    path = write(tmp_path, "p3ke.csv", content)

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work")

    # then the file is not copied, and neither the header nor Polars sees the BOM
    assert (table.path, table.encoding, table.separator) == (path, "utf-8-sig", ";")
    assert table.headers == ["nik", "nama"]
    assert scanned(table) == {2: {"nik": "1", "nama": "Sémarang"}}


def test_windows_1252_csv_is_transcoded_to_utf8(tmp_path: Path) -> None:
    # given a CSV saved by an old Excel in Windows-1252
    content = "nik,nama,alamat\n1,Ñoman,Sémarang\n".encode("cp1252")
    path = write(tmp_path, "dtks.csv", content)

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work", original_name="DTKS Tugu.csv")

    # then a UTF-8 copy in work_dir is scanned
    assert (table.encoding, table.original_name) == ("cp1252", "DTKS Tugu.csv")
    assert table.path.parent == tmp_path / "work"
    assert path.read_bytes() == content
    assert scanned(table) == {2: {"nik": "1", "nama": "Ñoman", "alamat": "Sémarang"}}


def test_mixed_encodings_are_decoded_line_by_line(tmp_path: Path) -> None:
    # given files joined from two sources: some lines UTF-8, some Windows-1252
    content = b"".join(
        [
            b"nik,nama\n",
            "1,Sémarang\n".encode(),
            "2,Sémarang\n".encode("cp1252"),
            b"3,Tugu\n",
        ]
    )
    path = write(tmp_path, "gabungan.csv", content)

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work")

    # then each line is decoded by its own encoding
    assert table.encoding == "mixed"
    assert scanned(table) == {
        2: {"nik": "1", "nama": "Sémarang"},
        3: {"nik": "2", "nama": "Sémarang"},
        4: {"nik": "3", "nama": "Tugu"},
    }


def test_lines_longer_than_a_block_are_transcoded_without_splitting_a_character(
    tmp_path: Path,
) -> None:
    # given a Windows-1252 file with long cells in both encodings
    legacy = "Sémarang " * 30_000
    emoji = "x" + "😀" * 60_000
    content = b"".join(
        [b"nik,catatan\n", f"1,{legacy}\n".encode("cp1252"), f"2,{emoji}\n".encode()]
    )
    path = write(tmp_path, "panjang.csv", content)

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work")

    # then both cells come back whole
    assert table.encoding == "mixed"
    assert scanned(table) == {2: {"nik": "1", "catatan": legacy}, 3: {"nik": "2", "catatan": emoji}}


def test_utf16_text_from_excel_is_transcoded(tmp_path: Path) -> None:
    # given Excel's "Unicode Text": UTF-16 with a BOM, tab-separated
    path = write(tmp_path, "data.txt", "nik\tnama\r\n1\tSémarang\r\n".encode("utf-16"))

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work")

    # then it is scanned as UTF-8
    assert (table.encoding, table.separator) == ("utf-16", "\t")
    assert scanned(table) == {2: {"nik": "1", "nama": "Sémarang"}}


# --- CSV shape -----------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [",", ";", "|", "\t"])
def test_separator_is_found_and_quoted_cells_keep_it_and_their_line_breaks(
    tmp_path: Path, separator: str
) -> None:
    # given a CSV whose cells contain the separator and line breaks, in quotes
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerows(
        [
            ["nik", "nama", "alamat"],
            ["1", f"Budi{separator} S.Pd", "Jl. Mawar\nRT 1"],
            ["2", "Siti", f'Jl. "Melati"{separator} Tugu'],
        ]
    )
    path = write(tmp_path, "data.csv", buffer.getvalue().encode())

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work")

    # then the separator is found and each quoted cell stays whole, its row counted once
    assert table.separator == separator
    assert scanned(table) == {
        2: {"nik": "1", "nama": f"Budi{separator} S.Pd", "alamat": "Jl. Mawar\nRT 1"},
        3: {"nik": "2", "nama": "Siti", "alamat": f'Jl. "Melati"{separator} Tugu'},
    }


def test_tied_separator_is_decided_by_the_rows_below(tmp_path: Path) -> None:
    # given a header with one comma and one semicolon, and rows separated by semicolons
    content = b"nama, gelar;nik\nBudi, S.Pd;1\nSiti;2\n"
    path = write(tmp_path, "data.csv", content)

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work")

    # then the semicolon wins
    assert (table.separator, table.headers) == (";", ["nama, gelar", "nik"])


def test_title_lines_above_the_header_are_skipped(tmp_path: Path) -> None:
    # given a CSV with title lines (one with a quoted line break, one blank) above the header
    content = (
        '"DATA P3KE\nKOTA SEMARANG",,\n'
        "Per Desember 2024,,\n"
        "\n"
        '"NIK","Nama","Tanggal\nLahir"\n'
        "1,Budi,1990-01-01\n"
        "\n"
        "2,Siti,1991-02-03\n"
    )
    path = write(tmp_path, "p3ke.csv", content.encode())

    # when it is read with the pipeline's header scoring
    table = read_table(path, work_dir=tmp_path / "work", header_score=known_names)

    # then the header is the fourth row, and blank rows keep their row numbers
    assert (table.skip_rows, table.first_data_row) == (3, 5)
    assert table.headers == ["NIK", "Nama", "Tanggal\nLahir"]
    assert scanned(table) == {
        5: {"NIK": "1", "Nama": "Budi", "Tanggal\nLahir": "1990-01-01"},
        6: {"NIK": None, "Nama": None, "Tanggal\nLahir": None},
        7: {"NIK": "2", "Nama": "Siti", "Tanggal\nLahir": "1991-02-03"},
    }


def test_without_a_recognised_header_the_first_non_empty_row_is_the_header(
    tmp_path: Path,
) -> None:
    # given a CSV starting with blank lines and unknown column names
    path = write(tmp_path, "data.csv", b"\n\n kolom_a,kolom_b\n1,2\n")

    # when it is read with a scorer that recognises none of them
    table = read_table(path, work_dir=tmp_path / "work", header_score=known_names)

    # then the first non-empty row is the header, untouched (the empty lines at the start are
    # written as rows in a copy: Polars counts them differently with and without has_header)
    assert (table.skip_rows, table.headers) == (2, [" kolom_a", "kolom_b"])
    assert (table.path.parent, table.encoding) == (tmp_path / "work", "utf-8")
    assert scanned(table) == {4: {" kolom_a": "1", "kolom_b": "2"}}


def test_header_without_data_rows_is_a_table(tmp_path: Path) -> None:
    # given a CSV holding only its header, without a final line break
    path = write(tmp_path, "kosong.csv", b"nik,nama")

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work")

    # then it is a table of no rows
    assert table.headers == ["nik", "nama"]
    assert scanned(table) == {}


def test_cell_of_50_megabytes_is_read_quickly(tmp_path: Path) -> None:
    # given a CSV whose second row holds a 50 MB cell
    huge = b"x" * (50 * 1024 * 1024)
    path = write(tmp_path, "besar.csv", b"nik,catatan\n1," + huge + b"\n2,pendek\n")

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work", header_score=known_names)

    # then it is a table like any other; the pipeline rejects the row later
    assert (table.path, table.headers, table.skip_rows) == (path, ["nik", "catatan"], 0)
    rows = scanned(table)
    assert len(rows[2]["catatan"] or "") == len(huge)
    assert rows[3] == {"nik": "2", "catatan": "pendek"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    titles=st.lists(
        st.sampled_from(["", "\r", " ", "DATA P3KE", ",,", '"DATA\nP3KE"', 'Ukuran 5"" x']),
        max_size=4,
    ),
    cells=st.lists(
        st.lists(st.text(alphabet='ab ,;|\t"\n\réÑ', max_size=6), min_size=3, max_size=3),
        max_size=5,
    ),
    separator=st.sampled_from([",", ";", "|", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_any_cells_come_back_from_polars_at_their_row(
    tmp_path_factory: pytest.TempPathFactory,
    titles: list[str],
    cells: list[list[str]],
    separator: str,
    encoding: str,
) -> None:
    # given title lines (blank, quoted, ...) above a CSV of arbitrary cells
    buffer = io.StringIO()
    buffer.write("".join(f"{title}\n" for title in titles))
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerows([["nik", "nama", "alamat"], *cells])
    directory = tmp_path_factory.mktemp("csv")
    path = write(directory, "data.csv", buffer.getvalue().encode(encoding))

    # when it is read
    table = read_table(path, work_dir=directory / "work", header_score=known_names)

    # then every cell comes back at its row in the file ("" and missing are alike to Polars)
    assert (table.separator, table.headers) == (separator, ["nik", "nama", "alamat"])
    expected = {
        row_number: {name: value or None for name, value in zip(table.headers, row, strict=True)}
        for row_number, row in enumerate(cells, start=len(titles) + 2)
    }
    actual = {
        number: {name: value or None for name, value in row.items()}
        for number, row in scanned(table).items()
    }
    assert actual == expected


# --- XLSX ----------------------------------------------------------------------------------


def p3ke_workbook(path: Path) -> None:
    """A P3KE portal download: 12 title rows, NIK as numbers, dates, a blank row in the data."""
    book = xlsxwriter.Workbook(path)
    notes = book.add_worksheet("Petunjuk")
    notes.write(0, 0, "Lembar data ada di sebelah.")
    sheet = book.add_worksheet("Data P3KE")
    sheet.merge_range(0, 0, 0, 4, "DATA P3KE KOTA SEMARANG")
    sheet.write(1, 0, "Per Desember 2024")
    sheet.write_row(12, 0, ["NIK", "Nama", "Tanggal Lahir", "Alamat", "Nilai"])
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_number(13, 0, 3374010101900001)
    sheet.write(13, 1, "Budi\nSantoso")
    sheet.write_datetime(13, 2, dt.datetime(1990, 1, 1), date)  # noqa: DTZ001
    sheet.write(13, 3, 'Jl. "Mawar", Tugu')
    sheet.write_number(13, 4, 0.00000015)
    sheet.write_number(15, 0, 3374010101900002.0)
    sheet.write(15, 1, "Siti")
    sheet.write_datetime(15, 2, dt.datetime(1991, 2, 3, 13, 30), date)  # noqa: DTZ001
    sheet.write_number(15, 4, 1234567.25)
    sheet.write(20, 1, "", book.add_format({"bold": True}))
    book.close()


def test_xlsx_with_title_rows_becomes_a_csv_from_its_header(tmp_path: Path) -> None:
    # given a P3KE workbook whose first sheet has no table
    path = tmp_path / "p3ke.xlsx"
    p3ke_workbook(path)

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work", header_score=known_names)

    # then the data sheet is written as CSV from its header row, row numbers kept
    assert table == Table(
        path=tmp_path / "work" / "p3ke.csv",
        separator=",",
        skip_rows=0,
        headers=["NIK", "Nama", "Tanggal Lahir", "Alamat", "Nilai"],
        format="xlsx",
        encoding="utf-8",
        original_name="p3ke.xlsx",
        sheet="Data P3KE",
        first_data_row=14,
    )
    assert scanned(table) == {
        14: {
            "NIK": "3374010101900001",
            "Nama": "Budi\nSantoso",
            "Tanggal Lahir": "1990-01-01",
            "Alamat": 'Jl. "Mawar", Tugu',
            "Nilai": "0.00000015",
        },
        15: {"NIK": None, "Nama": None, "Tanggal Lahir": None, "Alamat": None, "Nilai": None},
        16: {
            "NIK": "3374010101900002",
            "Nama": "Siti",
            "Tanggal Lahir": "1991-02-03 13:30:00",
            "Alamat": None,
            "Nilai": "1234567.25",
        },
    }


def test_xlsx_numbers_stored_as_floats_lose_no_digit(tmp_path: Path) -> None:
    # given a workbook whose NIK cells are floats and whose dates are dates at midnight
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["nik", "tanggal lahir", "nilai"])
    sheet.append([3374010101900001.0, dt.date(1990, 1, 1), 1e16])
    sheet.append([3374010101900002.0, dt.datetime(1991, 2, 3), 2.5e-10])  # noqa: DTZ001
    path = tmp_path / "unggahan"  # named without an extension; the content decides
    book.save(path)

    # when it is read
    table = read_table(path, work_dir=tmp_path / "work")

    # then whole numbers have no ".0", no number has an exponent, dates are YYYY-MM-DD
    assert scanned(table) == {
        2: {"nik": "3374010101900001", "tanggal lahir": "1990-01-01", "nilai": "10000000000000000"},
        3: {"nik": "3374010101900002", "tanggal lahir": "1991-02-03", "nilai": "0.00000000025"},
    }


def test_xlsx_named_csv_is_read_as_xlsx_without_overwriting_itself(tmp_path: Path) -> None:
    # given a workbook uploaded into the work folder under a .csv name
    work = tmp_path / "work"
    work.mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["nik", "nama"])
    sheet.append([1, "Budi"])
    path = work / "data.csv"
    book.save(path)

    # when it is read
    table = read_table(path, work_dir=work)

    # then the original is kept and the table written beside it
    assert path.read_bytes().startswith(b"PK\x03\x04")
    assert table.path != path
    assert scanned(table) == {2: {"nik": "1", "nama": "Budi"}}


def test_truncated_xlsx_is_refused(tmp_path: Path) -> None:
    # given a workbook cut in half by a failed upload
    path = tmp_path / "p3ke.xlsx"
    p3ke_workbook(path)
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])

    # when it is read, then it is refused as damaged
    error = refusal(path)
    assert error.code == "xlsx_corrupt"
    assert error.message == (
        "Berkas Excel p3ke.xlsx rusak atau terpotong; simpan ulang dari Excel lalu unggah lagi."
    )


def test_xlsx_damaged_inside_is_refused(tmp_path: Path) -> None:
    # given a workbook whose sheet data is damaged but whose zip directory is intact
    path = tmp_path / "p3ke.xlsx"
    p3ke_workbook(path)
    with zipfile.ZipFile(path) as archive:
        entry = archive.getinfo("xl/worksheets/sheet2.xml")
    content = bytearray(path.read_bytes())
    start = entry.header_offset + 30 + len(entry.filename) + len(entry.extra)
    for position in range(start + 40, start + 80):
        content[position] ^= 0x5A
    path.write_bytes(content)

    # when it is read, then it is refused as damaged
    assert refusal(path).code == "xlsx_corrupt"


def test_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    # given a zip of CSV files
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "nik,nama\n1,Budi\n")

    # when it is read, then the user is told to extract it
    assert refusal(path).code == "unsupported"


def test_xlsx_larger_than_the_limit_once_unzipped_is_refused(tmp_path: Path) -> None:
    # given a workbook whose sheet XML unzips beyond the limit
    path = tmp_path / "p3ke.xlsx"
    p3ke_workbook(path)

    # when it is read with a small limit, then it is refused before openpyxl reads it
    error = refusal(path, Limits(max_xlsx_uncompressed=1000))
    assert error.code == "too_large"


def test_xlsx_with_too_many_columns_is_refused(tmp_path: Path) -> None:
    # given a workbook with four named columns
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["nik", "nama", "alamat", "rt", None, None])
    path = tmp_path / "lebar.xlsx"
    book.save(path)

    # when it is read with a limit of three columns, then the empty cells are not counted
    error = refusal(path, Limits(max_columns=3))
    assert error.code == "too_many_columns"
    assert "memiliki 4 kolom, melebihi batas 3 kolom" in error.message


def test_workbook_without_data_is_empty(tmp_path: Path) -> None:
    # given a workbook of two empty sheets
    book = openpyxl.Workbook()
    book.create_sheet("Lembar2")
    path = tmp_path / "kosong.xlsx"
    book.save(path)

    # when it is read, then it is refused as empty
    assert refusal(path).code == "empty"


# --- refusals ------------------------------------------------------------------------------


def test_old_xls_is_refused_with_advice_to_save_as_xlsx(tmp_path: Path) -> None:
    path = write(tmp_path, "data.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))

    error = refusal(path)

    assert error.code == "xls_unsupported"
    assert ".xlsx" in error.message


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 4, b"%PDF-1.7\n" + bytes(100), b"\x01\x02\x03\x04 hello"],
    ids=["random", "pdf", "controls"],
)
def test_binary_junk_is_refused(tmp_path: Path, content: bytes) -> None:
    assert refusal(write(tmp_path, "data.csv", content)).code == "binary"


def test_html_saved_as_xls_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "siks.xls", b"\r\n<html><body><table><tr><td>NIK</td></tr></table>")

    assert refusal(path).code == "unsupported"


@pytest.mark.parametrize(
    "content",
    [b"", b" \r\n\t\n  ", b"\xef\xbb\xbf\n\n", "\ufeff".encode("utf-16")],
    ids=["zero-bytes", "whitespace", "bom-and-blank-lines", "utf16-bom-only"],
)
def test_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    error = refusal(write(tmp_path, "data.csv", content))

    assert error.code == "empty"
    assert error.message == (
        "Berkas data.csv kosong: tidak ada tabel di dalamnya. Pilih berkas yang berisi data, "
        "lalu unggah lagi."
    )


def test_100000_columns_are_refused_from_the_header_alone(tmp_path: Path) -> None:
    # given a header of 100,000 columns
    header = ",".join(f"c{number}" for number in range(100_000))
    path = write(tmp_path, "lebar.csv", f"{header}\n".encode() + b"1," * 99_999 + b"1\n")

    # when it is read
    error = refusal(path)

    # then the count and the limit are in the message
    assert error.code == "too_many_columns"
    assert error.message == (
        "Berkas lebar.csv memiliki 100.000 kolom, melebihi batas 1.000 kolom. Periksa pemisah "
        "kolomnya dan hapus kolom yang tidak dipakai, lalu unggah lagi."
    )


def test_header_line_longer_than_the_limit_is_not_loaded(tmp_path: Path) -> None:
    # given a 3 MB header line of long column names
    header = ";".join(f"kolom_dengan_nama_panjang_{number}" for number in range(100_000))
    path = write(tmp_path, "lebar.csv", header.encode() + b"\n")

    # when it is read
    error = refusal(path)

    # then only the first megabyte was counted
    assert error.code == "too_many_columns"
    assert "memiliki sedikitnya 3" in error.message


def test_long_header_with_few_columns_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "judul.csv", b"nik," + b"n" * 2000 + b"\n1,2\n")

    error = refusal(path, Limits(max_header_bytes=1000))

    assert error.code == "header_too_long"


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    # given a 2 GB file (sparse: no disk used)
    path = tmp_path / "semua.csv"
    with path.open("wb") as file:
        file.truncate(2 * 1024**3)

    # when it is read, then its size and the limit are given with advice
    error = refusal(path)
    assert error.code == "too_large"
    assert error.message == (
        "Berkas semua.csv berukuran 2,0\xa0GB, melebihi batas 1,0\xa0GB per berkas. Pecah data "
        "per kecamatan menjadi beberapa berkas, lalu unggah satu per satu."
    )
