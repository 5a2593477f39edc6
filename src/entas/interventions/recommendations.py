"""Recommendations: the programmes that fit each family (or member) of a period, and why.

`recommendations_run` reads the period's families in bulk, one query per table, into three
Polars frames (households with their welfare and national programme receipts, current
members, open needs), evaluates every active programme's conditions as Polars
expressions (`eligibility`), and replaces the period's open recommendations in one
transaction. Nothing loops over households in Python to decide; the only per-row Python
is writing the result.

Which families: those classified **ekstrem or miskin** in the period (and still active).
Extreme-poor families are the target of Inpres 4/2022, but many city programmes (training,
capital, schooling) also serve poor families, and a programme that is for extreme-poor
families only says so with ``household.status in ["ekstrem"]``. Vulnerable (rentan)
families are left out: they are not the targeting's subject.

Rules of a run:
- ages are computed on the period's reference (end) date; members are those whose
  membership covers that date and who are alive (status aktif);
- a family programme gives one row per family; when it has person conditions, one member
  must meet them all; a person programme gives one row per member who meets them;
- a programme's `needs` names the need kinds it answers: the row links the family's open
  need of such a kind (for a member, a need naming that member or the whole family), and
  `need.*` conditions make such a need required;
- skipped: families (members) with a live referral to the programme in the period, with a
  live referral to a programme it excludes, or whose recommendation for it was already
  referred or dismissed (those rows are kept; only open ones are replaced).
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from entas.core.bulk import bulk_insert
from entas.core.services import audit_record
from entas.interventions import choices as c
from entas.interventions import eligibility as e
from entas.interventions.models import Programme, Recommendation, Referral
from entas.registry import choices as rc
from entas.registry.models import DIFFICULTY_FIELDS, Household, Membership, ProgrammeReceipt
from entas.targeting import choices as tc
from entas.targeting.models import Classification, Period
from entas.verval import choices as vc
from entas.verval.models import Need

STATUSES = (tc.Status.EXTREME, tc.Status.POOR)
WELFARE_CODES = (
    "house_ownership", "floor_type", "wall_type", "roof_type", "water_source", "lighting",
    "cooking_fuel", "toilet_facility",
)  # fmt: skip
MEMBER_COLUMNS = (
    "household_id", "person_id", "relationship", "person__birth_date", "person__sex",
    "person__is_working", "person__is_pregnant", "person__chronic_illness",
    "person__school_participation", "person__education",
    *(f"person__{name}" for name in DIFFICULTY_FIELDS),
)  # fmt: skip
RECOMMENDATION_FIELDS = (
    "created_at", "updated_at", "period_id", "household_id", "person_id", "programme_id",
    "need_id", "reasons", "status",
)  # fmt: skip
NO_PERSON = 0  # stands for "the whole family" in join keys (person ids start at 1)


@dataclass
class Inputs:
    """The frames a run evaluates: households, current members, open needs."""

    households: pl.DataFrame
    persons: pl.DataFrame
    needs: pl.DataFrame


@dataclass
class RunResult:
    households: int
    per_programme: dict[str, int] = field(default_factory=dict)
    kept: int = 0

    @property
    def total(self) -> int:
        return sum(self.per_programme.values())


# --- reading -----------------------------------------------------------------------------


def _frame(rows: list[tuple], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def _blank_to_null(columns: list[str]) -> list[pl.Expr]:
    return [
        pl.when(pl.col(name) == "").then(None).otherwise(pl.col(name)).alias(name)
        for name in columns
    ]


def _age(on: dt.date) -> pl.Expr:
    born = pl.col("birth_date")
    before_birthday = (born.dt.month().cast(pl.Int32) * 100 + born.dt.day().cast(pl.Int32)) > (
        on.month * 100 + on.day
    )
    return (on.year - born.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)).alias("age")


def _persons(period: Period, households: Any) -> pl.DataFrame:
    on = period.ends_on
    rows = list(
        Membership.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=on),
            household_id__in=households,
            start_date__lte=on,
            person__status=rc.PersonStatus.ACTIVE,
        ).values_list(*MEMBER_COLUMNS)
    )
    schema = {
        "household_id": pl.Int64, "person_id": pl.Int64, "relationship": pl.String,
        "birth_date": pl.Date, "sex": pl.String, "is_working": pl.Boolean,
        "is_pregnant": pl.Boolean, "chronic_illness": pl.String, "school": pl.String,
        "education": pl.String, **dict.fromkeys(DIFFICULTY_FIELDS, pl.Int64),
    }  # fmt: skip
    difficulties = pl.min_horizontal([pl.col(name) for name in DIFFICULTY_FIELDS])
    chronic = pl.col("chronic_illness")
    return (
        _frame(rows, schema)
        .with_columns(
            _age(on),
            (difficulties.fill_null(4) <= 2).alias("disability"),
            pl.when(chronic == "")
            .then(None)
            .otherwise(chronic != rc.ChronicIllness.NONE)
            .alias("chronic"),
            *_blank_to_null(["relationship", "school", "education"]),
        )
        .drop("birth_date", "chronic_illness", *DIFFICULTY_FIELDS)
    )


def _member_counts(persons: pl.DataFrame) -> pl.DataFrame:
    return persons.group_by("household_id").agg(
        pl.len().alias("members"),
        pl.col("is_working").fill_null(False).sum().alias("workers"),
        (pl.col("age") >= 60).fill_null(False).sum().alias("elderly"),
        pl.col("disability").sum().alias("disabled"),
        (pl.col("age") < 18).fill_null(False).sum().alias("children"),
        pl.col("sex")
        .filter(pl.col("relationship") == rc.Relationship.HEAD)
        .first()
        .alias("head_sex"),
    )


def _households(period: Period, households: Any, persons: pl.DataFrame) -> pl.DataFrame:
    classified = _frame(
        list(
            Classification.objects.filter(
                period=period, status__in=STATUSES, household__status=rc.HouseholdStatus.ACTIVE
            ).values_list("household_id", "kelurahan_id", "status", "desil")
        ),
        {
            "household_id": pl.Int64,
            "kelurahan_id": pl.String,
            "status": pl.String,
            "desil": pl.Int64,
        },
    )
    welfare = _frame(
        list(
            Household.objects.filter(pk__in=households).values_list(
                "pk", "current_welfare__floor_area_m2",
                *(f"current_welfare__{name}" for name in WELFARE_CODES),
            )
        ),
        {"household_id": pl.Int64, "floor_area": pl.Int64,
         **{f"w_{name}": pl.String for name in WELFARE_CODES}},
    )  # fmt: skip
    receipts = _frame(
        list(
            ProgrammeReceipt.objects.filter(household_id__in=households, as_of__lte=period.ends_on)
            .values_list("household_id", "programme")
            .distinct()
        ),
        {"household_id": pl.Int64, "programme": pl.String},
    )
    received = receipts.with_columns(pl.lit(True).alias("yes")).pivot(
        on="programme", index="household_id", values="yes", aggregate_function="first"
    )
    received = received.rename(
        {code: e.receipt_column(code) for code in received.columns if code != "household_id"}
    )
    frame = (
        classified.join(welfare, on="household_id", how="left")
        .join(_member_counts(persons), on="household_id", how="left")
        .join(received, on="household_id", how="left")
    )
    missing = [e.receipt_column(code) for code in e.RECEIPT_CODES]
    return frame.with_columns(
        *(
            (pl.col(name).fill_null(False) if name in frame.columns else pl.lit(False)).alias(name)
            for name in missing
        ),
        *(
            pl.col(name).fill_null(0)
            for name in ("members", "workers", "elderly", "disabled", "children")
        ),
        *_blank_to_null([f"w_{name}" for name in WELFARE_CODES]),
        pl.when(pl.col("members") > 0)
        .then(pl.col("floor_area") / pl.col("members"))
        .alias("floor_area_per_person"),
    )


def _needs(households: Any) -> pl.DataFrame:
    rows = list(
        Need.objects.filter(household_id__in=households, status=vc.NeedStatus.OPEN).values_list(
            "pk", "household_id", "person_id", "kind", "detail"
        )
    )
    schema = {
        "need_id": pl.Int64, "household_id": pl.Int64, "need_person_id": pl.Int64,
        "kind": pl.String, "detail": pl.String,
    }  # fmt: skip
    return _frame(rows, schema)


def recommendation_inputs(*, period: Period) -> Inputs:
    """The period's families (ekstrem and miskin), their members and open needs, in bulk."""
    households = Classification.objects.filter(
        period=period, status__in=STATUSES, household__status=rc.HouseholdStatus.ACTIVE
    ).values("household_id")
    persons = _persons(period, households)
    return Inputs(
        households=_households(period, households, persons),
        persons=persons,
        needs=_needs(households),
    )


