"""Link staged rows to the registry by exact keys and work out what would change.

Persons are found by NIK among active persons; families by No. KK among active
households, else (P3KE has no No. KK) through the household of their head or another
member found by NIK. A person without a NIK (or with a NIK the registry does not know) is
the registry member of the same household with the same name and birth date. The rows
still unknown then go through record linkage (`entas.linkage`): a registry person the model
is all but sure of (at or above LINKAGE_AUTO_MERGE_THRESHOLD, no conflicting NIK) is that
person; a likely one makes the row a new person plus a candidate pair for people to
decide after the commit. Everything else is new.

The diff compares only the fields the file gives: a column missing from a file never
blanks what the registry knows, so importing the same file twice changes nothing.
"""

import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection

from entas.imports import schema
from entas.imports.models import ChangeKind
from entas.imports.staging import FILE, FKEY, ROW, Staged
from entas.linkage import preparing
from entas.linkage.services import warm_index
from entas.registry import choices as c
from entas.registry.models import (
    DIFFICULTY_FIELDS,
    WELFARE_FIELDS,
    Household,
    Membership,
    Person,
    ProgrammeReceipt,
    WelfareRecord,
)
from entas.registry.services.common import PERSON_EDITABLE_FIELDS

# The person fields an import may set, in the model's order.
PERSON_COMPARED = [
    field.name for field in Person._meta.concrete_fields if field.name in PERSON_EDITABLE_FIELDS
]
HOUSEHOLD_COMPARED = ["kk_number", "address", "rt", "rw", "kelurahan_code"]
WELFARE_COMPARED = [name for name in WELFARE_FIELDS] + ["desil"]
BOOLEAN_FIELDS = {"nik_verified", "is_working", "is_pregnant"}
ASSET_FIELDS = [f.name for f in schema.FIELDS if f.name.startswith("asset_")]
PROGRAMME_FIELDS = [f.name for f in schema.FIELDS if f.name.startswith("programme_")]


@dataclass
class Plan:
    """Everything an import would write, as frames; `counts` for the summary line."""

    new_households: pl.DataFrame
    household_updates: pl.DataFrame
    new_persons: pl.DataFrame
    person_updates: pl.DataFrame
    memberships_ended: pl.DataFrame  # id, end_date, end_reason
    deaths: pl.DataFrame  # person id
    new_memberships: pl.DataFrame
    welfare: pl.DataFrame  # household_id + WELFARE fields + assets + existing record id
    programmes: pl.DataFrame  # household_id, programme
    changes: pl.DataFrame  # kind, kelurahan_id, household_id, person_id, label, changes
    matched_households: pl.DataFrame = field(default_factory=pl.DataFrame)  # FKEY, hid
    counts: dict[str, int] = field(default_factory=dict)
    # Likely matches to decide after the commit: _file, ROW, person_r, probability, ...
    review_pairs: pl.DataFrame = field(default_factory=pl.DataFrame)
    person_fields: list[str] = field(default_factory=list)
    household_fields: list[str] = field(default_factory=list)


# --- reading the registry ---------------------------------------------------------------


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def read_frame(sql: str, columns: dict[str, Any], params: Sequence[Any] = ()) -> pl.DataFrame:
    """A query's rows as a frame with these column types.

    PostgreSQL streams the rows as CSV through COPY (no Python object per value, memory of
    the CSV text only); other databases are read in chunks.
    """
    if connection.vendor == "postgresql":
        return _copied_frame(sql, columns, params)
    frames = [pl.DataFrame(schema=columns)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(100_000):
            frames.append(pl.DataFrame(chunk, schema=columns, orient="row", strict=False))
    return pl.concat(frames, rechunk=True)


def _copied_frame(sql: str, columns: dict[str, Any], params: Sequence[Any]) -> pl.DataFrame:
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params) if params else sql
        with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            for data in copy:
                buffer.write(data)
    names = list(columns)
    if not buffer.tell():
        return pl.DataFrame(schema=columns)
    text = pl.read_csv(
        buffer.getvalue(),
        has_header=False,
        new_columns=names,
        schema=dict.fromkeys(names, pl.String),
    )
    converted: list[pl.Expr] = []
    for name, dtype in columns.items():
        column = pl.col(name)
        if dtype == pl.Boolean:
            converted.append(pl.when(column == "t").then(True).when(column == "f").then(False))
        elif dtype == pl.Date:
            converted.append(column.str.to_date("%Y-%m-%d", strict=False))
        elif dtype == pl.String:
            converted.append(column)
        else:
            converted.append(column.cast(dtype, strict=False))
    return text.select(
        expression.alias(name) for expression, name in zip(converted, names, strict=True)
    )


