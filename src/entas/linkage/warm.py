"""The warm path: a registry held in memory for matching a few new records in milliseconds."""

from typing import Any

import polars as pl

from entas.linkage.engine import Matcher
from entas.linkage.preparing import PREPARED_COLUMNS


class WarmIndex:
    """A registry held in memory with one lookup table per blocking rule, for matching a
    few new records (an import's unknown persons, a citizen's report) in milliseconds.

    The blocking keys are those of `prediction_rules`, so the warm path sees the same
    candidates as a full run would.
    """

    KEYS: tuple[tuple[str, ...], ...] = (
        ("nik",),
        ("birth_date", "kecamatan_code"),
        ("name_sorted", "kelurahan_code"),
        ("birth_date", "name_first"),
        ("birth_date", "name_last"),
    )

    def __init__(self, matcher: Matcher, registry: pl.DataFrame) -> None:
        self.matcher = matcher
        self.registry = registry.select(PREPARED_COLUMNS)
        numbered = self.registry.with_row_index("_at")
        self.lookups: list[dict[Any, list[int]]] = []
        for key in self.KEYS:
            groups = numbered.drop_nulls(list(key)).group_by(list(key)).agg(pl.col("_at"))
            columns = [groups[name].to_list() for name in key]
            rows = groups["_at"].to_list()
            self.lookups.append(dict(zip(zip(*columns, strict=True), rows, strict=True)))

    def __len__(self) -> int:
        return self.registry.height

    def candidates(self, prepared: pl.DataFrame) -> pl.DataFrame:
        """Every (new record, registry record) pair a blocking rule produces, once."""
        new_rows: list[int] = []
        registry_rows: list[int] = []
        for key, lookup in zip(self.KEYS, self.lookups, strict=True):
            values = zip(*(prepared[name].to_list() for name in key), strict=True)
            for index, value in enumerate(values):
                found = lookup.get(value) if None not in value else None
                if found:
                    new_rows.extend([index] * len(found))
                    registry_rows.extend(found)
        pairs = pl.DataFrame(
            {"n": new_rows, "r": registry_rows}, schema={"n": pl.UInt32, "r": pl.UInt32}
        ).unique()
        left = prepared[pairs["n"]].rename(lambda c: f"{c}_l")
        right = self.registry[pairs["r"]].rename(lambda c: f"{c}_r")
        return pl.concat([left, right], how="horizontal")

    def match(self, prepared: pl.DataFrame, *, threshold: float) -> pl.DataFrame:
        """Pairs (new record on the left) at or above `threshold`, and same-NIK pairs."""
        pairs = self.candidates(prepared)
        scored = self.matcher.score(pairs).select(
            "record_id_l", "record_id_r", "match_probability", "match_weight"
        )
        # The rules read the candidates' keys only, never the whole registry.
        keys = ("record_id", "nik", "birth_date", "sex")
        found = pairs.select(pl.col(f"{key}_r").alias(key) for key in keys).unique("record_id")
        return self.matcher._with_rules(scored, prepared, found, threshold)
