"""NIK and No. KK for synthetic persons and families, unique in bounded memory.

A serial is unique per 12-digit prefix (region, date): the issuer counts, for every region
it issues in and every `DDMMYY`, how many numbers it gave out — a fixed-size array, whatever
the number of persons. Serials stay at or below `MAX_SERIAL`, which makes every number
above it (or with an impossible date or a foreign region) one the issuer can never give:
the typos of `numbers_with_typo` are drawn from that space, so a registry can hold them
beside the real numbers without breaking "an active NIK is unique".
"""

import datetime as dt
from array import array
from collections.abc import Callable, Sequence
from random import Random

from entas.wilayah.identity import compose_kk, compose_nik

MAX_SERIAL = 999
DATE_SLOTS = 100 * 12 * 31  # YY, MM, DD: the century is not part of the number
TYPO_ATTEMPTS = 12


def _date_slot(day: int, month: int, year: int) -> int:
    return ((year % 100) * 12 + month - 1) * 31 + day - 1


class NumberIssuer:
    def __init__(self, regions6: Sequence[str]) -> None:
        self._regions = {code: index for index, code in enumerate(regions6)}
        self._nik_counts = array("H", bytes(2 * len(regions6) * DATE_SLOTS * 2))
        self._kk_counts = array("H", bytes(2 * len(regions6) * DATE_SLOTS))

    def nik(self, *, region6: str, birth_date: dt.date, sex: str) -> str:
        slot = (
            self._regions[region6] * DATE_SLOTS
            + _date_slot(birth_date.day, birth_date.month, birth_date.year)
        ) * 2 + (sex == "P")
        serial = self._next(self._nik_counts, slot)
        return compose_nik(region6=region6, birth_date=birth_date, sex=sex, serial=serial)

    def kk(self, *, region6: str, issue_date: dt.date) -> str:
        slot = self._regions[region6] * DATE_SLOTS + _date_slot(
            issue_date.day, issue_date.month, issue_date.year
        )
        return compose_kk(
            region6=region6, issue_date=issue_date, serial=self._next(self._kk_counts, slot)
        )

    def can_issue(self, number: str) -> bool:
        """Whether this issuer could give out `number`, now or later (False means never)."""
        if len(number) != 16 or not number.isdigit() or number[:6] not in self._regions:
            return False
        day, month, serial = int(number[6:8]), int(number[8:10]), int(number[12:])
        day_ok = 1 <= day <= 31 or 41 <= day <= 71
        return day_ok and 1 <= month <= 12 and 1 <= serial <= MAX_SERIAL

    @staticmethod
    def _next(counts: array, slot: int) -> int:
        serial = counts[slot] + 1
        if serial > MAX_SERIAL:
            raise OverflowError(f"More than {MAX_SERIAL} numbers for one region and date.")
        counts[slot] = serial
        return serial


def number_with_digit_typo(number: str, rng: Random, can_issue: Callable[[str], bool]) -> str:
    """One digit changed, into a number that cannot belong to anyone else."""
    for _attempt in range(TYPO_ATTEMPTS):
        position = rng.randrange(16)
        digit = str((int(number[position]) + rng.randrange(1, 10)) % 10)
        candidate = number[:position] + digit + number[position + 1 :]
        if not can_issue(candidate):
            return candidate
    # The first serial digit is 0 in every issued number: any other digit is safe.
    return number[:12] + str(rng.randrange(1, 10)) + number[13:]


def number_with_transposition(
    number: str, rng: Random, can_issue: Callable[[str], bool]
) -> str | None:
    """Two neighbouring digits swapped, into a number that cannot belong to anyone else."""
    positions = [index for index in range(15) if number[index] != number[index + 1]]
    rng.shuffle(positions)
    for index in positions[:TYPO_ATTEMPTS]:
        candidate = number[:index] + number[index + 1] + number[index] + number[index + 2 :]
        if not can_issue(candidate):
            return candidate
    return None


def number_through_excel(number: str, rng: Random) -> str:
    """What a spreadsheet makes of a 16-digit number typed as a number.

    Floating point keeps 15 significant digits (the last becomes 0), a narrow column shows
    `3,37401E+15`, and a cell formatted as text after the fact has lost its first digits.
    """
    roll = rng.random()
    if roll < 0.4 and number[-1] != "0":
        return number[:15] + "0"
    if roll < 0.75:
        separator = "," if rng.random() < 0.5 else "."
        return f"{number[0]}{separator}{number[1:6]}E+15"
    return number[rng.choice((1, 2)) :]