def _person_types() -> dict[str, Any]:
    types: dict[str, Any] = {"id": pl.Int64}
    for name in PERSON_COMPARED:
        if name in BOOLEAN_FIELDS:
            types[name] = pl.Boolean
        elif name == "birth_date":
            types[name] = pl.Date
        elif name in DIFFICULTY_FIELDS:
            types[name] = pl.Int8
        else:
            types[name] = pl.String
    return types


def registry_persons() -> pl.DataFrame:
    """Active persons with a NIK: id and NIK only (the values are read chunk by chunk)."""
    return read_frame(
        f"SELECT id, nik FROM {_table(Person)} WHERE status = %s AND nik IS NOT NULL",  # noqa: S608
        {"id": pl.Int64, "nik": pl.String},
        [c.PersonStatus.ACTIVE],
    )


def registry_person_values(fields: Sequence[str], low: int, high: int) -> pl.DataFrame:
    """The compared fields of the persons with ids in [low, high]."""
    types = {name: dtype for name, dtype in _person_types().items() if name in ("id", *fields)}
    columns = ", ".join(connection.ops.quote_name(name) for name in types)
    return read_frame(
        f"SELECT {columns} FROM {_table(Person)} WHERE id BETWEEN %s AND %s",  # noqa: S608
        types,
        [low, high],
    )


DIFF_CHUNK = 100_000


def _person_flags(
    matched: pl.DataFrame, person_fields: list[str], *, fill_only: bool
) -> tuple[pl.Series, pl.DataFrame]:
    """Whether each matched row changes its person (in `matched` order, which is by pid),
    and the changed rows with their registry values (`_r_`) and change flags (`_c_`).
    Chunk by chunk: the registry's values never sit in memory all at once."""
    flags: list[pl.Series] = []
    changed: list[pl.DataFrame] = []
    for chunk in matched.iter_slices(DIFF_CHUNK):
        if not person_fields:
            flags.append(pl.Series("_changed", [False] * chunk.height, dtype=pl.Boolean))
            continue
        ids = chunk["pid"]
        values = registry_person_values(person_fields, int(ids[0]), int(ids[-1]))  # sorted
        joined = chunk.join(
            values.rename({"id": "pid", **{name: f"_r_{name}" for name in person_fields}}),
            on="pid",
            how="left",
            maintain_order="left",
        ).with_columns(
            _changed(name, f"_r_{name}", fill_only=fill_only and name in IDENTITY).alias(
                f"_c_{name}"
            )
            for name in person_fields
        )
        any_change = joined.select(
            pl.any_horizontal(pl.col(f"_c_{name}") for name in person_fields).alias("_changed")
        ).to_series()
        flags.append(any_change)
        changed.append(joined.filter(any_change))
    series = pl.concat(flags) if flags else pl.Series("_changed", [], dtype=pl.Boolean)
    frame = pl.concat(changed, how="diagonal_relaxed") if changed else pl.DataFrame()
    return series, frame


def registry_households() -> pl.DataFrame:
    return read_frame(
        f"SELECT id, kk_number, address, rt, rw, kelurahan_id "  # noqa: S608
        f"FROM {_table(Household)} WHERE status = %s",
        {
            "hid": pl.Int64,
            "kk_number": pl.String,
            "address": pl.String,
            "rt": pl.String,
            "rw": pl.String,
            "kelurahan_code": pl.String,
        },
        [c.HouseholdStatus.ACTIVE],
    )


def registry_members() -> pl.DataFrame:
    return read_frame(
        f"SELECT m.id, m.person_id, m.household_id, m.relationship, m.start_date, "  # noqa: S608
        f"p.full_name, p.birth_date, p.nik FROM {_table(Membership)} m "
        f"JOIN {_table(Person)} p ON p.id = m.person_id WHERE m.end_date IS NULL",
        {
            "mid": pl.Int64,
            "pid": pl.Int64,
            "hid": pl.Int64,
            "relationship": pl.String,
            "start_date": pl.Date,
            "full_name": pl.String,
            "birth_date": pl.Date,
            "nik": pl.String,
        },
    )


