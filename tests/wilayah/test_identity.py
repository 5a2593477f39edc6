"""NIK and No. KK parsing: the reference vectors, properties of the rules, and W2/W3 warnings.

`nik_test_vectors.csv` is a copy of the project's synthetic reference vectors (reference
data `nik_test_vectors.csv`, constructed from the rules for this project, free to use; no
real person's number). Its expected values assume today = 2026-01-01 and Kepmendagri 2025.
"""

import csv
import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from entas.wilayah.data import national_regions
from entas.wilayah.identity import (
    IdentityResult,
    birth_date_warnings,
    compose_kk,
    compose_nik,
    nik_birth_date_conflicts,
    normalize_number,
    parse_kk,
    parse_nik,
)

TODAY = dt.date(2026, 1, 1)
VECTORS = list(csv.DictReader((Path(__file__).parent / "nik_test_vectors.csv").open()))
KECAMATAN = [(region.code, region.name) for region in national_regions() if region.level == 3]


@pytest.mark.parametrize("vector", VECTORS, ids=[row["input"] for row in VECTORS])
def test_reference_vector(vector: dict[str, str]) -> None:
    # given a reference vector
    parse = parse_nik if vector["kind"] == "NIK" else parse_kk

    # when it is parsed on 2026-01-01
    result = parse(vector["input"], today=TODAY)

    # then every part is exactly as the vector expects
    assert result.valid is (vector["expected_valid"] == "true")
    assert result.error == (vector["expected_error"] or None)
    assert result.region_code == (vector["region_code"] or None)
    assert result.region_name == (vector["region_name"] or None)
    assert result.date == (dt.date.fromisoformat(vector["date"]) if vector["date"] else None)
    assert result.sex == (vector["gender"] or None)
    assert result.serial == (vector["serial"] or None)
    assert result.warnings == tuple(filter(None, vector["warnings"].split(";")))
    assert result.kind == vector["kind"]
    assert result.input == vector["input"]


def test_valid_nik_result_in_full() -> None:
    # given a female NIK written with separators
    # when it is parsed
    result = parse_nik("3374 1057-0890.0002", today=TODAY)

    # then the whole result is as expected
    assert result == IdentityResult(
        input="3374 1057-0890.0002",
        kind="NIK",
        number="3374105708900002",
        valid=True,
        error=None,
        message="",
        region_code="33.74.10",
        region_name="Tembalang",
        date=dt.date(1990, 8, 17),
        sex="P",
        serial="0002",
        warnings=(),
        warning_messages=(),
    )


def test_invalid_nik_keeps_normalised_number_and_message() -> None:
    # given a NIK with serial 0000
    # when it is parsed
    result = parse_nik("3374011705850000", today=TODAY)

    # then it is invalid, with the number kept and an Indonesian sentence, and no parts
    assert result == IdentityResult(
        input="3374011705850000",
        kind="NIK",
        number="3374011705850000",
        valid=False,
        error="serial_zero",
        message="Nomor urut pada NIK (empat angka terakhir) tidak boleh 0000.",
    )


@pytest.mark.parametrize(
    ("value", "parse", "message"),
    [
        ("12345", parse_nik, "NIK harus terdiri dari 16 angka."),
        ("12345", parse_kk, "Nomor KK harus terdiri dari 16 angka."),
        ("1074011705850001", parse_nik, "Dua angka pertama NIK bukan kode provinsi yang dikenal."),
        (
            "3300011705850001",
            parse_kk,
            "Kode kabupaten/kota dan kode kecamatan pada Nomor KK (angka ke-3 sampai ke-6) "
            "tidak boleh 00.",
        ),
        (
            "3374013201900001",
            parse_nik,
            "Tanggal lahir pada NIK (angka ke-7 dan ke-8) harus 01–31 untuk laki-laki "
            "atau 41–71 untuk perempuan.",
        ),
        (
            "3374142902010001",
            parse_nik,
            "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) bukan tanggal yang ada.",
        ),
        (
            "3374015705150003",
            parse_kk,
            "Tanggal penerbitan pada Nomor KK (angka ke-7 sampai ke-12) bukan tanggal yang ada.",
        ),
    ],
)
def test_error_messages(value: str, parse: Callable[..., IdentityResult], message: str) -> None:
    # given an invalid number
    # when it is parsed
    result = parse(value, today=TODAY)

    # then the message is the full Indonesian sentence
    assert result.message == message


