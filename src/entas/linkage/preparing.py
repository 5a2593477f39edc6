"""Records as the linkage model compares them: a person as any source lists them (the
`COLUMNS`, all text, any may be blank), normalised the Indonesian way (see `normalise`),
with the keys the model blocks on and compares (`PREPARED_COLUMNS`)."""

from pathlib import Path
from typing import Any

import polars as pl

from entas.linkage import normalise

COLUMNS = (
    "record_id",
    "nik",
    "full_name",
    "birth_date",
    "sex",
    "birth_place",
    "address",
    "kelurahan_code",
    "mother_name",
    "kk_number",
)
# What `prepare` adds and the model reads.
PREPARED_COLUMNS = (
    "record_id",
    "nik",
    "name",
    "name_sorted",
    "name_first",
    "name_last",
    "name_tokens",
    "birth_date",
    "birth_year",
    "sex",
    "birth_place",
    "street",
    "rt_rw",
    "kelurahan_code",
    "kecamatan_code",
    "mother_name",
    "kk_number",
)


class LinkageInputError(ValueError):
    """A persons file the engine cannot read; the message is for people (Indonesian)."""


# --- preparing records --------------------------------------------------------------------


def _text(name: str) -> pl.Expr:
    value = pl.col(name).cast(pl.Utf8).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value)


def _nik(name: str) -> pl.Expr:
    """A NIK the model may trust: 16 digits, a region, a day 1–71 and a month 1–12."""
    value = pl.col(name).cast(pl.Utf8).str.replace_all(r"[\s.'`-]", "")
    day = value.str.slice(6, 2).cast(pl.Int32, strict=False)
    month = value.str.slice(8, 2).cast(pl.Int32, strict=False)
    plausible = (
        value.str.contains(r"^[1-9][0-9]{15}$")
        & day.is_between(1, 71)
        & (day % 40).is_between(1, 31)
        & month.is_between(1, 12)
        & (value.str.slice(12, 4) != "0000")
    )
    return pl.when(plausible).then(value).otherwise(None)


def _birth_date(name: str) -> pl.Expr:
    value = pl.col(name).cast(pl.Utf8).str.strip_chars().str.slice(0, 10)
    parsed = value.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    return parsed.cast(pl.Utf8)


def _sex(name: str) -> pl.Expr:
    value = pl.col(name).cast(pl.Utf8).str.strip_chars().str.to_uppercase()
    return (
        pl.when(value.is_in(["L", "LAKI-LAKI", "1", "M"]))
        .then(pl.lit("L"))
        .when(value.is_in(["P", "PEREMPUAN", "2", "F", "W"]))
        .then(pl.lit("P"))
        .otherwise(None)
    )


def _kelurahan(name: str) -> pl.Expr:
    digits = pl.col(name).cast(pl.Utf8).str.replace_all(r"[^0-9]", "")
    dotted = pl.concat_str(
        [
            digits.str.slice(0, 2),
            digits.str.slice(2, 2),
            digits.str.slice(4, 2),
            digits.str.slice(6),
        ],
        separator=".",
    )
    return pl.when(digits.str.len_chars() == 10).then(dotted).otherwise(None)


def _null_if_empty(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == "").then(None).otherwise(expr)


