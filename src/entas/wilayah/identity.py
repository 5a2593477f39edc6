"""NIK and No. KK: the one module that parses and validates them.

Both are 16 digits: 6 for the region where the number was first issued (`PP KK CC`,
Kemendagri codes), 6 for a date `DDMMYY`, 4 for a serial from `0001`. In a NIK the date is
the birth date and women's day is increased by 40; in a No. KK it is the issue date with no
offset. There is no check digit.

Errors make a number invalid: `format` (not 16 digits once spaces, dots and dashes are
removed), `province_unknown`, `region_zero` (kab/kota or kecamatan `00`), `birth_day`,
`birth_date`, `issue_date`, `serial_zero`. Warnings do not: a region missing from the
current Kemendagri list is usually an old code from before a pemekaran, and the NIK keeps
it for life. The century is not in the number: `YY` up to today's `YY` is this century,
anything above is the previous one.

Region names come from the national list shipped in `entas.wilayah.data`, not from the
database, so parsing works before any migration.
"""

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _

from entas.wilayah.data import national_regions

NIK = "NIK"
KK = "KK"
FEMALE_DAY_OFFSET = 40
MAX_PLAUSIBLE_AGE = 110
SEXES = ("L", "P")

_SEPARATORS = re.compile(r"[\s.\-]")
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_SIX_DIGITS = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class IdentityResult:
    """What a NIK or No. KK says. Region, date, sex and serial are set only when valid."""

    input: str
    kind: str
    number: str | None
    valid: bool
    error: str | None
    message: str
    region_code: str | None = None
    region_name: str | None = None
    date: dt.date | None = None
    sex: str | None = None
    serial: str | None = None
    warnings: tuple[str, ...] = ()
    warning_messages: tuple[str, ...] = ()


def normalize_number(value: object) -> str:
    """The text of `value` without whitespace, dots and dashes (`33.7401 170585-0001`)."""
    return _SEPARATORS.sub("", str(value).strip())


def parse_nik(value: object, *, today: dt.date | None = None) -> IdentityResult:
    return _parse(value, kind=NIK, today=today or timezone.localdate())


def parse_kk(value: object, *, today: dt.date | None = None) -> IdentityResult:
    return _parse(value, kind=KK, today=today or timezone.localdate())


def compose_nik(*, region6: str, birth_date: dt.date, sex: str, serial: int) -> str:
    """The NIK with these parts (`region6` as `337401` or `33.74.01`); the inverse of parse_nik."""
    if sex not in SEXES:
        raise ValueError(f"sex must be 'L' or 'P', not {sex!r}.")
    day = birth_date.day + (FEMALE_DAY_OFFSET if sex == "P" else 0)
    return _compose(region6, day=day, when=birth_date, serial=serial)


def compose_kk(*, region6: str, issue_date: dt.date, serial: int) -> str:
    """The No. KK with these parts; the inverse of parse_kk."""
    return _compose(region6, day=issue_date.day, when=issue_date, serial=serial)


def nik_birth_date_conflicts(
    nik: str, birth_date: dt.date | None, sex: str | None
) -> tuple[str, ...]:
    """Where a NIK disagrees with the recorded birth date and sex (warnings, never errors).

    Dates are compared as `DDMMYY` because the NIK has no century. A NIK whose day digits
    are not a day (01–31 or 41–71) has nothing to compare and yields no warning; parse_nik
    reports it as an error.
    """
    number = normalize_number(nik)
    nik_sex = _sex_of(number) if _SIXTEEN_DIGITS.fullmatch(number) else None
    if nik_sex is None:
        return ()
    conflicts: list[str] = []
    if birth_date is not None and _plain_date_digits(number) != f"{birth_date:%d%m%y}":
        conflicts.append("nik_birth_date_mismatch")
    if sex in SEXES and sex != nik_sex:
        conflicts.append("nik_sex_mismatch")
    return tuple(conflicts)


def birth_date_warnings(born: dt.date, *, today: dt.date) -> tuple[str, ...]:
    """W3 for any birth date (from a NIK or recorded): in the future, or older than 110."""
    if born > today:
        return ("birth_date_in_future",)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return ("age_implausible",) if age > MAX_PLAUSIBLE_AGE else ()


def warning_message(code: str) -> str:
    """The Indonesian sentence for a warning code."""
    messages = {
        "region_not_in_current_kemendagri": _(
            "Kode wilayah pada nomor ini tidak ada dalam daftar Kemendagri terbaru; "
            "bisa jadi kode lama dari sebelum pemekaran wilayah."
        ),
        "birth_date_in_future": _("Tanggal lahir berada di masa depan."),
        "age_implausible": _("Umur menurut tanggal lahir lebih dari 110 tahun."),
        "issue_date_in_future": _("Tanggal penerbitan Nomor KK berada di masa depan."),
        "nik_birth_date_mismatch": _(
            "Tanggal lahir yang tercatat berbeda dengan tanggal lahir pada NIK."
        ),
        "nik_sex_mismatch": _("Jenis kelamin yang tercatat berbeda dengan jenis kelamin pada NIK."),
    }
    return messages[code]


def region_name(region_code: str) -> str | None:
    """The name of a provinsi, kabupaten/kota or kecamatan in the national list."""
    return _region_names().get(region_code)