def test_nik_integer_input_is_accepted() -> None:
    # given a NIK that arrived as an integer (e.g. from a spreadsheet cell)
    # when it is parsed
    result = parse_nik(3374011705850001, today=TODAY)

    # then it is read as the same digits
    assert (result.valid, result.number, result.input) == (
        True,
        "3374011705850001",
        "3374011705850001",
    )


def test_nik_damaged_by_float_is_format_error() -> None:
    # given a NIK that went through a float
    # when it is parsed
    result = parse_nik(3.374011705850001e15, today=TODAY)

    # then it is rejected as not 16 digits
    assert (result.valid, result.error, result.number) == (False, "format", None)


def test_nik_birth_date_later_this_year_warns_future() -> None:
    # given a NIK with YY = today's YY but a later day
    # when it is parsed on 2026-01-01
    result = parse_nik("3374011705260001", today=TODAY)

    # then it is valid, in 2026, with a W3 warning
    assert (result.valid, result.date, result.warnings, result.warning_messages) == (
        True,
        dt.date(2026, 5, 17),
        ("birth_date_in_future",),
        ("Tanggal lahir berada di masa depan.",),
    )


def test_kk_issue_date_in_future_warns() -> None:
    # given a KK whose issue date is after today
    # when it is parsed
    result = parse_kk("3374011002260001", today=TODAY)

    # then it is valid with the issue-date warning
    assert (result.valid, result.date, result.sex, result.warnings) == (
        True,
        dt.date(2026, 2, 10),
        None,
        ("issue_date_in_future",),
    )


def test_century_follows_today() -> None:
    # given the same NIK read on two different days
    # when parsed in 2026 and in 2024
    in_2026 = parse_nik("3374011705250001", today=TODAY)
    in_2024 = parse_nik("3374011705250001", today=dt.date(2024, 6, 1))

    # then YY 25 is 2025 in 2026 but 1925 in 2024
    assert (in_2026.date, in_2024.date) == (dt.date(2025, 5, 17), dt.date(1925, 5, 17))


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (dt.date(1916, 1, 1), ()),
        (dt.date(1915, 1, 2), ()),
        (dt.date(1915, 1, 1), ("age_implausible",)),
        (dt.date(2026, 1, 1), ()),
        (dt.date(2026, 1, 2), ("birth_date_in_future",)),
    ],
)
def test_birth_date_warnings(born: dt.date, expected: tuple[str, ...]) -> None:
    # given a recorded birth date
    # when checked on 2026-01-01
    # then ages up to 110 and today itself pass; 111 (born 1915-01-01) or the future warn
    assert birth_date_warnings(born, today=TODAY) == expected


@pytest.mark.parametrize(
    ("birth_date", "sex", "expected"),
    [
        (dt.date(1990, 8, 17), "P", ()),
        (dt.date(1890, 8, 17), "P", ()),
        (dt.date(1990, 8, 18), "P", ("nik_birth_date_mismatch",)),
        (dt.date(1990, 8, 17), "L", ("nik_sex_mismatch",)),
        (dt.date(1991, 8, 17), "L", ("nik_birth_date_mismatch", "nik_sex_mismatch")),
        (None, None, ()),
    ],
)
def test_nik_birth_date_conflicts(
    birth_date: dt.date | None, sex: str | None, expected: tuple[str, ...]
) -> None:
    # given a woman's NIK born 17-08-1990 and the recorded birth date and sex
    # when they are compared (as DDMMYY: the NIK has no century)
    # then each disagreement is one W2 warning
    assert nik_birth_date_conflicts("3374105708900002", birth_date, sex) == expected


def test_nik_birth_date_conflicts_ignores_unreadable_nik() -> None:
    # given a NIK whose date part cannot be read
    # when compared with recorded values
    # then there is nothing to compare (parse_nik reports the error)
    assert nik_birth_date_conflicts("3374017201900001", dt.date(1990, 1, 1), "L") == ()