# --- matching ----------------------------------------------------------------------------


@dataclass
class Blocks:
    """Keys (household_id, person_id; NO_PERSON for the family) a programme must skip."""

    live: pl.DataFrame  # programme_id, household_id, person_id: live referrals
    kept: pl.DataFrame  # programme_id, household_id, person_id: referred/dismissed

    def for_programme(self, programme: Programme) -> pl.DataFrame:
        excluded = [p.pk for p in programme.excludes.all()]
        own = pl.concat(
            [
                self.live.filter(pl.col("programme_id") == programme.pk),
                self.kept.filter(pl.col("programme_id") == programme.pk),
            ]
        )
        # A live referral to an excluded programme blocks the whole family.
        others = self.live.filter(pl.col("programme_id").is_in(excluded)).with_columns(
            pl.lit(NO_PERSON, dtype=pl.Int64).alias("person_id")
        )
        return pl.concat([own, others]).select("household_id", "person_id").unique()


def _blocks(period: Period) -> Blocks:
    schema = {"programme_id": pl.Int64, "household_id": pl.Int64, "person_id": pl.Int64}
    live = Referral.objects.filter(period=period, status__in=c.LIVE).values_list(
        "programme_id", "household_id", "person_id"
    )
    kept = (
        Recommendation.objects.filter(period=period)
        .exclude(status=c.RecommendationStatus.OPEN)
        .values_list("programme_id", "household_id", "person_id")
    )
    frames = [
        _frame(list(rows), schema).with_columns(pl.col("person_id").fill_null(NO_PERSON))
        for rows in (live, kept)
    ]
    return Blocks(live=frames[0], kept=frames[1])


