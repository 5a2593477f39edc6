"""Period codes people write: ``2025-01`` (a month), ``2025-Q2`` (a quarter), ``2025`` (a year)."""

import calendar
import datetime as dt
import re

from django.utils.translation import gettext as _

MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip
QUARTERS = ("I", "II", "III", "IV")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
YEAR = re.compile(r"^(\d{4})$")


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period_from_code(code: str) -> tuple[str, dt.date, dt.date] | None:
    """(name, first day, last day) for a month, quarter or year code; None for other codes."""
    if found := MONTH.match(code):
        year, month = int(found[1]), int(found[2])
        return f"{MONTHS[month - 1]} {year}", dt.date(year, month, 1), _last_day(year, month)
    if found := QUARTER.match(code):
        year, quarter = int(found[1]), int(found[2])
        first = 3 * quarter - 2
        name = _("Triwulan %(q)s %(year)s") % {"q": QUARTERS[quarter - 1], "year": year}
        return name, dt.date(year, first, 1), _last_day(year, first + 2)
    if found := YEAR.match(code):
        year = int(found[1])
        return _("Tahun %(year)s") % {"year": year}, dt.date(year, 1, 1), dt.date(year, 12, 31)
    return None
