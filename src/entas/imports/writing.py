"""Write a linked plan into the registry. The caller holds one transaction around it all.

Order matters for the registry's constraints: memberships end before new ones start (one
current membership per person, one current head per household), households exist before
persons point at them. Inserts are bulk (COPY on PostgreSQL); updates touch only the rows
that change.
"""

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import polars as pl
from django.db import connection
from django.utils import timezone

from entas.core.bulk import bulk_insert_frame, bulk_update_frame, id_block, now_for_database
from entas.imports.linking import WELFARE_TEXT, Plan
from entas.imports.models import ChangeKind, ImportBatch, ImportChange
from entas.imports.staging import FKEY, ROW
from entas.linkage.choices import RunKind, RunStatus
from entas.linkage.models import MatchRun
from entas.linkage.review import PairInput, pairs_record
from entas.registry import choices as c
from entas.registry.models import (
    WELFARE_FIELDS,
    Household,
    Membership,
    Person,
    PersonNameToken,
    ProgrammeReceipt,
    WelfareRecord,
)

PERSON_TEXT = [
    "birth_place",
    "mother_name",
    "marital_status",
    "education",
    "school_participation",
    "occupation",
    "chronic_illness",
]
DESIL_SOURCE = {"dtsen": c.DesilSource.DTSEN_NATIONAL, "p3ke": c.DesilSource.P3KE}


def write(plan: Plan, *, batch: ImportBatch, source: str, as_of: dt.date) -> None:
    if plan.new_households.is_empty() and plan.matched_households.is_empty():
        return  # nothing in the files could be placed in a family
    _sqlite_cache(-262144)
    try:
        _write(plan, batch=batch, source=source, as_of=as_of)
    finally:
        _sqlite_cache(-2000)