def _without_blocked(rows: pl.DataFrame, blocked: pl.DataFrame, *, person: bool) -> pl.DataFrame:
    """Rows minus blocked keys; a family-wide block also blocks each member's row."""
    family = blocked.filter(pl.col("person_id") == NO_PERSON).select("household_id")
    rows = rows.join(family, on="household_id", how="anti")
    if not person:
        return rows
    return rows.join(blocked, on=["household_id", "person_id"], how="anti")


def _first_need(
    rows: pl.DataFrame, needs: pl.DataFrame, *, person: bool, required: bool
) -> pl.DataFrame:
    """Each row with one matching open need (a member's own need first, then the oldest)."""
    keys = ["household_id", "person_id"]
    matched = rows.join(needs, on="household_id", how="inner")
    if person:
        matched = matched.filter(
            pl.col("need_person_id").is_null() | (pl.col("need_person_id") == pl.col("person_id"))
        )
    matched = (
        matched.sort([pl.col("need_person_id").is_null(), "need_id"])
        .unique(subset=keys, keep="first", maintain_order=True)
        .select(*keys, "need_id", "kind", "detail")
    )
    return rows.join(matched, on=keys, how="inner" if required else "left")


def programme_matches(programme: Programme, inputs: Inputs, blocked: pl.DataFrame) -> pl.DataFrame:
    """household_id, person_id (NO_PERSON for a family row), need_id, kind, detail."""
    parts = e.split(programme.eligibility)
    person = programme.target == c.Target.PERSON
    families = inputs.households.filter(e.conditions_expression(parts[e.HOUSEHOLD])).select(
        "household_id"
    )
    if person or parts[e.PERSON]:
        members = inputs.persons.filter(e.conditions_expression(parts[e.PERSON])).join(
            families, on="household_id", how="semi"
        )
        if person:
            rows = members.select("household_id", "person_id")
        else:
            rows = families.join(members, on="household_id", how="semi")
    else:
        rows = families
    if not person:
        rows = rows.with_columns(pl.lit(NO_PERSON, dtype=pl.Int64).alias("person_id"))
    rows = _without_blocked(rows, blocked, person=person)
    needs = inputs.needs.filter(e.conditions_expression(parts[e.NEED]))
    if programme.needs:
        needs = needs.filter(pl.col("kind").is_in(list(programme.needs)))
    if programme.needs or parts[e.NEED]:
        return _first_need(rows, needs, person=person, required=bool(parts[e.NEED]))
    return rows.with_columns(
        pl.lit(None, dtype=pl.Int64).alias("need_id"),
        pl.lit(None, dtype=pl.String).alias("kind"),
        pl.lit(None, dtype=pl.String).alias("detail"),
    )


