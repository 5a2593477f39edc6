"""The four uses of linkage on the registry: deduplicate it, match new records to it (an
import, a citizen's report), and the model that does it, trained and versioned.

Registry persons enter the engine as records whose record_id is the person's id (text).
Only active persons are compared. A warm index of the registry is kept per process and
rebuilt when the registry changed (see `_registry_stamp`).
"""

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from entas.core.services import audit_record
from entas.linkage import engine, preparing, warm
from entas.linkage.choices import RunKind, RunStatus
from entas.linkage.models import LinkageModel, MatchRun
from entas.linkage.review import PairInput, auto_merge, pairs_record
from entas.registry.choices import PersonStatus
from entas.registry.models import Person

_REGISTRY_SQL = """
SELECT p.id, p.nik, p.full_name, CAST(p.birth_date AS VARCHAR(10)), p.sex, p.birth_place,
       h.address, h.rt, h.rw, r.code, p.mother_name, h.kk_number
FROM registry_person p
LEFT JOIN registry_membership m ON m.person_id = p.id AND m.end_date IS NULL
LEFT JOIN registry_household h ON h.id = m.household_id
LEFT JOIN wilayah_region r ON r.code = h.kelurahan_id
WHERE p.status = %s
"""


def registry_records(
    *, person_ids: list[int] | None = None, kelurahan_codes: list[str] | None = None
) -> pl.DataFrame:
    """Active registry persons as engine records (`preparing.COLUMNS`), one row per person."""
    sql, params = _REGISTRY_SQL, [PersonStatus.ACTIVE.value]
    values: list[Any] = params
    if person_ids is not None:
        sql += f" AND p.id IN ({', '.join(['%s'] * len(person_ids))})" if person_ids else " AND 1=0"
        values += person_ids
    if kelurahan_codes is not None:
        marks = ", ".join(["%s"] * len(kelurahan_codes)) or "NULL"
        sql += f" AND r.code IN ({marks})"
        values += kelurahan_codes
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    raw = pl.DataFrame(
        rows,
        schema=[
            ("id", pl.Int64),
            ("nik", pl.Utf8),
            ("full_name", pl.Utf8),
            ("birth_date", pl.Utf8),
            ("sex", pl.Utf8),
            ("birth_place", pl.Utf8),
            ("address", pl.Utf8),
            ("rt", pl.Utf8),
            ("rw", pl.Utf8),
            ("kelurahan_code", pl.Utf8),
            ("mother_name", pl.Utf8),
            ("kk_number", pl.Utf8),
        ],
        orient="row",
    )
    # One row per person even if two memberships are open (a data error elsewhere).
    raw = raw.unique("id", keep="first", maintain_order=True)
    return raw.select(
        pl.col("id").cast(pl.Utf8).alias("record_id"),
        "nik",
        "full_name",
        pl.col("birth_date").str.slice(0, 10),
        "sex",
        "birth_place",
        preparing.address_with_rt_rw(pl.col("address"), pl.col("rt"), pl.col("rw")).alias(
            "address"
        ),
        "kelurahan_code",
        "mother_name",
        "kk_number",
    )


# --- the model -----------------------------------------------------------------------------


def active_matcher() -> engine.Matcher:
    """The model an admin trained and activated, else the one shipped with entas."""
    model = LinkageModel.objects.filter(is_active=True).only("parameters").first()
    return engine.Matcher(model.parameters) if model else engine.default_matcher()


