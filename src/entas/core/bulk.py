"""Fast inserts of many rows: PostgreSQL `COPY ... FROM STDIN`, `executemany` elsewhere.

For loads of a million rows (synthetic data, imports) where `bulk_create` spends most of
its time building model instances. Rows are plain tuples in the order of `fields` and are
written as given: no `save()`, no signals, no field defaults, so every NOT NULL column
without a database default must be among the fields. Values are Python values of the
field's type; the only conversions done here are JSON for `JSONField` and naive UTC for
aware datetimes on SQLite.

Callers own the transaction: run `bulk_insert` inside `transaction.atomic()` with the rest
of the load, so that a failure leaves nothing half-written. Ids are given by the caller
(`IdSource`), so rows of several tables can point at each other before any is written;
Django creates foreign keys DEFERRABLE INITIALLY DEFERRED on PostgreSQL and SQLite, so
they are checked at commit, not row by row.
"""

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

import polars as pl
from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

DEFAULT_BATCH_SIZE = 5000
ID_BLOCK_SIZE = 10_000


def bulk_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    """Insert `rows` (tuples of values for `fields`) into `model`'s table; return the count."""
    if connection.vendor == "postgresql":
        return _copy(model, fields, rows)
    return _executemany(model, fields, rows, batch_size)


class IdSource:
    """Primary keys for rows inserted with explicit ids, safe against concurrent writers.

    PostgreSQL: blocks of `nextval()` from the table's own sequence, so other sessions
    inserting at the same time never get the same id and the sequence stays ahead of the
    table. SQLite: one past the largest id, read inside the caller's transaction; SQLite
    has a single writer and entas opens transactions with BEGIN IMMEDIATE, so nobody else
    can insert until the caller commits.
    """

    def __init__(self, model: type[models.Model], *, block_size: int = ID_BLOCK_SIZE) -> None:
        self._ids = _ids(model, block_size)

    def take(self) -> int:
        return next(self._ids)


def _ids(model: type[models.Model], block_size: int) -> Iterator[int]:
    """Ids on demand; the first is read from the database when the first id is taken."""
    if connection.vendor == "postgresql":
        while True:
            yield from _sequence_block(model, block_size)
    yield from itertools.count(_max_id(model) + 1)