# --- writing -----------------------------------------------------------------------------


def need_sentence(kind: str, detail: str | None) -> str:
    label = str(vc.NeedKind(kind).label) if kind in vc.NeedKind.values else kind
    choices = vc.NEED_DETAILS.get(vc.NeedKind(kind)) if kind in vc.NeedKind.values else None
    if detail and choices is not None and detail in choices.values:
        detail = str(choices(detail).label)
    text = f"{label} ({detail})" if detail else label
    return _("kebutuhan hasil verval: %(need)s") % {"need": text}


def _rows(period: Period, programme: Programme, matches: pl.DataFrame) -> Iterator[tuple]:
    now = timezone.now()
    base = e.eligibility_explain(programme.eligibility)
    sentences: dict[tuple[str, str | None], list[str]] = {}
    for household_id, person_id, need_id, kind, detail in matches.select(
        "household_id", "person_id", "need_id", "kind", "detail"
    ).iter_rows():
        reasons = base
        if need_id is not None:
            key = (kind, detail)
            if key not in sentences:
                sentences[key] = [*base, need_sentence(kind, detail)]
            reasons = sentences[key]
        yield (
            now, now, period.pk, household_id, person_id or None, programme.pk, need_id,
            reasons, c.RecommendationStatus.OPEN,
        )  # fmt: skip


def recommendations_run(*, actor: Any, period: Period) -> RunResult:
    """Replace the period's open recommendations by a fresh evaluation of every active
    programme; return the counts. Reasons are stored in Indonesian, the records' language."""
    programmes = list(
        Programme.objects.filter(is_active=True).prefetch_related("excludes").order_by("code")
    )
    with transaction.atomic(), translation.override("id"):
        Period.objects.select_for_update().filter(pk=period.pk).first()  # one run at a time
        inputs = recommendation_inputs(period=period)
        blocks = _blocks(period)
        Recommendation.objects.filter(period=period, status=c.RecommendationStatus.OPEN).delete()
        result = RunResult(households=inputs.households.height, kept=blocks.kept.height)
        for programme in programmes:
            matches = programme_matches(programme, inputs, blocks.for_programme(programme))
            result.per_programme[programme.code] = bulk_insert(
                Recommendation, RECOMMENDATION_FIELDS, _rows(period, programme, matches)
            )
        audit_record(
            actor=actor,
            action="recommendations_run",
            target=period,
            summary=_(
                "Rekomendasi program periode %(period)s: %(total)d baris"
                " untuk %(households)d keluarga."
            )
            % {"period": period.code, "total": result.total, "households": result.households},
            changes={"per_programme": result.per_programme, "kept": result.kept},
        )
    return result