def test_compose_refuses_bad_parts() -> None:
    # given parts that cannot make a number
    # when composing
    # then a ValueError names the problem
    with pytest.raises(ValueError, match="sex must be"):
        compose_nik(region6="337401", birth_date=TODAY, sex="X", serial=1)
    with pytest.raises(ValueError, match="region6 must be six digits"):
        compose_kk(region6="3374", issue_date=TODAY, serial=1)
    with pytest.raises(ValueError, match="serial must be 1-9999"):
        compose_kk(region6="33.74.01", issue_date=TODAY, serial=10000)


@st.composite
def today_and_date(draw: st.DrawFn) -> tuple[dt.date, dt.date]:
    """A reference day this century and a real date at most 99 years before it."""
    today = draw(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
    earliest = dt.date(today.year - 99, 1, 1)
    return today, draw(st.dates(min_value=earliest, max_value=today))


@given(
    region=st.sampled_from(KECAMATAN),
    days=today_and_date(),
    sex=st.sampled_from(["L", "P"]),
    serial=st.integers(1, 9999),
)
def test_composed_nik_parses_back(
    region: tuple[str, str], days: tuple[dt.date, dt.date], sex: str, serial: int
) -> None:
    # given a NIK composed from a known kecamatan, a real birth date, sex and serial
    today, born = days
    nik = compose_nik(region6=region[0], birth_date=born, sex=sex, serial=serial)

    # when it is parsed
    result = parse_nik(nik, today=today)

    # then it gives back exactly its parts
    assert result == IdentityResult(
        input=nik,
        kind="NIK",
        number=nik,
        valid=True,
        error=None,
        message="",
        region_code=region[0],
        region_name=region[1],
        date=born,
        sex=sex,
        serial=f"{serial:04d}",
    )


@given(region=st.sampled_from(KECAMATAN), days=today_and_date(), serial=st.integers(1, 9999))
def test_composed_kk_parses_back(
    region: tuple[str, str], days: tuple[dt.date, dt.date], serial: int
) -> None:
    # given a No. KK composed from a known kecamatan, a real issue date and serial
    today, issued = days
    kk = compose_kk(region6=region[0], issue_date=issued, serial=serial)

    # when it is parsed
    result = parse_kk(kk, today=today)

    # then it gives back exactly its parts
    assert result == IdentityResult(
        input=kk,
        kind="KK",
        number=kk,
        valid=True,
        error=None,
        message="",
        region_code=region[0],
        region_name=region[1],
        date=issued,
        sex=None,
        serial=f"{serial:04d}",
    )


@given(
    region=st.sampled_from(KECAMATAN),
    born=st.dates(min_value=dt.date(1927, 1, 1), max_value=TODAY),
    sex=st.sampled_from(["L", "P"]),
    gaps=st.lists(st.text(alphabet=" .-\t", max_size=3), min_size=17, max_size=17),
)
def test_separators_anywhere_are_stripped(
    region: tuple[str, str], born: dt.date, sex: str, gaps: list[str]
) -> None:
    # given a valid NIK with spaces, dots, dashes or tabs around any digit
    nik = compose_nik(region6=region[0], birth_date=born, sex=sex, serial=1)
    written = "".join(gap + digit for gap, digit in zip(gaps, nik, strict=False)) + gaps[16]

    # when it is parsed
    result = parse_nik(written, today=TODAY)

    # then it reads as the plain NIK
    assert result == dataclasses.replace(parse_nik(nik, today=TODAY), input=written)


@given(
    value=st.one_of(
        st.text(),
        st.text(alphabet="0123456789", max_size=40).filter(lambda text: len(text) != 16),
        st.integers(),
    )
)
def test_anything_but_sixteen_digits_is_format_error(value: object) -> None:
    # given a value that is not 16 ASCII digits once separators are removed
    assume(not re.fullmatch(r"[0-9]{16}", normalize_number(value)))

    # when it is parsed as NIK and as KK
    nik, kk = parse_nik(value, today=TODAY), parse_kk(value, today=TODAY)

    # then both are format errors with no number
    assert (nik.valid, nik.error, nik.number) == (False, "format", None)
    assert (kk.valid, kk.error, kk.number) == (False, "format", None)