def _welfare_types() -> dict[str, Any]:
    types: dict[str, Any] = {"wid": pl.Int64, "household_id": pl.Int64}
    for name in WELFARE_COMPARED:
        types[name] = pl.String if name in WELFARE_TEXT else pl.Int64
    types["assets"] = pl.String
    return types


def registry_welfare() -> pl.DataFrame:
    """The current welfare record of every active household, in one query."""
    types = _welfare_types()
    columns = ", ".join(
        f"w.{connection.ops.quote_name(name)}"
        for name in ["id", "household_id", *WELFARE_COMPARED, "assets"]
    )
    return read_frame(
        f"SELECT {columns} FROM {_table(WelfareRecord)} w "  # noqa: S608 - names from _meta
        f"JOIN {_table(Household)} h ON h.current_welfare_id = w.id WHERE h.status = %s",
        types,
        [c.HouseholdStatus.ACTIVE],
    )


WELFARE_TEXT = frozenset(
    name
    for name in WELFARE_FIELDS
    if WelfareRecord._meta.get_field(name).get_internal_type() == "CharField"
)


def registry_programmes(source: str) -> pl.DataFrame:
    return read_frame(
        f"SELECT DISTINCT household_id, programme FROM {_table(ProgrammeReceipt)} "  # noqa: S608
        "WHERE source = %s AND person_id IS NULL",
        {"household_id": pl.Int64, "programme": pl.String},
        [source],
    )


def name_key(column: pl.Expr) -> pl.Expr:
    return column.str.to_uppercase().str.replace_all(r"\s+", " ").str.strip_chars()


# --- linking and the diff -----------------------------------------------------------------


def link(staged: Staged, *, source: str, as_of: dt.date) -> Plan:
    """Match the staged rows to the registry and return everything that would change."""
    persons = staged.persons
    families = staged.families
    if persons.is_empty() and families.is_empty():
        return _empty_plan(staged)
    r_persons = registry_persons()
    r_households = registry_households()
    r_members = registry_members()
    if "nik" not in persons.columns:
        persons = persons.with_columns(pl.lit(None, pl.String).alias("nik"))
    if not persons.is_empty():
        persons = persons.with_row_index("_uid")
    for name in ("birth_date",):
        if name not in persons.columns and not persons.is_empty():
            persons = persons.with_columns(pl.lit(None, pl.Date).alias(name))
    # 1. persons by NIK (lookups, not joins: the persons frame is not copied)
    if not persons.is_empty():
        known = r_persons.filter(pl.col("nik").is_not_null())
        persons = persons.with_columns(
            pl.col("nik")
            .replace_strict(known["nik"], known["id"], default=None, return_dtype=pl.Int64)
            .alias("pid")
        )
    # 2. families by No. KK, else through a member's current household
    if "kk_number" in families.columns:
        families = families.join(
            r_households.select("kk_number", pl.col("hid").alias("_hid_kk")),
            on="kk_number",
            how="left",
        )
    else:
        families = families.with_columns(pl.lit(None, pl.Int64).alias("_hid_kk"))
    if not persons.is_empty():
        through = (
            persons.filter(pl.col("pid").is_not_null())
            .join(r_members.select("pid", pl.col("hid").alias("_hid_m")), on="pid")
            .sort(pl.col("relationship") != "kepala", ROW)
            .group_by(FKEY, maintain_order=True)
            .agg(pl.col("_hid_m").first())
        )
        families = families.join(through, on=FKEY, how="left")
    else:
        families = families.with_columns(pl.lit(None, pl.Int64).alias("_hid_m"))
    families = families.with_columns(pl.coalesce("_hid_kk", "_hid_m").alias("hid"))
    families = families.with_columns(
        pl.when(pl.col("hid").is_not_null() & ~pl.col("hid").is_first_distinct())
        .then(None)
        .otherwise(pl.col("hid"))
        .alias("hid")
    )
    if not staged.has_persons:  # a family file alone only updates known families
        families = families.filter(pl.col("hid").is_not_null())
    # 3. persons without a NIK match: same household, same name and birth date
    if not persons.is_empty():
        persons = persons.with_columns(
            pl.col(FKEY)
            .replace_strict(families[FKEY], families["hid"], default=None, return_dtype=pl.Int64)
            .alias("hid")
        )
        persons = _match_by_name(persons, r_members)
        persons = persons.with_columns(
            pl.when(pl.col("pid").is_not_null() & ~pl.col("pid").is_first_distinct())
            .then(None)
            .otherwise(pl.col("pid"))
            .alias("pid")
        )
    review = pl.DataFrame()
    if not persons.is_empty() and not r_persons.is_empty():
        persons, review = _match_fuzzy(persons, families)
    plan = _diff(staged, persons, families, r_households, r_members, source, as_of)
    plan.review_pairs = review
    plan.counts["fuzzy_review"] = review.height
    return plan


