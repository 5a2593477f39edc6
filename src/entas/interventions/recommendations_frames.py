"""The frames a recommendations run evaluates, read in bulk (one query per table): the
period's families with their welfare and national programme receipts, their current members
and their open needs.

Which families: those classified **ekstrem or miskin** in the period (and still active).
Members are those whose membership covers the period's reference (end) date and who are
alive (status aktif); ages are computed on that date. An unknown value stays null, so that
no condition holds on it (`eligibility`).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Q

from entas.interventions import eligibility as e
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


@dataclass
class Inputs:
    """The frames a run evaluates: households, current members, open needs."""

    households: pl.DataFrame
    persons: pl.DataFrame
    needs: pl.DataFrame


def frame_of(rows: list[tuple], schema: dict[str, Any]) -> pl.DataFrame:
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
        frame_of(rows, schema)
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
    classified = frame_of(
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
    welfare = frame_of(
        list(
            Household.objects.filter(pk__in=households).values_list(
                "pk", "current_welfare__floor_area_m2",
                *(f"current_welfare__{name}" for name in WELFARE_CODES),
            )
        ),
        {"household_id": pl.Int64, "floor_area": pl.Int64,
         **{f"w_{name}": pl.String for name in WELFARE_CODES}},
    )  # fmt: skip
    receipts = frame_of(
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
    return frame_of(rows, schema)


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
