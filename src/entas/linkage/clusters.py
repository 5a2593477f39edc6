"""Clusters of records from scored pairs: the connected components above a threshold."""

from collections.abc import Iterable

import polars as pl


def clusters(pairs: pl.DataFrame, record_ids: Iterable[str], *, threshold: float) -> pl.DataFrame:
    """record_id → cluster_id (the smallest record_id of its connected component)."""
    ids = pl.Series("record_id", list(record_ids), dtype=pl.Utf8)
    edges = pairs.filter(pl.col("match_probability") >= threshold).select(
        "record_id_l", "record_id_r"
    )
    return _components(ids, edges)


def _components(ids: pl.Series, edges: pl.DataFrame) -> pl.DataFrame:
    """Connected components by min-label propagation over the records that have an edge;
    every other record is its own cluster."""
    both = pl.concat(
        [
            edges.select(pl.col("record_id_l").alias("a"), pl.col("record_id_r").alias("b")),
            edges.select(pl.col("record_id_r").alias("a"), pl.col("record_id_l").alias("b")),
        ]
    )
    labels = both.select(pl.col("a").unique().alias("record_id")).with_columns(
        pl.col("record_id").alias("cluster_id")
    )
    while True:
        smallest = (
            both.join(labels, left_on="b", right_on="record_id")
            .group_by("a")
            .agg(pl.col("cluster_id").min().alias("neighbour"))
        )
        updated = labels.join(smallest, left_on="record_id", right_on="a", how="left").select(
            "record_id",
            pl.min_horizontal("cluster_id", "neighbour").alias("cluster_id"),
        )
        changed = updated.join(labels, on="record_id").filter(
            pl.col("cluster_id") != pl.col("cluster_id_right")
        )
        labels = updated
        if changed.is_empty():
            break
    return (
        ids.to_frame()
        .join(labels, on="record_id", how="left")
        .with_columns(pl.coalesce("cluster_id", "record_id").alias("cluster_id"))
        .sort("record_id")
    )