# Above this many unknown rows an import leaves fuzzy matching to a registry deduplication
# run afterwards (`entas linkage registry`): the warm index answers a few thousand rows in
# a second, a whole new source is a job for the batch engine.
FUZZY_ROW_LIMIT = 50_000


def _match_fuzzy(
    persons: pl.DataFrame, families: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows no exact key found, matched by the linkage model to the registry.

    Returns the persons with `pid` set where the model is sure, and the likely pairs to
    review: _file, ROW, person_r (registry id), match_probability, match_weight, rule,
    explanation (JSON text).
    """
    unknown = persons.filter(pl.col("pid").is_null())
    if unknown.is_empty() or unknown.height > FUZZY_ROW_LIMIT:
        return persons, pl.DataFrame()
    household = [
        n for n in ("address", "rt", "rw", "kelurahan_code", "kk_number") if n in families.columns
    ]
    if household:
        unknown = unknown.join(
            families.select(FKEY, *household).unique(FKEY), on=FKEY, how="left", suffix="_f"
        )
    records = preparing.prepare(_engine_records(unknown))
    index = warm_index()
    pairs = index.match(records, threshold=settings.LINKAGE_REVIEW_THRESHOLD)
    if pairs.is_empty():
        return persons, pl.DataFrame()
    best = pairs.sort("match_probability", descending=True).unique("record_id_l", keep="first")
    registry_nik = index.registry.select(
        pl.col("record_id").alias("record_id_r"), pl.col("nik").alias("_nik_r")
    )
    best = best.join(registry_nik, on="record_id_r", how="left").join(
        records.select(pl.col("record_id").alias("record_id_l"), pl.col("nik").alias("_nik_l")),
        on="record_id_l",
        how="left",
    )
    taken = set(persons["pid"].drop_nulls().to_list())
    sure = best.filter(
        (pl.col("match_probability") >= settings.LINKAGE_AUTO_MERGE_THRESHOLD)
        & (pl.col("rule") != "nik_konflik")
        & (
            pl.col("_nik_l").is_null()
            | pl.col("_nik_r").is_null()
            | (pl.col("_nik_l") == pl.col("_nik_r"))
        )
        & ~pl.col("record_id_r").cast(pl.Int64).is_in(list(taken))
    ).unique("record_id_r", keep="first")
    if not sure.is_empty():
        uid = pl.col("_uid").cast(pl.Utf8)
        found = uid.replace_strict(
            sure["record_id_l"],
            sure["record_id_r"].cast(pl.Int64),
            default=None,
            return_dtype=pl.Int64,
        )
        # The registry keeps the identity it has: the model said "same person", not "the
        # file spells them better". Blank registry fields are still filled (NIK included).
        identity = [n for n in IDENTITY if n in persons.columns]
        persons = persons.with_columns(
            pl.coalesce("pid", found).alias("pid"), found.is_not_null().alias("_fuzzy")
        )
        persons = persons.with_columns(
            pl.when(pl.col("_fuzzy")).then(None).otherwise(pl.col(name)).alias(name)
            for name in identity
        ).drop("_fuzzy")
    review = best.join(sure.select("record_id_l"), on="record_id_l", how="anti")
    if review.is_empty():
        return persons, pl.DataFrame()
    rows = records.select("record_id").with_row_index("_at")
    left = review.join(rows, left_on="record_id_l", right_on="record_id", how="left")["_at"]
    right_rows = index.registry.select("record_id").with_row_index("_at")
    right = review.join(right_rows, left_on="record_id_r", right_on="record_id", how="left")["_at"]
    explanations = index.matcher.explanations(
        records[left], index.registry.select(preparing.PREPARED_COLUMNS)[right]
    )
    by_uid = unknown.select(pl.col("_uid").cast(pl.Utf8).alias("record_id_l"), FILE, ROW)
    review = review.join(by_uid, on="record_id_l", how="left").with_columns(
        pl.col("record_id_r").cast(pl.Int64).alias("person_r"),
        pl.Series("explanation", [json.dumps(e) for e in explanations], dtype=pl.Utf8),
    )
    return persons, review.select(
        FILE, ROW, "person_r", "match_probability", "match_weight", "rule", "explanation"
    )


def _engine_records(rows: pl.DataFrame) -> pl.DataFrame:
    """Staged person rows (with their family's address) in the linkage engine's columns."""

    def text(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Utf8) if name in rows.columns else pl.lit(None, pl.Utf8)

    address = preparing.address_with_rt_rw(text("address"), text("rt"), text("rw"))
    return rows.select(
        pl.col("_uid").cast(pl.Utf8).alias("record_id"),
        text("nik").alias("nik"),
        text("full_name").alias("full_name"),
        text("birth_date").alias("birth_date"),
        text("sex").alias("sex"),
        text("birth_place").alias("birth_place"),
        address.alias("address"),
        text("kelurahan_code").alias("kelurahan_code"),
        text("mother_name").alias("mother_name"),
        text("kk_number").alias("kk_number"),
    )


def _match_by_name(persons: pl.DataFrame, r_members: pl.DataFrame) -> pl.DataFrame:
    """Rows without a NIK match: the registry member of the same household with the same
    name and birth date (when one of the two has no NIK)."""
    open_rows = persons.filter(pl.col("pid").is_null() & pl.col("hid").is_not_null())
    if r_members.is_empty() or open_rows.is_empty():
        return persons
    by_name = r_members.select(
        "hid",
        name_key(pl.col("full_name")).alias("_name"),
        "birth_date",
        pl.col("pid").alias("_pid_name"),
        pl.col("nik").alias("_nik_registry"),
    ).filter(pl.col("_name").is_first_distinct().over("hid", "birth_date"))
    found = (
        open_rows.select(
            "_uid", "hid", "nik", "birth_date", name_key(pl.col("full_name")).alias("_name")
        )
        .join(by_name, on=["hid", "_name", "birth_date"], how="inner", nulls_equal=True)
        .filter(pl.col("nik").is_null() | pl.col("_nik_registry").is_null())
    )
    if found.is_empty():
        return persons
    return persons.with_columns(
        pl.coalesce(
            "pid",
            pl.col("_uid").replace_strict(
                found["_uid"], found["_pid_name"], default=None, return_dtype=pl.Int64
            ),
        ).alias("pid")
    )


def _empty_plan(staged: Staged) -> Plan:
    empty = pl.DataFrame()
    plan = Plan(*(empty,) * 10)
    plan.counts = _counts(staged, plan)
    return plan


def _counts(staged: Staged, plan: Plan, **extra: int) -> dict[str, int]:
    rejected = staged.errors.filter(pl.col("kind") == "ditolak")["row_number"].n_unique()
    return {
        "rows": staged.rows,
        "accepted": staged.rows - rejected - staged.out_of_area,
        "rejected": rejected,
        "households_created": plan.new_households.height,
        "households_updated": extra.get("households_updated", 0),
        "persons_created": plan.new_persons.height,
        "persons_updated": extra.get("persons_updated", 0),
        "unchanged": extra.get("unchanged", 0),
        "out_of_area": staged.out_of_area,
        "persons_left": extra.get("persons_left", 0),
    }


def _changed(incoming: str, registry: str, *, fill_only: bool = False) -> pl.Expr:
    """Whether the file changes a registry value. Names and places are compared without
    case ("Siti Aminah" is "SITI AMINAH"); a `fill_only` field only fills a blank."""
    given = pl.col(incoming).is_not_null()
    blank = pl.col(registry).is_null()
    name = incoming.removeprefix("_r_")
    if name in CASELESS:
        blank = blank | (pl.col(registry) == "")
        differs = pl.col(incoming).str.to_uppercase() != pl.col(registry).str.to_uppercase()
    else:
        differs = pl.col(incoming) != pl.col(registry)
    if fill_only:
        return given & blank
    return given & (blank | differs)


# Text compared without case; identity a source of lower standing only fills when blank.
CASELESS = frozenset({"full_name", "birth_place", "mother_name", "occupation", "address"})
IDENTITY = frozenset({"full_name", "sex", "birth_date", "birth_place", "mother_name"})
# P3KE comes from the 2021 BKKBN family survey matched to NIK afterwards: it does not
# overwrite the identity that DTSEN, DTKS or the city's own list recorded.
FILL_ONLY_SOURCES = frozenset({c.Source.P3KE})


def _diff(
    staged: Staged,
    persons: pl.DataFrame,
    families: pl.DataFrame,
    r_households: pl.DataFrame,
    r_members: pl.DataFrame,
    source: str,
    as_of: dt.date,
) -> Plan:
    person_fields = [name for name in PERSON_COMPARED if name in staged.person_fields]
    household_fields = [name for name in HOUSEHOLD_COMPARED if name in families.columns]
    changes: list[pl.DataFrame] = []
    # --- households
    known = families.filter(pl.col("hid").is_not_null()).join(
        r_households.rename({name: f"_r_{name}" for name in HOUSEHOLD_COMPARED}),
        on="hid",
        how="left",
    )
    compared = [name for name in household_fields if name != "kelurahan_code"] + (
        ["kelurahan_code"] if "kelurahan_code" in household_fields else []
    )
    flags = [_changed(name, f"_r_{name}").alias(f"_c_{name}") for name in compared]
    known = known.with_columns(flags) if flags else known
    any_household = (
        pl.any_horizontal(pl.col(f"_c_{name}") for name in compared) if compared else pl.lit(False)
    )
    household_updates = known.filter(any_household)
    household_updates = _keep_unchanged(household_updates, compared)
    changes.append(
        _change_rows(
            household_updates,
            ChangeKind.HOUSEHOLD_UPDATED,
            compared,
            person=False,
            label="_head_name",
        )
    )
    new_households = families.filter(pl.col("hid").is_null())
    # --- persons
    person_updates = pl.DataFrame()
    new_persons = pl.DataFrame()
    ended: list[pl.DataFrame] = []
    new_memberships = pl.DataFrame()
    deaths = pl.DataFrame()
    persons_left = 0
    unchanged = 0
    if not persons.is_empty():
        present = pl.col("presence").is_null() | (pl.col("presence") == "ada")
        matched = persons.filter(pl.col("pid").is_not_null()).sort("pid")
        changed_any, changed_rows = _person_flags(
            matched, person_fields, fill_only=source in FILL_ONLY_SOURCES
        )
        matched = matched.with_columns(changed_any.alias("_changed"))
        matched = matched.join(
            r_members.select(
                "pid",
                pl.col("mid").alias("_mid"),
                pl.col("hid").alias("_cur_hid"),
                pl.col("relationship").alias("_cur_rel"),
                pl.col("start_date").alias("_cur_start"),
            ),
            on="pid",
            how="left",
        )
        any_person = pl.col("_changed")
        person_updates = (
            changed_rows.filter(present) if not changed_rows.is_empty() else changed_rows
        )
        person_updates = _keep_unchanged(person_updates, person_fields)
        changes.append(
            _change_rows(person_updates, ChangeKind.PERSON_UPDATED, person_fields, person=True)
        )
        # memberships of matched persons: moved in, relationship corrected, died, left
        target_hid = pl.col("hid")
        moving = matched.filter(present & pl.col("_cur_hid").ne_missing(target_hid))
        relabel = matched.filter(
            present
            & (pl.col("_cur_hid") == target_hid)
            & (pl.col("_cur_rel") != pl.col("relationship"))
        )
        died = matched.filter(pl.col("presence") == "meninggal")
        gone = matched.filter(
            pl.col("presence").is_in(["pindah", "tidak_ditemukan"]) & pl.col("_mid").is_not_null()
        )
        unchanged = matched.filter(
            present
            & ~any_person
            & (pl.col("_cur_hid") == target_hid)
            & (pl.col("_cur_rel") == pl.col("relationship"))
        ).height
        for frame, reason in (
            (moving, c.MembershipEnd.MOVED_OUT),
            (relabel, c.MembershipEnd.CORRECTION),
            (died, c.MembershipEnd.DEATH),
            (gone, c.MembershipEnd.MOVED_OUT),
        ):
            ended.append(
                frame.filter(pl.col("_mid").is_not_null()).select(
                    pl.col("_mid").alias("id"),
                    pl.col("_cur_start").alias("start_date"),
                    pl.lit(str(reason)).alias("end_reason"),
                )
            )
        deaths = died.select(pl.col("pid").alias("id"))
        changes.append(
            _change_rows(
                died.with_columns(pl.col("_cur_hid").alias("hid")),
                ChangeKind.PERSON_DIED,
                [],
                person=True,
            )
        )
        changes.append(
            _change_rows(
                gone.with_columns(pl.col("_cur_hid").alias("hid")),
                ChangeKind.PERSON_LEFT,
                [],
                person=True,
            )
        )
        new_persons = persons.filter(pl.col("pid").is_null() & present)
        entering = pl.concat(
            [
                moving.select(
                    ROW,
                    FILE,
                    FKEY,
                    "pid",
                    "relationship",
                    "full_name",
                    pl.when(pl.col("_cur_hid").is_null())
                    .then(pl.lit(str(c.MembershipStart.LISTED)))
                    .otherwise(pl.lit(str(c.MembershipStart.MOVED_IN)))
                    .alias("start_reason"),
                ),
                relabel.select(
                    ROW,
                    FILE,
                    FKEY,
                    "pid",
                    "relationship",
                    "full_name",
                    pl.lit(str(c.MembershipStart.CORRECTION)).alias("start_reason"),
                ),
                new_persons.select(
                    ROW,
                    FILE,
                    FKEY,
                    pl.lit(None, pl.Int64).alias("pid"),
                    "relationship",
                    "full_name",
                    pl.lit(str(c.MembershipStart.LISTED)).alias("start_reason"),
                ),
            ],
            how="vertical_relaxed",
        )
        new_memberships = entering
        # members no longer on the family's card
        listed = persons.filter(pl.col("pid").is_not_null())["pid"].implode()
        matched_households = families.filter(pl.col("hid").is_not_null())["hid"].implode()
        leaving = r_members.filter(
            pl.col("hid").is_in(matched_households) & ~pl.col("pid").is_in(listed)
        )
        persons_left = leaving.height + gone.height
        ended.append(
            leaving.select(
                pl.col("mid").alias("id"),
                pl.col("start_date"),
                pl.lit(str(c.MembershipEnd.MOVED_OUT)).alias("end_reason"),
            )
        )
        changes.append(
            _change_rows(
                leaving.with_columns(pl.lit(None, pl.Int64).alias(ROW)),
                ChangeKind.PERSON_LEFT,
                [],
                person=True,
            )
        )
    memberships_ended = (
        pl.concat([frame for frame in ended if not frame.is_empty()], how="vertical_relaxed")
        if any(not frame.is_empty() for frame in ended)
        else pl.DataFrame(schema={"id": pl.Int64, "start_date": pl.Date, "end_reason": pl.String})
    ).unique("id", keep="first")
    memberships_ended = memberships_ended.with_columns(
        pl.max_horizontal(pl.col("start_date"), pl.lit(as_of)).alias("end_date")
    )
    welfare, programmes = _welfare_plan(staged, families, source)
    plan = Plan(
        new_households=new_households,
        household_updates=household_updates,
        new_persons=new_persons,
        person_updates=person_updates,
        memberships_ended=memberships_ended,
        deaths=deaths,
        new_memberships=new_memberships,
        welfare=welfare,
        programmes=programmes,
        changes=pl.concat(
            [frame for frame in changes if not frame.is_empty()], how="diagonal_relaxed"
        )
        if any(not frame.is_empty() for frame in changes)
        else pl.DataFrame(),
        person_fields=person_fields,
        household_fields=compared,
        matched_households=families.filter(pl.col("hid").is_not_null()).select(FKEY, "hid"),
    )
    plan.counts = _counts(
        staged,
        plan,
        households_updated=household_updates.height,
        persons_updated=person_updates.height,
        unchanged=unchanged,
        persons_left=persons_left,
    )
    return plan


def _keep_unchanged(updates: pl.DataFrame, fields: list[str]) -> pl.DataFrame:
    """The values to write: the file's where it changes a field, the registry's elsewhere."""
    if updates.is_empty() or not fields:
        return updates
    return updates.with_columns(
        pl.when(pl.col(f"_c_{name}")).then(pl.col(name)).otherwise(pl.col(f"_r_{name}")).alias(name)
        for name in fields
    )


def _change_rows(
    frame: pl.DataFrame,
    kind: str,
    fields: list[str],
    *,
    person: bool,
    label: str = "full_name",
) -> pl.DataFrame:
    """ImportChange rows; `changes` is `{field: [old, new]}` for the fields that differ."""
    if frame.is_empty():
        return pl.DataFrame()
    records = []
    columns = frame.columns
    for row in frame.iter_rows(named=True):
        differences = {
            name: [_plain(row.get(f"_r_{name}")), _plain(row.get(name))]
            for name in fields
            if row.get(f"_c_{name}")
        }
        records.append(
            {
                "kind": str(kind),
                "hid": row.get("hid"),
                "pid": row.get("pid") if person else None,
                "label": str(row.get(label) or "")[:150] if label in columns else "",
                "changes": json.dumps(differences, ensure_ascii=False) if differences else "{}",
                "kelurahan_code": row.get("kelurahan_code"),
            }
        )
    return pl.DataFrame(
        records,
        schema={
            "kind": pl.String,
            "hid": pl.Int64,
            "pid": pl.Int64,
            "label": pl.String,
            "changes": pl.String,
            "kelurahan_code": pl.String,
        },
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _welfare_plan(
    staged: Staged, families: pl.DataFrame, source: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """New welfare records where the file's welfare data differ from the current record."""
    given = [name for name in WELFARE_COMPARED if name in staged.household_fields]
    assets = [name for name in ASSET_FIELDS if name in staged.household_fields]
    programmes = [name for name in PROGRAMME_FIELDS if name in staged.household_fields]
    welfare = pl.DataFrame()
    if given or assets:
        frame = families.select(
            FKEY,
            "hid",
            *given,
            *assets,
            *(
                [pl.struct(*assets).struct.json_encode().alias("assets")]
                if assets
                else [pl.lit("{}").alias("assets")]
            ),
        )
        frame = frame.with_columns(
            pl.col("assets").str.replace_all('"asset_', '"')
        )  # {"asset_ac": true} → {"ac": true}
        records = (
            registry_welfare()
            if frame["hid"].drop_nulls().len()
            else pl.DataFrame(schema=_welfare_types())
        )
        frame = frame.join(
            records.rename({name: f"_r_{name}" for name in [*WELFARE_COMPARED, "assets"]}).rename(
                {"household_id": "hid"}
            ),
            on="hid",
            how="left",
        )
        differs = [_changed(name, f"_r_{name}") for name in given]
        if assets:
            differs.append(_assets_differ(assets))
        welfare = frame.filter(pl.col("wid").is_null() | pl.any_horizontal(differs)).drop(assets)
    receipts = pl.DataFrame()
    if programmes:
        flagged = families.select(FKEY, "hid", *programmes).unpivot(
            index=[FKEY, "hid"], variable_name="programme", value_name="flag"
        )
        flagged = flagged.filter(pl.col("flag") == True).with_columns(  # noqa: E712
            pl.col("programme").str.replace("^programme_", "")
        )
        existing = registry_programmes(source).rename({"household_id": "hid"})
        receipts = flagged.join(existing, on=["hid", "programme"], how="anti")
    return welfare, receipts


def _assets_differ(assets: list[str]) -> pl.Expr:
    """Each asset flag against the registry's JSON, read with a JSON path (PostgreSQL's
    jsonb has its own key order and spacing; decoding whole objects costs far more)."""
    differs = [
        pl.col(name)
        .cast(pl.String)
        .ne_missing(pl.col("_r_assets").str.json_path_match(f"$.{name.removeprefix('asset_')}"))
        for name in assets
    ]
    return pl.col("_r_assets").is_null() | pl.any_horizontal(differs)