@transaction.atomic
def model_train(*, actor: Any, activate: bool = True) -> LinkageModel:
    """Estimate the model on the registry itself and save it as the next version."""
    records = preparing.prepare(registry_records())
    parameters = engine.train(records)
    version = (LinkageModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    if activate:
        LinkageModel.objects.filter(is_active=True).update(is_active=False)
    model = LinkageModel.objects.create(
        version=version,
        parameters=parameters,
        trained_on="registri",
        record_count=records.height,
        is_active=activate,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="linkage.model_train",
        target=model,
        summary=f"Model pencocokan v{version} dilatih pada {records.height} individu.",
    )
    return model


@transaction.atomic
def model_activate(*, actor: Any, model: LinkageModel) -> LinkageModel:
    """Make `model` the one every run, import and report lookup uses from now on."""
    LinkageModel.objects.filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    LinkageModel.objects.filter(pk=model.pk).update(is_active=True)
    model.refresh_from_db()
    audit_record(
        actor=actor,
        action="linkage.model_activate",
        target=model,
        summary=f"Model pencocokan v{model.version} dipakai.",
    )
    return model


def model_train_start(*, actor: Any) -> None:
    """Queue a training on the registry; the worker runs `model_train`."""
    from entas.linkage.tasks import train_task  # the task module imports this one

    audit_record(actor=actor, action="linkage.model_train_start", summary="")
    user_id = actor.pk if getattr(actor, "pk", None) else None
    transaction.on_commit(lambda: train_task.enqueue(user_id))


# --- the warm index ------------------------------------------------------------------------

_warm_lock = threading.Lock()
_warm: dict[str, Any] = {}


def _registry_stamp() -> tuple[Any, ...]:
    """Changes whenever a person is added, changed or leaves: the warm index is then stale."""
    stamp = Person.objects.aggregate(n=Max("id"), at=Max("updated_at"))
    model = LinkageModel.objects.filter(is_active=True).values_list("version", flat=True).first()
    return (stamp["n"], stamp["at"], model, connection.settings_dict["NAME"])


def warm_index() -> warm.WarmIndex:
    stamp = _registry_stamp()
    with _warm_lock:
        if _warm.get("stamp") != stamp:
            records = preparing.prepare(registry_records())
            _warm["index"] = warm.WarmIndex(active_matcher(), records)
            _warm["stamp"] = stamp
        return _warm["index"]


@dataclass(frozen=True)
class RecordMatch:
    person_id: int
    match_probability: float
    match_weight: float
    rule: str
    explanation: list[dict[str, Any]]


def match_record(
    values: dict[str, Any], *, limit: int = 10, kelurahan_codes: list[str] | None = None
) -> list[RecordMatch]:
    """Registry persons who may be the person `values` describes, best first.

    `values` may hold full_name, nik, birth_date, sex, kelurahan_code, address,
    mother_name, birth_place and kk_number; any may be missing.
    """
    record = {column: _text(values.get(column)) for column in preparing.COLUMNS}
    record["record_id"] = "baru"
    prepared = preparing.prepare(
        pl.DataFrame([record], schema=dict.fromkeys(preparing.COLUMNS, pl.Utf8))
    )
    index = warm_index()
    threshold = settings.LINKAGE_REVIEW_THRESHOLD
    pairs = index.match(prepared, threshold=threshold)
    if kelurahan_codes is not None:
        allowed = index.registry.filter(pl.col("kelurahan_code").is_in(kelurahan_codes))
        pairs = pairs.filter(pl.col("record_id_r").is_in(allowed["record_id"].implode()))
    pairs = pairs.head(limit)
    theirs = (
        pairs.select("record_id_r")
        .join(index.registry, left_on="record_id_r", right_on="record_id", how="left")
        .rename({"record_id_r": "record_id"})
        .select(preparing.PREPARED_COLUMNS)
    )
    mine = pl.concat([prepared] * pairs.height) if pairs.height else prepared.clear()
    explanations = index.matcher.explanations(mine, theirs)
    return [
        RecordMatch(
            person_id=int(pair["record_id_r"]),
            match_probability=pair["match_probability"],
            match_weight=pair["match_weight"],
            rule=pair["rule"],
            explanation=explanation,
        )
        for pair, explanation in zip(pairs.iter_rows(named=True), explanations, strict=True)
    ]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


# --- deduplicating the registry -------------------------------------------------------------


def run_dedupe(*, actor: Any, threshold: float | None = None, auto: bool = False) -> MatchRun:
    """Queue a deduplication of the whole registry; the worker runs `dedupe_registry`."""
    from entas.linkage.tasks import dedupe_task  # the task module imports this one

    run = MatchRun.objects.create(
        kind=RunKind.DEDUPE,
        params={"threshold": threshold, "auto": auto},
        started_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action="linkage.dedupe_start", target=run, summary="")
    transaction.on_commit(lambda: dedupe_task.enqueue(run.pk))
    return run


def dedupe_registry(run: MatchRun) -> MatchRun:
    """Score every pair of active persons the blocking rules produce; record the pairs at or
    above the review threshold (and every same-NIK pair) for people to decide."""
    MatchRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    threshold = run.params.get("threshold") or settings.LINKAGE_REVIEW_THRESHOLD
    active = LinkageModel.objects.filter(is_active=True).first()
    if active:
        MatchRun.objects.filter(pk=run.pk).update(model=active)
    try:
        matcher = active_matcher()
        records = preparing.prepare(registry_records())
        pairs = matcher.dedupe(records, threshold=threshold)
        counts = _record_pairs(run, matcher, records, pairs)
        if run.params.get("auto"):
            counts["digabung_otomatis"] = auto_merge(run=run, actor=run.started_by)
    except Exception as error:
        MatchRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error_message=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    summary = {"individu": records.height, "pasangan": pairs.height, **counts}
    MatchRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE, summary=summary, finished_at=timezone.now()
    )
    run.refresh_from_db()
    audit_record(
        actor=run.started_by,
        action="linkage.dedupe_done",
        target=run,
        summary=f"Deduplikasi: {records.height} individu, {pairs.height} pasangan kandidat.",
        changes=summary,
    )
    return run


def _record_pairs(
    run: MatchRun, matcher: engine.Matcher, records: pl.DataFrame, pairs: pl.DataFrame
) -> dict[str, int]:
    indexed = records.with_row_index("_row")
    rows_l = pairs.join(indexed, left_on="record_id_l", right_on="record_id", how="left")
    rows_r = pairs.join(indexed, left_on="record_id_r", right_on="record_id", how="left")
    explanations = matcher.explanations(records[rows_l["_row"]], records[rows_r["_row"]])
    inputs = (
        PairInput(
            person_l=int(pair["record_id_l"]),
            person_r=int(pair["record_id_r"]),
            rule=pair["rule"],
            match_probability=pair["match_probability"],
            match_weight=pair["match_weight"],
            explanation=explanation,
        )
        for pair, explanation in zip(pairs.iter_rows(named=True), explanations, strict=True)
    )
    return pairs_record(run, inputs)