def _copy(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    columns, convert = _columns(model, fields, connection)
    statement = f"COPY {_target(model._meta.db_table, columns)} FROM STDIN"
    count = 0
    # The wrapper turns psycopg's errors into Django's (IntegrityError, ...), as execute() does.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row(convert(row))
            count += 1
    return count


def _executemany(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    batch_size: int,
) -> int:
    columns, convert = _columns(model, fields, connection)
    statement = _insert_statement(model, columns)
    count = 0
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while batch := [convert(row) for row in islice(iterator, batch_size)]:
            cursor.executemany(statement, batch)
            count += len(batch)
    return count


def _columns(
    model: type[models.Model], fields: Sequence[str], database: BaseDatabaseWrapper
) -> tuple[list[str], Callable[[Sequence[Any]], Sequence[Any]]]:
    """The column names of `fields` and a function preparing a row for the database."""
    concrete = [_concrete_field(model, name) for name in fields]
    columns = [str(field.column) for field in concrete]
    converters = [
        (index, convert)
        for index, field in enumerate(concrete)
        if (convert := _converter(field, database)) is not None
    ]
    if not converters:
        return columns, _unchanged

    def prepared(row: Sequence[Any]) -> Sequence[Any]:
        values = list(row)
        for index, convert in converters:
            values[index] = convert(values[index])
        return values

    return columns, prepared


def _unchanged(row: Sequence[Any]) -> Sequence[Any]:
    return row


def _concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column.")
    return field


def _converter(field: Any, database: BaseDatabaseWrapper) -> Callable[[Any], Any] | None:
    if isinstance(field, models.JSONField):
        return _json_text
    if isinstance(field, models.DateTimeField) and database.vendor == "sqlite":
        return _remembering(database.ops.adapt_datetimefield_value)
    return None


def _remembering(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert` that reuses its last result: loads stamp every row with the same time."""
    last: list[Any] = [object(), None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _max_id(model: type[models.Model]) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(str(model._meta.pk.column))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({column}) FROM {table}")  # noqa: S608 - names from _meta
        (value,) = cursor.fetchone()
    return int(value or 0)


def _sequence_block(model: type[models.Model], size: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, size],
        )
        return [value for (value,) in cursor.fetchall()]


def refresh_statistics(*tables: type[models.Model]) -> None:
    """Let the query planner see a bulk load: without fresh statistics PostgreSQL may pick
    plans that take seconds instead of milliseconds on the just-loaded tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        else:
            cursor.execute("ANALYZE")


def id_block(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`, taken at once (see `IdSource`)."""
    if count <= 0:
        return []
    if connection.vendor == "postgresql":
        return _sequence_block(model, count)
    # Ids handed out but not inserted yet (two blocks before the first insert) must not be
    # handed out again; a rolled-back block only leaves a gap.
    key = model._meta.db_table
    start = max(_max_id(model), _handed_out.get(key, 0)) + 1
    _handed_out[key] = start + count - 1
    return list(range(start, start + count))


_handed_out: dict[str, int] = {}


def now_for_database() -> Any:
    """The current time as a frame column holds it: text the database takes as it is."""
    now = timezone.now()
    if connection.vendor == "sqlite":
        return connection.ops.adapt_datetimefield_value(now)
    return now.isoformat()


def bulk_insert_frame(model: type[models.Model], frame: pl.DataFrame) -> int:
    """Insert a Polars frame whose columns are `model` field names: COPY of the frame as CSV
    on PostgreSQL (no Python loop over rows), `executemany` elsewhere."""
    if frame.is_empty():
        return 0
    fields = list(frame.columns)
    columns, _convert = _columns(model, fields, connection)
    if connection.vendor != "postgresql":
        _raw_executemany(_insert_statement(model, columns), frame.iter_rows())
        return frame.height
    with connection.wrap_database_errors, connection.cursor() as cursor:
        _copy_frame(cursor, model._meta.db_table, columns, frame)
    return frame.height


def _target(table: str, columns: Sequence[str]) -> str:
    """`"table" ("a", "b")`, quoted for the database."""
    quote = connection.ops.quote_name
    return f"{quote(table)} ({', '.join(quote(column) for column in columns)})"


def _insert_statement(model: type[models.Model], columns: Sequence[str]) -> str:
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {_target(model._meta.db_table, columns)} VALUES ({marks})"  # noqa: S608


def _copy_frame(cursor: Any, table: str, columns: Sequence[str], frame: pl.DataFrame) -> None:
    """COPY a frame into `table` as CSV, 200,000 rows at a time (no Python loop over rows)."""
    with cursor.copy(f"COPY {_target(table, columns)} FROM STDIN WITH (FORMAT csv)") as copy:
        for start in range(0, frame.height, 200_000):
            chunk = frame.slice(start, 200_000)
            copy.write(chunk.write_csv(include_header=False, quote_style="necessary"))


def bulk_update_frame(model: type[models.Model], frame: pl.DataFrame, *, key: str = "id") -> int:
    """Set the frame's other columns on the rows whose `key` matches (one statement per
    batch of rows; values as the frame holds them)."""
    if frame.is_empty():
        return 0
    fields = [name for name in frame.columns if name != key]
    columns, _convert = _columns(model, [*fields, key], connection)
    assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in columns[:-1])
    table = connection.ops.quote_name(model._meta.db_table)
    key_column = connection.ops.quote_name(columns[-1])
    statement = f"UPDATE {table} SET {assignments} WHERE {key_column} = %s"  # noqa: S608
    if connection.vendor == "postgresql":
        _update_through_copy(model, frame.select(*fields, key), columns)
        return frame.height
    _raw_executemany(statement, frame.select(*fields, key).iter_rows())
    return frame.height


def _update_through_copy(
    model: type[models.Model], frame: pl.DataFrame, columns: list[str]
) -> None:
    """PostgreSQL: COPY the new values into a temporary table, then one UPDATE ... FROM."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = [quote(column) for column in columns]
    key = names[-1]
    scratch_name = f"entas_update_{model._meta.db_table}"
    scratch = quote(scratch_name)
    assignments = ", ".join(f"{name} = s.{name}" for name in names[:-1])
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
        cursor.execute(
            f"CREATE TEMP TABLE {scratch} ON COMMIT DROP AS "  # noqa: S608 - names from _meta
            f"SELECT {', '.join(names)} FROM {table} WITH NO DATA"
        )
        _copy_frame(cursor, scratch_name, columns, frame)
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} "  # noqa: S608
            f"FROM {scratch} AS s WHERE t.{key} = s.{key}"
        )
        cursor.execute(f"DROP TABLE {scratch}")


def _raw_executemany(statement: str, rows: Iterable[Sequence[Any]]) -> None:
    """`executemany` on the driver's own cursor: frame values are database-ready, so none of
    Django's per-value adaptation (a third of the time on a million rows) is needed."""
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    if connection.vendor == "sqlite":
        statement = statement.replace("%s", "?")
    iterator = iter(rows)
    with connection.wrap_database_errors:
        cursor = raw.cursor()
        try:
            while batch := list(islice(iterator, 50_000)):
                cursor.executemany(statement, batch)
        finally:
            cursor.close()
