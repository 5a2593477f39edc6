"""Parse and validate: files → one frame of accepted persons, one of families, and errors.

Stages, each over whole columns (Polars): read the file (`readers`), map headers
(`schema.match_headers`), clean every mapped cell (`cleaning`), then the checks that need
several rows: a NIK twice in the file, one head per family, members sharing the No. KK,
the family's kelurahan inside the deployment. A bad cell rejects its row only; a bad head
rejects its family (a family without a valid head cannot be registered). Rows of families
outside the deployment are set apart as out of area, not rejected.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from entas.imports import cleaning, readers, schema
from entas.imports.models import RowErrorKind
from entas.imports.schema import HOUSEHOLD, PERSON, HeaderMatch

ROW = "_row"
FILE = "_file"
FKEY = "_fkey"
ERROR_COLUMNS = ["file_name", "row_number", "column", "value", "kind", "code", "message"]
PERSON_FIELDS = [f.name for f in schema.FIELDS if f.level == PERSON]
HOUSEHOLD_FIELDS = [f.name for f in schema.FIELDS if f.level == HOUSEHOLD]
KEY_FIELDS = ("family_id", "kk_number")  # the family key: the source's own ID first
Progress = Callable[[str, int, int], None]


@dataclass
class SourceFile:
    name: str
    table: readers.Table
    match: HeaderMatch

    @property
    def fields(self) -> set[str]:
        return self.match.fields

    @property
    def has_persons(self) -> bool:
        return bool({"nik", "full_name"} & self.fields)


@dataclass
class Staged:
    """What the files say, checked: ready to be linked to the registry."""

    persons: pl.DataFrame  # accepted person rows: ROW, FILE, FKEY, person fields
    families: pl.DataFrame  # one row per family: FKEY, household fields
    errors: pl.DataFrame  # ERROR_COLUMNS
    person_fields: set[str]  # fields the files give (others are left as they are)
    household_fields: set[str]
    has_persons: bool
    rows: int
    out_of_area: int


@dataclass(frozen=True)
class Context:
    today: dt.date
    provinces: frozenset[str]
    regions: pl.DataFrame  # code, in_deployment (bool) for every kelurahan/desa
    names: pl.DataFrame  # kecamatan_key, kelurahan_key, code for the deployment's kelurahan
    work_dir: Path | None = None  # where intermediate files go


def open_file(
    path: Path,
    *,
    name: str,
    work_dir: Path,
    remembered: Mapping[str, str],
    limits: readers.Limits = readers.DEFAULT_LIMITS,
) -> SourceFile:
    table = readers.read_table(
        path,
        work_dir=work_dir,
        original_name=name,
        limits=limits,
        header_score=schema.header_score,
    )
    return SourceFile(name, table, schema.match_headers(table.headers, remembered))


def _scan(source: SourceFile) -> pl.LazyFrame:
    table = source.table
    names = [f"c{i}" for i in range(len(table.headers))]
    frame = pl.scan_csv(
        table.path,
        separator=table.separator,
        has_header=False,
        skip_rows=table.skip_rows + 1,
        schema=dict.fromkeys(names, pl.String),
        quote_char='"',
        truncate_ragged_lines=True,
        missing_columns="insert",
        encoding="utf8-lossy",
    )
    return frame.with_row_index(ROW, offset=table.first_data_row)


ERRORS, WARNINGS = "_errs", "_warns"
UNIT, RECORD = "\x1f", "\x1e"  # separators inside the error columns


def _error_item(name: str, code: pl.Expr, value: pl.Expr) -> pl.Expr:
    """One error of a row, encoded `field␟code␟value` (null when `code` is null)."""
    return pl.concat_str(
        pl.lit(name), code, value.cast(pl.String).fill_null("").str.slice(0, 200), separator=UNIT
    )


def _cleaned(source: SourceFile, context: Context, *, level: str | None) -> pl.DataFrame:
    """Every mapped column cleaned into `<field>`, and the row's errors in one column
    (`_errs`, null for a good row; NIK problems in `_warns`): a million rows hold one
    error column, not one per field."""
    parsed: list[pl.Expr] = []
    errors: list[pl.Expr] = []
    items: list[pl.Expr] = []
    warnings: list[pl.Expr] = []
    columns: list[pl.Expr] = [pl.col(ROW).cast(pl.Int64)]
    for position, name in enumerate(source.match.columns):
        if name is None:
            continue
        item = schema.FIELDS_BY_NAME[name]
        if level is not None and item.level != level and name not in KEY_FIELDS:
            continue
        raw = pl.col(f"c{position}")
        steps = cleaning.cleaner(item, today=context.today, provinces=context.provinces)
        parsed.append(steps.parse(raw).alias(f"_p_{name}"))
        errors.append(steps.error(pl.col(f"_p_{name}"), raw).alias(f"_e_{name}"))
        error = pl.col(f"_e_{name}")
        columns.append(pl.when(error.is_null()).then(steps.final(pl.col(f"_p_{name}"))).alias(name))
        # A NIK that breaks the rules does not cost the person their place: the row is
        # kept without it and the NIK is reported as a warning.
        (warnings if item.kind == schema.NIK else items).append(_error_item(name, error, raw))
    columns += [_joined(items).alias(ERRORS), _joined(warnings).alias(WARNINGS)]
    scan = _scan(source)
    if parsed:
        scan = scan.with_columns(parsed).with_columns(errors)
    # Streamed to a Parquet file and read back: the raw text never sits in memory whole.
    cleaned = Path(source.table.path).with_name(f".{Path(source.table.path).name}.cleaned.parquet")
    if context.work_dir is not None:
        cleaned = context.work_dir / f"{source.name}.cleaned.parquet"
    scan.select(columns).sink_parquet(cleaned)
    frame = pl.read_parquet(cleaned)
    cleaned.unlink(missing_ok=True)
    # A blank line in a spreadsheet export is not a row.
    values = [name for name in source.match.columns if name and name in frame.columns]
    if values:
        frame = frame.filter(
            pl.any_horizontal(pl.col(values).is_not_null()) | pl.col(ERRORS).is_not_null()
        )
    return frame


def _joined(items: list[pl.Expr]) -> pl.Expr:
    if not items:
        return pl.lit(None, pl.String)
    joined = pl.concat_str(items, separator=RECORD, ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined)


def _any_error(frame: pl.DataFrame) -> pl.Expr:
    return pl.col(ERRORS).is_not_null()


def _require(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """An empty required cell is an error (a missing column is an error on every row)."""
    for name in names:
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
        already = pl.col(ERRORS).fill_null("").str.contains(f"(^|{RECORD}){name}{UNIT}")
        empty = pl.col(name).is_null() & ~already
        frame = _set_error(frame, empty, name, "required", only_good=False)
    return frame


def _set_error(
    frame: pl.DataFrame,
    condition: pl.Expr,
    column: str,
    code: str,
    *,
    only_good: bool = True,
) -> pl.DataFrame:
    """Give rows matching `condition` the error `code` on `column` (by default only rows
    without another error: a family-level reason is not piled on a bad cell)."""
    if column not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
    item = _error_item(column, pl.lit(code), pl.col(column))
    current = pl.col(ERRORS)
    target = condition & current.is_null() if only_good else condition
    return frame.with_columns(
        pl.when(target.fill_null(False))
        .then(pl.concat_str(current, item, separator=RECORD, ignore_nulls=True))
        .otherwise(current)
        .alias(ERRORS)
    )


def _errors_of(
    frame: pl.DataFrame,
    source: SourceFile,
    *,
    kind: str = RowErrorKind.REJECTED,
    column: str = ERRORS,
) -> pl.DataFrame:
    """The long list of errors: one row per bad cell."""
    bad = frame.filter(pl.col(column).is_not_null()).select(ROW, column)
    if bad.is_empty():
        return empty_errors()
    cells = (
        bad.with_columns(pl.col(column).str.split(RECORD))
        .explode(column)
        .with_columns(pl.col(column).str.split_exact(UNIT, 2).alias("_cell"))
        .unnest("_cell")
        .rename({"field_0": "_field", "field_1": "code", "field_2": "value"})
    )
    headers = {
        name: source.table.headers[position]
        for position, name in enumerate(source.match.columns)
        if name
    }
    pairs = cells.select("_field", "code").unique().rows()
    messages = {
        f"{name}{UNIT}{code}": cleaning.message(code, schema.FIELDS_BY_NAME.get(name))
        for name, code in pairs
    }
    labels = {
        name: headers.get(name) or str(getattr(schema.FIELDS_BY_NAME.get(name), "label", name))
        for name, _code in pairs
    }
    return cells.select(
        pl.lit(source.name).alias("file_name"),
        pl.col(ROW).alias("row_number"),
        pl.col("_field").replace_strict(labels, default="", return_dtype=pl.String).alias("column"),
        pl.col("value").fill_null(""),
        pl.lit(str(kind)).alias("kind"),
        "code",
        pl.concat_str("_field", "code", separator=UNIT)
        .replace_strict(messages, default="", return_dtype=pl.String)
        .alias("message"),
    )


def empty_errors() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "file_name": pl.String,
            "row_number": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "kind": pl.String,
            "code": pl.String,
            "message": pl.String,
        }
    )


def _resolve_region(frame: pl.DataFrame, context: Context) -> pl.DataFrame:
    """`kelurahan_code` checked against the region list, or found from the names."""
    if "kelurahan_code" in frame.columns:
        known = context.regions.select(
            pl.col("code").alias("kelurahan_code"), pl.col("in_deployment").alias("_inside")
        )
        frame = frame.join(known, on="kelurahan_code", how="left")
        frame = _set_error(
            frame,
            pl.col("kelurahan_code").is_not_null() & pl.col("_inside").is_null(),
            "kelurahan_code",
            "region_unknown",
        )
        return frame.with_columns(
            pl.when(pl.col("_inside").is_not_null()).then(pl.col("kelurahan_code"))
        )
    if "kelurahan_name" in frame.columns:
        keys = [pl.col("kelurahan_name").str.to_uppercase().alias("kelurahan_key")]
        on = ["kelurahan_key"]
        names = context.names
        if "kecamatan_name" in frame.columns:
            keys.append(pl.col("kecamatan_name").str.to_uppercase().alias("kecamatan_key"))
            on.append("kecamatan_key")
        else:  # a name that exists in two kecamatan cannot be placed without the kecamatan
            names = names.filter(pl.col("kelurahan_key").is_unique())
        frame = frame.with_columns(keys).join(
            names.select(*on, pl.col("code").alias("kelurahan_code")), on=on, how="left"
        )
        frame = frame.with_columns(pl.lit(True).alias("_inside"))
        return _set_error(
            frame,
            pl.col("kelurahan_name").is_not_null() & pl.col("kelurahan_code").is_null(),
            "kelurahan_name",
            "region_name_unknown",
        )
    return frame.with_columns(
        pl.lit(None, pl.String).alias("kelurahan_code"), pl.lit(None, pl.Boolean).alias("_inside")
    )


def stage(
    sources: Sequence[SourceFile], context: Context, *, progress: Progress | None = None
) -> Staged:
    """Validate the files of one import (a persons file, a family file, or a DTSEN pair)."""
    family_files = [source for source in sources if not source.has_persons]
    person_files = [source for source in sources if source.has_persons]
    errors: list[pl.DataFrame] = []
    rows = 0
    out_of_area = 0
    families_given: pl.DataFrame | None = None
    household_fields: set[str] = set()
    for number, source in enumerate(family_files):
        if progress:
            progress("memeriksa berkas keluarga", number, len(sources))
        frame = _cleaned(source, context, level=HOUSEHOLD)
        rows += frame.height
        frame, file_errors, outside = _check_families(frame, source, context)
        errors += file_errors
        out_of_area += outside
        household_fields |= source.fields & set(HOUSEHOLD_FIELDS)
        families_given = (
            frame
            if families_given is None
            else pl.concat([families_given, frame], how="diagonal_relaxed")
        )
    people: list[pl.DataFrame] = []
    person_fields: set[str] = set()
    for number, source in enumerate(person_files):
        if progress:
            progress("memeriksa berkas anggota", len(family_files) + number, len(sources))
        # With a family file, the household columns of a member file are not used.
        level = PERSON if families_given is not None else None
        frame = _cleaned(source, context, level=level)
        rows += frame.height
        accepted, file_errors, outside = _check_persons(frame, source, context, families_given)
        errors += file_errors
        out_of_area += outside
        people.append(accepted.with_columns(pl.lit(source.name).alias(FILE)))
        person_fields |= source.fields & set(PERSON_FIELDS)
        if families_given is None:
            household_fields |= source.fields & set(HOUSEHOLD_FIELDS)
    persons = pl.concat(people, how="diagonal_relaxed") if people else pl.DataFrame()
    if people:
        families = _families_of(persons, families_given)
    else:
        families = families_given if families_given is not None else pl.DataFrame()
    all_errors = pl.concat(errors, how="vertical_relaxed") if errors else empty_errors()
    return Staged(
        persons=persons,
        families=families,
        errors=all_errors,
        person_fields=person_fields,
        household_fields=household_fields - set(KEY_FIELDS),
        has_persons=bool(person_files),
        rows=rows,
        out_of_area=out_of_area,
    )


def _check_families(
    frame: pl.DataFrame, source: SourceFile, context: Context
) -> tuple[pl.DataFrame, list[pl.DataFrame], int]:
    """A family file: one row per No. KK, its kelurahan inside the deployment."""
    key = "family_id" if "family_id" in frame.columns else "kk_number"
    frame = _require(frame, [key])
    frame = _resolve_region(frame, context)
    frame = frame.with_columns(pl.col(key).alias(FKEY))
    duplicate = pl.col(FKEY).is_not_null() & ~pl.col(FKEY).is_first_distinct()
    frame = _set_error(frame, duplicate, key, "kk_duplicate")
    bad = _any_error(frame)
    outside = frame.filter(~bad & (pl.col("_inside") == False))  # noqa: E712 - Polars expression
    errors = [_errors_of(frame.filter(bad), source)]
    if not outside.is_empty():
        errors.append(_out_of_area(outside, source))
    accepted = frame.filter(~bad & (pl.col("_inside") != False))  # noqa: E712
    rejected_keys = frame.filter(bad | (pl.col("_inside") == False))[FKEY].drop_nulls()  # noqa: E712
    accepted = accepted.with_columns(pl.lit(False).alias("_rejected"))
    rejected = pl.DataFrame({FKEY: rejected_keys.unique(), "_rejected": True}).filter(
        ~pl.col(FKEY).is_in(accepted[FKEY].implode())
    )
    return (
        pl.concat([accepted, rejected], how="diagonal_relaxed"),
        errors,
        outside.height,
    )


def _out_of_area(frame: pl.DataFrame, source: SourceFile) -> pl.DataFrame:
    return frame.select(
        pl.lit(source.name).alias("file_name"),
        pl.col(ROW).alias("row_number"),
        pl.lit(_header_of(source, "kelurahan_code")).alias("column"),
        pl.col("kelurahan_code").fill_null("").alias("value"),
        pl.lit(str(RowErrorKind.OUT_OF_AREA)).alias("kind"),
        pl.lit("out_of_area").alias("code"),
        pl.lit(cleaning.message("out_of_area", None)).alias("message"),
    )


def _header_of(source: SourceFile, name: str) -> str:
    for position, target in enumerate(source.match.columns):
        if target == name:
            return source.table.headers[position]
    return str(schema.FIELDS_BY_NAME[name].label)


def _check_persons(
    frame: pl.DataFrame,
    source: SourceFile,
    context: Context,
    families_given: pl.DataFrame | None,
) -> tuple[pl.DataFrame, list[pl.DataFrame], int]:
    frame = _require(frame, ["full_name", "sex", "relationship"])
    frame = frame.with_columns(
        pl.coalesce(
            *(pl.col(key) for key in KEY_FIELDS if key in frame.columns),
            pl.lit(None, pl.String),
        ).alias(FKEY)
    )
    key = "family_id" if "family_id" in frame.columns else "kk_number"
    frame = _set_error(frame, pl.col(FKEY).is_null(), key, "family_key")
    if "nik" in frame.columns:
        duplicate = (
            pl.col("nik").is_not_null()
            & ~_any_error(frame)
            & ~pl.struct("nik", _any_error(frame).alias("_bad")).is_first_distinct()
        )
        frame = _set_error(frame, duplicate, "nik", "nik_duplicate")
    if families_given is not None:
        frame = frame.with_columns(
            _lookup(families_given, "_rejected", pl.Boolean).alias("_rejected"),
            _lookup(families_given, "_inside", pl.Boolean).alias("_inside"),
            _lookup(families_given, "kelurahan_code", pl.String).alias("kelurahan_code"),
        )
        frame = _set_error(frame, pl.col("_rejected").is_null(), key, "family_not_in_family_file")
        frame = _set_error(frame, pl.col("_rejected") == True, key, "family_rejected")  # noqa: E712
    else:
        frame = _resolve_region(frame, context)
    present = pl.col("presence").is_null() | (pl.col("presence") == "ada")
    if "presence" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("presence"))
    # Family checks on the rows that are good so far (a bad head is no head), as window
    # expressions: no join, so the million-row frame is not copied.
    good = ~_any_error(frame)
    head = (pl.col("relationship") == "kepala") & present & good
    kks = (
        pl.col("kk_number").filter(good & pl.col("kk_number").is_not_null()).n_unique()
        if "kk_number" in frame.columns
        else pl.lit(1, pl.UInt32)
    )
    frame = frame.with_columns(
        head.sum().over(FKEY).alias("_heads"),
        kks.over(FKEY).alias("_kks"),
        pl.col("kelurahan_code").filter(head).first().over(FKEY).alias("_head_kelurahan"),
        pl.col("_inside").filter(head).first().over(FKEY).alias("_head_inside"),
    )
    frame = _set_error(frame, pl.col("_heads") == 0, "relationship", "family_no_head")
    frame = _set_error(frame, pl.col("_heads") > 1, "relationship", "family_many_heads")
    frame = _set_error(frame, pl.col("_kks") > 1, "kk_number", "family_kk_mixed")
    if families_given is None:  # the family lives where its head lives
        frame = frame.with_columns(
            pl.col("_head_kelurahan").alias("kelurahan_code"),
            pl.col("_head_inside").alias("_inside"),
        )
        frame = _set_error(
            frame, pl.col("kelurahan_code").is_null(), "kelurahan_code", "family_no_region"
        )
    bad = _any_error(frame)
    outside_rows = frame.filter(~bad & (pl.col("_inside") == False))  # noqa: E712
    errors = [_errors_of(frame.filter(bad), source)]
    errors.append(
        _errors_of(frame.filter(~bad), source, kind=RowErrorKind.WARNING, column=WARNINGS)
    )
    if not outside_rows.is_empty():
        errors.append(_out_of_area(outside_rows, source))
    accepted = frame.filter(~bad & (pl.col("_inside") == True))  # noqa: E712
    keep = [ROW, FKEY, *[name for name in accepted.columns if not name.startswith("_")]]
    return accepted.select(list(dict.fromkeys(keep))), errors, outside_rows.height


def _lookup(families: pl.DataFrame, column: str, dtype: Any) -> pl.Expr:
    """The family's `column` for each row's family key (null when the family is unknown)."""
    if column not in families.columns:
        return pl.lit(None, dtype)
    return pl.col(FKEY).replace_strict(
        families[FKEY], families[column], default=None, return_dtype=dtype
    )


def _families_of(persons: pl.DataFrame, families_given: pl.DataFrame | None) -> pl.DataFrame:
    """One row per family: household fields from the family file, else from the head's row."""
    household = [name for name in HOUSEHOLD_FIELDS if name in persons.columns]
    heads = persons.filter(pl.col("relationship") == "kepala").select(
        FKEY,
        *household,
        pl.col("full_name").alias("_head_name"),
        pl.col("nik").alias("_head_nik")
        if "nik" in persons.columns
        else pl.lit(None, pl.String).alias("_head_nik"),
    )
    if families_given is None:
        return heads
    given = families_given.filter(pl.col("_rejected") == False)  # noqa: E712
    keep = [FKEY, *[name for name in HOUSEHOLD_FIELDS if name in given.columns]]
    return heads.select(FKEY, "_head_name", "_head_nik").join(
        given.select(list(dict.fromkeys(keep))), on=FKEY, how="inner"
    )
