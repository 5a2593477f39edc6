from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate
from random import Random
from typing import Generic, TypeVar

T = TypeVar("T")


def pick(rng: Random, values: Sequence[T]) -> T:
    """`rng.choice(values)`, three times faster (the stream differs)."""
    return values[int(rng.random() * len(values))]


def between(rng: Random, low: int, high: int) -> int:
    """`rng.randint(low, high)`, three times faster (the stream differs)."""
    return low + int(rng.random() * (high - low + 1))


class Weighted(Generic[T]):
    """A weighted choice drawn with one random number (several times faster than choices)."""

    __slots__ = ("_bounds", "_total", "_values")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        values, weights = zip(*pairs, strict=True)
        cumulative = list(accumulate(float(weight) for weight in weights))
        if cumulative[-1] <= 0:
            raise ValueError("At least one weight must be positive.")
        self._values: Sequence[T] = values
        self._bounds = cumulative[:-1]
        self._total = cumulative[-1]

    def __call__(self, rng: Random) -> T:
        return self._values[bisect_right(self._bounds, rng.random() * self._total)]


def tiered(table: dict[T, Sequence[float]]) -> tuple[Weighted[T], ...]:
    """One Weighted per column of a {value: (weight in tier 0, tier 1, ...)} table."""
    tiers = len(next(iter(table.values())))
    return tuple(
        Weighted((value, weights[tier]) for value, weights in table.items())
        for tier in range(tiers)
    )