def _sqlite_cache(pages: int) -> None:
    """SQLite's default page cache is 2 MB: index pages of a million-row registry then come
    from disk on every insert. A load gets 256 MB (negative = KiB), then the default again."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(pages)}")


def _write(plan: Plan, *, batch: ImportBatch, source: str, as_of: dt.date) -> None:
    now = now_for_database()
    _end_memberships(plan, now)
    if not plan.deaths.is_empty():
        bulk_update_frame(
            Person,
            plan.deaths.with_columns(
                pl.lit(str(c.PersonStatus.DECEASED)).alias("status"),
                pl.lit(now).alias("updated_at"),
            ),
        )
    _update_persons(plan, now)
    if not plan.household_updates.is_empty():
        bulk_update_frame(
            Household,
            plan.household_updates.select(
                pl.col("hid").alias("id"),
                *[
                    pl.col(name).alias("kelurahan_id" if name == "kelurahan_code" else name)
                    for name in plan.household_fields
                ],
                pl.lit(now).alias("updated_at"),
            ).with_columns(
                *[
                    pl.col(name).fill_null("")
                    for name in ("address", "rt", "rw")
                    if name in plan.household_fields
                ]
            ),
        )
    # A new family's welfare record id is known before the family is written, so the
    # household row is inserted pointing at it instead of being updated afterwards.
    welfare_ids = _welfare_ids_of_new_households(plan)
    household_of = _insert_households(
        plan, source=source, as_of=as_of, now=now, welfare_ids=welfare_ids
    )
    person_of = _insert_persons(plan, now=now)
    _insert_memberships(plan, household_of, person_of, as_of=as_of, now=now)
    _record_review_pairs(plan, person_of, batch=batch)
    _write_welfare(plan, household_of, welfare_ids, source=source, as_of=as_of, now=now)
    if not plan.programmes.is_empty():
        bulk_insert_frame(
            ProgrammeReceipt,
            plan.programmes.join(household_of, on=FKEY, how="inner").select(
                pl.col("_id").alias("household"),
                "programme",
                pl.lit(source).alias("source"),
                pl.lit(as_of).alias("as_of"),
                pl.lit(now).alias("created_at"),
                pl.lit(now).alias("updated_at"),
            ),
        )
    _write_changes(plan, batch, household_of, person_of)


def _end_memberships(plan: Plan, now: Any) -> None:
    if plan.memberships_ended.is_empty():
        return
    bulk_update_frame(
        Membership,
        plan.memberships_ended.select(
            "id", "end_date", "end_reason", pl.lit(now).alias("updated_at")
        ),
    )


def _update_persons(plan: Plan, now: Any) -> None:
    updates = plan.person_updates
    if updates.is_empty() or not plan.person_fields:
        return
    values = updates.select(
        pl.col("pid").alias("id"),
        *[
            pl.col(name).fill_null("") if name in PERSON_TEXT else pl.col(name)
            for name in plan.person_fields
        ],
        pl.lit(now).alias("updated_at"),
    )
    bulk_update_frame(Person, values)
    if "full_name" in plan.person_fields:
        renamed = updates.filter(pl.col("_c_full_name")).select(
            pl.col("pid").alias("id"), "full_name"
        )
        if not renamed.is_empty():
            for ids in _chunks(renamed["id"].to_list()):
                PersonNameToken.objects.filter(person_id__in=ids).delete()
            bulk_insert_frame(PersonNameToken, name_tokens(renamed))


def name_tokens(frame: pl.DataFrame) -> pl.DataFrame:
    """`registry.services.name_tokens` column-wise: (person, token) per word of the name."""
    words = (
        frame.select(
            pl.col("id").alias("person"),
            pl.col("full_name")
            .str.normalize("NFKD")
            .str.replace_all(r"[^\x00-\x7F]", "")
            .str.to_uppercase()
            .str.replace_all(r"[^A-Z0-9]+", " ")
            .str.strip_chars()
            .str.split(" ")
            .alias("token"),
        )
        .explode("token")
        .filter(pl.col("token") != "")
        .with_columns(pl.col("token").str.slice(0, 40))
    )
    return words.unique(["person", "token"], keep="first", maintain_order=True)


def _welfare_ids_of_new_households(plan: Plan) -> pl.DataFrame:
    if plan.welfare.is_empty() or plan.new_households.is_empty():
        return pl.DataFrame(schema={FKEY: pl.String, "_wid_new": pl.Int64})
    keys = plan.welfare.join(plan.new_households.select(FKEY), on=FKEY, how="semi").select(FKEY)
    ids = id_block(WelfareRecord, keys.height)
    return keys.with_columns(pl.Series("_wid_new", ids, dtype=pl.Int64))


def _insert_households(
    plan: Plan, *, source: str, as_of: dt.date, now: Any, welfare_ids: pl.DataFrame
) -> pl.DataFrame:
    """New households; returns FKEY → household id (`_id`) for every family of the file."""
    known = plan.matched_households.select(FKEY, pl.col("hid").alias("_id"))
    new = plan.new_households
    ids = id_block(Household, new.height)
    new = new.with_columns(pl.Series("_id", ids, dtype=pl.Int64)).join(
        welfare_ids, on=FKEY, how="left"
    )
    if not new.is_empty():

        def text(name: str) -> pl.Expr:
            return (pl.col(name) if name in new.columns else pl.lit(None, pl.String)).fill_null("")

        bulk_insert_frame(
            Household,
            new.select(
                pl.col("_id").alias("id"),
                (
                    pl.col("kk_number") if "kk_number" in new.columns else pl.lit(None, pl.String)
                ).alias("kk_number"),
                text("address").str.slice(0, 255).alias("address"),
                text("rt").alias("rt"),
                text("rw").alias("rw"),
                pl.col("kelurahan_code").alias("kelurahan"),
                pl.lit(source).alias("source"),
                pl.lit(as_of).alias("as_of"),
                pl.lit(str(c.HouseholdStatus.ACTIVE)).alias("status"),
                pl.col("_wid_new").alias("current_welfare"),
                pl.lit(now).alias("created_at"),
                pl.lit(now).alias("updated_at"),
            ),
        )
    return pl.concat(
        [known, new.select(FKEY, "_id")],
        how="vertical_relaxed",
    ).unique(FKEY, keep="first")


def _record_review_pairs(plan: Plan, person_of: pl.DataFrame, *, batch: ImportBatch) -> None:
    """New persons the linkage model found likely to be a registry person: one candidate
    pair each, in the review queue, under a run that names this import."""
    review = plan.review_pairs
    if review.is_empty():
        return
    rows = review.join(person_of, on=["_file", ROW], how="inner")
    pairs = [
        PairInput(
            person_l=row["_pid"],
            person_r=row["person_r"],
            rule=row["rule"],
            match_probability=row["match_probability"],
            match_weight=row["match_weight"],
            explanation=json.loads(row["explanation"]),
        )
        for row in rows.iter_rows(named=True)
        if row["_pid"] != row["person_r"]
    ]
    run = MatchRun.objects.create(
        kind=RunKind.IMPORT,
        status=RunStatus.DONE,
        import_batch_id=batch.pk,
        started_by=batch.created_by,
        finished_at=timezone.now(),
    )
    run.summary = {"pasangan": len(pairs), **pairs_record(run, pairs)}
    run.save(update_fields=["summary"])


def _insert_persons(plan: Plan, *, now: Any) -> pl.DataFrame:
    """New persons; returns ROW (and file) → person id (`_pid`) for new and matched persons."""
    # Ids in NIK order: both the primary key and the NIK indexes then grow at their end
    # instead of at random pages (a fifth less time for COPY into PostgreSQL).
    new = plan.new_persons.sort("nik", nulls_last=True)
    ids = id_block(Person, new.height)
    new = new.with_columns(pl.Series("_pid", ids, dtype=pl.Int64))
    if not new.is_empty():
        columns: list[pl.Expr] = [pl.col("_pid").alias("id")]
        for name in plan.person_fields:
            expression = pl.col(name)
            if name in PERSON_TEXT:
                expression = expression.fill_null("")
            columns.append(expression.alias(name))
        for name in PERSON_TEXT:
            if name not in plan.person_fields:
                columns.append(pl.lit("").alias(name))
        columns += [
            pl.lit(str(c.PersonStatus.ACTIVE)).alias("status"),
            pl.lit(now).alias("created_at"),
            pl.lit(now).alias("updated_at"),
        ]
        bulk_insert_frame(Person, new.select(columns))
        bulk_insert_frame(
            PersonNameToken, name_tokens(new.select(pl.col("_pid").alias("id"), "full_name"))
        )
    return new.select("_file", ROW, "_pid")


def _insert_memberships(
    plan: Plan,
    household_of: pl.DataFrame,
    person_of: pl.DataFrame,
    *,
    as_of: dt.date,
    now: Any,
) -> None:
    entering = plan.new_memberships
    if entering.is_empty():
        return
    rows = entering.join(person_of, on=["_file", ROW], how="left").join(
        household_of, on=FKEY, how="inner"
    )
    rows = rows.select(
        pl.coalesce("pid", "_pid").alias("person"),
        pl.col("_id").alias("household"),
        "relationship",
        pl.lit(as_of).alias("start_date"),
        "start_reason",
        pl.lit("").alias("end_reason"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )
    # Heads first, so a household never has two current heads even for a moment.
    bulk_insert_frame(Membership, rows.sort(pl.col("relationship") != "kepala"))


def _write_welfare(
    plan: Plan,
    household_of: pl.DataFrame,
    welfare_ids: pl.DataFrame,
    *,
    source: str,
    as_of: dt.date,
    now: Any,
) -> None:
    welfare = plan.welfare
    if welfare.is_empty():
        return
    welfare = welfare.join(household_of, on=FKEY, how="inner")
    given = [name for name in (*WELFARE_FIELDS, "desil") if name in welfare.columns]
    text = WELFARE_TEXT & set(given)
    same_day = _same_day_records(welfare["_id"].to_list(), source=source, as_of=as_of)
    welfare = welfare.join(same_day, on="_id", how="left")
    values = [pl.col(name).fill_null("") if name in text else pl.col(name) for name in given]
    extra = [
        pl.lit(str(DESIL_SOURCE.get(source, c.DesilSource.DTKS)) if "desil" in given else "").alias(
            "desil_source"
        ),
        pl.lit(now).alias("updated_at"),
    ]
    existing = welfare.filter(pl.col("_wid").is_not_null())
    bulk_update_frame(
        WelfareRecord,
        existing.select(pl.col("_wid").alias("id"), *values, "assets", *extra),
    )
    fresh = welfare.filter(pl.col("_wid").is_null()).join(welfare_ids, on=FKEY, how="left")
    needing = fresh.filter(pl.col("_wid_new").is_null())
    ids = id_block(WelfareRecord, needing.height)
    fresh = pl.concat(
        [
            fresh.filter(pl.col("_wid_new").is_not_null()).with_columns(
                pl.col("_wid_new").alias("_wid")
            ),
            needing.with_columns(pl.Series("_wid", ids, dtype=pl.Int64)),
        ],
        how="vertical_relaxed",
    )
    blanks = [pl.lit("").alias(name) for name in sorted(WELFARE_TEXT) if name not in given]
    bulk_insert_frame(
        WelfareRecord,
        fresh.select(
            pl.col("_wid").alias("id"),
            pl.col("_id").alias("household"),
            pl.lit(as_of).alias("as_of"),
            pl.lit(source).alias("source"),
            *values,
            *blanks,
            "assets",
            *extra,
            pl.lit(now).alias("created_at"),
        ),
    )
    pointed = fresh.filter(pl.col("_wid_new").is_null()).select("_id", "_wid")
    bulk_update_frame(
        Household,
        pl.concat([existing.select("_id", "_wid"), pointed]).select(
            pl.col("_id").alias("id"), pl.col("_wid").alias("current_welfare")
        ),
    )


def _same_day_records(household_ids: list[int], *, source: str, as_of: dt.date) -> pl.DataFrame:
    found: list[tuple[int, int]] = []
    for ids in _chunks(household_ids):
        found += WelfareRecord.objects.filter(
            household_id__in=ids, source=source, as_of=as_of
        ).values_list("household_id", "id")
    return pl.DataFrame(found, schema={"_id": pl.Int64, "_wid": pl.Int64}, orient="row")


def _write_changes(
    plan: Plan, batch: ImportBatch, household_of: pl.DataFrame, person_of: pl.DataFrame
) -> None:
    parts = []
    if not plan.changes.is_empty():
        parts.append(plan.changes)
    new = plan.new_households.join(household_of, on=FKEY, how="inner")
    entering = plan.new_memberships
    if not new.is_empty():
        sizes = entering.group_by(FKEY).agg(pl.len().alias("_members"))
        parts.append(
            new.join(sizes, on=FKEY, how="left").select(
                pl.lit(str(ChangeKind.HOUSEHOLD_NEW)).alias("kind"),
                pl.col("_id").alias("hid"),
                pl.lit(None, pl.Int64).alias("pid"),
                pl.col("_head_name").fill_null("").str.slice(0, 150).alias("label"),
                pl.format('{{"anggota": [null, {}]}}', pl.col("_members").fill_null(0)).alias(
                    "changes"
                ),
                "kelurahan_code",
            )
        )
        # Members of a new family enter with it: the family's row says how many.
        entering = entering.join(new.select(FKEY), on=FKEY, how="anti")
    if not entering.is_empty():
        rows = entering.join(person_of, on=["_file", ROW], how="left").join(
            household_of, on=FKEY, how="inner"
        )
        parts.append(
            rows.select(
                pl.lit(str(ChangeKind.PERSON_ENTERED)).alias("kind"),
                pl.col("_id").alias("hid"),
                pl.coalesce("pid", "_pid").alias("pid"),
                pl.col("full_name").str.slice(0, 150).alias("label"),
                pl.lit("{}").alias("changes"),
                pl.lit(None, pl.String).alias("kelurahan_code"),
            )
        )
    if not parts:
        return
    changes = _with_person_households(pl.concat(parts, how="diagonal_relaxed"))
    missing = changes.filter(pl.col("kelurahan_code").is_null())["hid"].unique().to_list()
    where: list[tuple[int, str]] = []
    for ids in _chunks(missing):
        where += Household.objects.filter(id__in=ids).values_list("id", "kelurahan_id")
    places = pl.DataFrame(where, schema={"hid": pl.Int64, "_kel": pl.String}, orient="row")
    changes = changes.join(places, on="hid", how="left").with_columns(
        pl.coalesce("kelurahan_code", "_kel").alias("kelurahan_code")
    )
    bulk_insert_frame(
        ImportChange,
        changes.filter(pl.col("kelurahan_code").is_not_null() & pl.col("hid").is_not_null()).select(
            pl.lit(batch.pk).alias("batch"),
            "kind",
            pl.col("kelurahan_code").alias("kelurahan"),
            pl.col("hid").alias("household_id"),
            pl.col("pid").alias("person_id"),
            pl.col("label").fill_null(""),
            "changes",
        ),
    )


def _with_person_households(changes: pl.DataFrame) -> pl.DataFrame:
    """A person's change whose family in the file is new to the registry was planned
    before that family had an id: it belongs to the person's household as written now
    (the newest membership)."""
    orphans = changes.filter(pl.col("hid").is_null() & pl.col("pid").is_not_null())
    if orphans.is_empty():
        return changes
    homes: dict[int, int] = {}
    for ids in _chunks(orphans["pid"].unique().to_list()):
        memberships = Membership.objects.filter(person_id__in=ids).order_by(
            "person_id", "-start_date", "-pk"
        )
        for person_id, household_id in memberships.values_list("person_id", "household_id"):
            homes.setdefault(person_id, household_id)
    found = pl.DataFrame(
        list(homes.items()), schema={"pid": pl.Int64, "_home": pl.Int64}, orient="row"
    )
    return (
        changes.join(found, on="pid", how="left")
        .with_columns(pl.coalesce("hid", "_home").alias("hid"))
        .drop("_home")
    )


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    """Ids in pieces small enough for an `IN (...)` on every database."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