def prepare(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Records in `COLUMNS` (missing columns allowed) → the normalised `PREPARED_COLUMNS`."""
    lazy = frame.lazy()
    present = set(lazy.collect_schema().names())
    if "record_id" not in present:
        raise LinkageInputError("Kolom record_id wajib ada.")
    lazy = lazy.with_columns(
        pl.lit(None, pl.Utf8).alias(column) for column in COLUMNS if column not in present
    )
    raw: Any = lazy.select(
        pl.col("record_id").cast(pl.Utf8).str.strip_chars(),
        _nik("nik").alias("nik"),
        pl.col("full_name").cast(pl.Utf8),
        _birth_date("birth_date").alias("birth_date"),
        _sex("sex").alias("sex"),
        pl.col("birth_place").cast(pl.Utf8),
        pl.col("address").cast(pl.Utf8),
        pl.col("kelurahan_code").cast(pl.Utf8),
        pl.col("mother_name").cast(pl.Utf8),
        _text("kk_number").str.replace_all(r"\D", "").alias("kk_number"),
    )
    try:
        raw = raw.collect()
    except pl.exceptions.PolarsError as error:
        raise LinkageInputError(f"Data tidak dapat dibaca: {error}.") from error
    # Names, places, addresses and kelurahan repeat (a city has far fewer names than
    # people), so each distinct value is normalised once.
    value = pl.col("v")
    name = _null_if_empty(normalise.name_expr(value))
    tokens = name.str.split(" ")
    derived = [
        _distinct(
            raw,
            "full_name",
            {
                "name": name,
                "name_tokens": tokens,
                "name_sorted": tokens.list.sort().list.join(" "),
                "name_first": tokens.list.first(),
                "name_last": tokens.list.last(),
            },
        ),
        _distinct(raw, "birth_place", {"birth_place": name}),
        _distinct(raw, "mother_name", {"mother_name": name}),
        _distinct(
            raw,
            "address",
            {
                "street": _null_if_empty(normalise.address_expr(value)),
                "rt_rw": pl.concat_str(
                    [normalise.rt_expr(value), normalise.rw_expr(value)], separator="/"
                ),
            },
        ),
        _distinct(
            raw,
            "kelurahan_code",
            {"kelurahan_code": _kelurahan("v"), "kecamatan_code": _kelurahan("v").str.slice(0, 8)},
        ),
    ]
    prepared = (
        pl.concat(
            [raw.select("record_id", "nik", "birth_date", "sex", "kk_number"), *derived],
            how="horizontal",
        )
        .with_columns(
            pl.col("birth_date").str.slice(0, 4).alias("birth_year"),
            pl.when(pl.col("rt_rw") == "/").then(None).otherwise(pl.col("rt_rw")).alias("rt_rw"),
            pl.when(pl.col("kk_number").str.len_chars() == 16)
            .then(pl.col("kk_number"))
            .otherwise(None)
            .alias("kk_number"),
        )
        .select(PREPARED_COLUMNS)
    )
    if prepared["record_id"].null_count() or (prepared["record_id"] == "").any():
        raise LinkageInputError("Ada baris tanpa record_id.")
    if prepared["record_id"].n_unique() != prepared.height:
        duplicated = prepared["record_id"].filter(prepared["record_id"].is_duplicated())
        raise LinkageInputError(f"record_id harus unik; berulang: {duplicated[0]}.")
    return prepared


def address_with_rt_rw(address: pl.Expr, rt: pl.Expr, rw: pl.Expr) -> pl.Expr:
    """One address text from a source's separate columns ("Jl. X No. 5 RT 3 RW 2"), the way
    other sources write it in one cell; blank parts are left out, all blank is null."""

    def part(label: str, value: pl.Expr) -> pl.Expr:
        value = value.cast(pl.Utf8).str.strip_chars()
        return pl.when(value != "").then(pl.lit(label) + value)

    text = pl.concat_str(
        [part("", address), part("RT ", rt), part("RW ", rw)], separator=" ", ignore_nulls=True
    )
    return pl.when(text != "").then(text)


def _distinct(frame: pl.DataFrame, column: str, outputs: dict[str, pl.Expr]) -> pl.DataFrame:
    """`outputs` (expressions on a column named "v") computed once per distinct value of
    `column` and spread back over the rows, in row order; a null value gives nulls."""
    values = frame.select(pl.col(column).unique().drop_nulls().alias("v"))
    mapped = values.with_columns(expr.alias(name) for name, expr in outputs.items())
    return (
        frame.select(pl.col(column).alias("v"))
        .join(mapped, on="v", how="left", maintain_order="left")
        .select(list(outputs))
    )


def read_persons(path: Path) -> pl.LazyFrame:
    """A persons CSV (header row, comma or semicolon, UTF-8) as text columns, read lazily:
    only the known columns are ever held, once, by `prepare`."""
    try:
        with path.open(encoding="utf-8-sig") as file:
            head = file.readline()
    except (OSError, UnicodeDecodeError) as error:
        raise LinkageInputError(f"Berkas {path.name} tidak dapat dibaca: {error}.") from error
    separator = ";" if head.count(";") > head.count(",") else ","
    try:
        frame = pl.scan_csv(path, separator=separator, infer_schema=False, encoding="utf8-lossy")
        names = frame.collect_schema().names()
    except pl.exceptions.PolarsError as error:
        raise LinkageInputError(f"Berkas {path.name} bukan CSV yang sah: {error}.") from error
    renamed = {name: name.strip().lstrip("\ufeff").lower() for name in names}
    frame = frame.rename(renamed)
    known = [name for name in renamed.values() if name in COLUMNS]
    if "record_id" not in known:
        raise LinkageInputError(f"Berkas {path.name} tidak punya kolom record_id.")
    return frame.select(known)