@lru_cache(maxsize=1)
def _region_names() -> dict[str, str]:
    return {region.code: region.name for region in national_regions() if region.level <= 3}


def _parse(value: object, *, kind: str, today: dt.date) -> IdentityResult:
    text = str(value)
    number = normalize_number(value)
    if not _SIXTEEN_DIGITS.fullmatch(number):
        return _invalid(text, kind=kind, number=None, error="format")
    error = _region_error(number) or _date_error(number, kind, today) or _serial_error(number)
    if error:
        return _invalid(text, kind=kind, number=number, error=error)
    return _valid(text, kind=kind, number=number, today=today)


def _region_error(number: str) -> str | None:
    if region_name(number[:2]) is None:
        return "province_unknown"
    if number[2:4] == "00" or number[4:6] == "00":
        return "region_zero"
    return None


def _date_error(number: str, kind: str, today: dt.date) -> str | None:
    if kind == NIK and _sex_of(number) is None:
        return "birth_day"
    if _embedded_date(number, kind, today) is None:
        return "birth_date" if kind == NIK else "issue_date"
    return None


def _serial_error(number: str) -> str | None:
    return "serial_zero" if number[12:] == "0000" else None


def _sex_of(number: str) -> str | None:
    day = int(number[6:8])
    if 1 <= day <= 31:
        return "L"
    if FEMALE_DAY_OFFSET + 1 <= day <= FEMALE_DAY_OFFSET + 31:
        return "P"
    return None


def _plain_date_digits(number: str) -> str:
    """The `DDMMYY` of a NIK with women's +40 removed from the day."""
    day = int(number[6:8])
    if day > FEMALE_DAY_OFFSET:
        day -= FEMALE_DAY_OFFSET
    return f"{day:02d}{number[8:12]}"


def _embedded_date(number: str, kind: str, today: dt.date) -> dt.date | None:
    digits = _plain_date_digits(number) if kind == NIK else number[6:12]
    year = _century_year(int(digits[4:6]), today)
    try:
        return dt.date(year, int(digits[2:4]), int(digits[0:2]))
    except ValueError:
        return None


def _century_year(two_digits: int, today: dt.date) -> int:
    century = today.year - today.year % 100
    return century + two_digits if two_digits <= today.year % 100 else century - 100 + two_digits


def _compose(region6: str, *, day: int, when: dt.date, serial: int) -> str:
    region = normalize_number(region6)
    if not _SIX_DIGITS.fullmatch(region):
        raise ValueError(f"region6 must be six digits, not {region6!r}.")
    if not 1 <= serial <= 9999:
        raise ValueError(f"serial must be 1-9999, not {serial}.")
    return f"{region}{day:02d}{when:%m%y}{serial:04d}"


def _invalid(text: str, *, kind: str, number: str | None, error: str) -> IdentityResult:
    message = _error_message(error, kind)
    return IdentityResult(
        input=text, kind=kind, number=number, valid=False, error=error, message=message
    )


def _valid(text: str, *, kind: str, number: str, today: dt.date) -> IdentityResult:
    region_code = f"{number[0:2]}.{number[2:4]}.{number[4:6]}"
    name = region_name(region_code)
    when = _embedded_date(number, kind, today)
    assert when is not None  # _date_error has accepted it
    region_warnings = () if name else ("region_not_in_current_kemendagri",)
    warnings = region_warnings + _date_warnings(when, kind, today)
    return IdentityResult(
        input=text,
        kind=kind,
        number=number,
        valid=True,
        error=None,
        message="",
        region_code=region_code,
        region_name=name,
        date=when,
        sex=_sex_of(number) if kind == NIK else None,
        serial=number[12:],
        warnings=warnings,
        warning_messages=tuple(warning_message(code) for code in warnings),
    )


def _date_warnings(when: dt.date, kind: str, today: dt.date) -> tuple[str, ...]:
    if kind == NIK:
        return birth_date_warnings(when, today=today)
    return ("issue_date_in_future",) if when > today else ()


def error_message(error: str, kind: str) -> str:
    """The Indonesian sentence for a NIK or No. KK error code (`kind` NIK or KK)."""
    return _error_message(error, kind)


def _error_message(error: str, kind: str) -> str:
    messages = {
        "format": _("%(label)s harus terdiri dari 16 angka."),
        "province_unknown": _("Dua angka pertama %(label)s bukan kode provinsi yang dikenal."),
        "region_zero": _(
            "Kode kabupaten/kota dan kode kecamatan pada %(label)s (angka ke-3 sampai ke-6) "
            "tidak boleh 00."
        ),
        "birth_day": _(
            "Tanggal lahir pada NIK (angka ke-7 dan ke-8) harus 01–31 untuk laki-laki "
            "atau 41–71 untuk perempuan."
        ),
        "birth_date": _("Tanggal lahir pada NIK (angka ke-7 sampai ke-12) bukan tanggal yang ada."),
        "issue_date": _(
            "Tanggal penerbitan pada Nomor KK (angka ke-7 sampai ke-12) bukan tanggal yang ada."
        ),
        "serial_zero": _("Nomor urut pada %(label)s (empat angka terakhir) tidak boleh 0000."),
    }
    return messages[error] % {"label": _("NIK") if kind == NIK else _("Nomor KK")}
