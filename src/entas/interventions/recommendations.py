"""Recommendations: the programmes that fit each family (or member) of a period, and why.

`recommendations_run` reads the period's families in bulk, one query per table, into three
Polars frames (`recommendations_frames`: households with their welfare and national
programme receipts, current members, open needs), evaluates every active programme's
conditions as Polars expressions (`eligibility`), and replaces the period's open
recommendations in one transaction. Nothing loops over households in Python to decide; the
only per-row Python is writing the result.

Which families: those classified **ekstrem or miskin** in the period (and still active).
Extreme-poor families are the target of Inpres 4/2022, but many city programmes (training,
capital, schooling) also serve poor families, and a programme that is for extreme-poor
families only says so with ``household.status in ["ekstrem"]``. Vulnerable (rentan)
families are left out: they are not the targeting's subject.

Rules of a run:
- ages are computed on the period's reference (end) date; members are those whose
  membership covers that date and who are alive (status aktif);
- a family programme gives one row per family; when it has person conditions (or "any of"
  groups), one member must meet them all; a person programme gives one row per member who
  meets them;
- a programme's `needs` names the need kinds it answers: the row links the family's open
  need of such a kind (for a member, a need naming that member or the whole family), and
  `need.*` conditions make such a need required;
- skipped: families (members) with a live referral to the programme in the period, with a
  live referral to a programme it excludes, or whose recommendation for it was already
  referred or dismissed (those rows are kept; only open ones are replaced);
- reasons are the conditions' sentences; an "any of" group reads as the one alternative
  that held when only one did (for a family programme's person group: the same one for
  every member who fits), otherwise as the group's own sentence.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from entas.core.bulk import bulk_insert
from entas.core.services import audit_record
from entas.interventions import choices as c
from entas.interventions import eligibility as e
from entas.interventions.models import Programme, Recommendation, Referral
from entas.interventions.recommendations_frames import Inputs, frame_of, recommendation_inputs
from entas.targeting.models import Period
from entas.verval import choices as vc

__all__ = ["RunResult", "programme_matches", "recommendation_inputs", "recommendations_run"]

RECOMMENDATION_FIELDS = (
    "created_at", "updated_at", "period_id", "household_id", "person_id", "programme_id",
    "need_id", "reasons", "status",
)  # fmt: skip
NO_PERSON = 0  # stands for "the whole family" in join keys (person ids start at 1)


@dataclass
class RunResult:
    households: int
    per_programme: dict[str, int] = field(default_factory=dict)
    kept: int = 0

    @property
    def total(self) -> int:
        return sum(self.per_programme.values())


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
        frame_of(list(rows), schema).with_columns(pl.col("person_id").fill_null(NO_PERSON))
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
    rows: pl.DataFrame, needs: pl.DataFrame, *, person: bool, required: bool, held: list[str]
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
        .select(*keys, "need_id", "kind", "detail", *held)
    )
    return rows.join(matched, on=keys, how="inner" if required else "left")


def _group_columns(conditions: list[dict[str, Any]], subject: str) -> list[str]:
    return [e.group_column(index) for index in e.groups_of(conditions, subject)]


def _fitting(
    frame: pl.DataFrame, conditions: list[dict[str, Any]], subject: str, keys: list[str]
) -> pl.DataFrame:
    """The keys of the rows of `frame` meeting the conditions about `subject`, with which
    alternative of each of its groups held (`eligibility.group_choice_expression`)."""
    indexes = e.groups_of(conditions, subject)
    return frame.filter(e.conditions_expression(e.split(conditions)[subject])).select(
        *keys,
        *(
            e.group_choice_expression(conditions[index]).alias(e.group_column(index))
            for index in indexes
        ),
    )


def _same_alternative(members: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """One row per family with a member who fits; a group's alternative is kept when it is
    the one that held for every such member."""
    return members.group_by("household_id").agg(
        pl.when((pl.col(name).null_count() == 0) & (pl.col(name).n_unique() == 1))
        .then(pl.col(name).first())
        .alias(name)
        for name in columns
    )


def _candidates(programme: Programme, inputs: Inputs) -> pl.DataFrame:
    """household_id, person_id (NO_PERSON for a family row) meeting the household and
    person conditions, with their groups' alternatives."""
    conditions = programme.eligibility
    families = _fitting(inputs.households, conditions, e.HOUSEHOLD, ["household_id"])
    keys = ["household_id", "person_id"]
    if programme.target == c.Target.PERSON:
        members = _fitting(inputs.persons, conditions, e.PERSON, keys)
        return members.join(families, on="household_id", how="inner", maintain_order="left")
    if e.split(conditions)[e.PERSON]:
        members = _fitting(inputs.persons, conditions, e.PERSON, keys).drop("person_id")
        summary = _same_alternative(members, _group_columns(conditions, e.PERSON))
        families = families.join(summary, on="household_id", how="inner", maintain_order="left")
    return families.with_columns(pl.lit(NO_PERSON, dtype=pl.Int64).alias("person_id"))


def programme_matches(programme: Programme, inputs: Inputs, blocked: pl.DataFrame) -> pl.DataFrame:
    """household_id, person_id (NO_PERSON for a family row), need_id, kind, detail, and for
    each "any of" group a `group_<index>` column: the alternative that alone held, or null."""
    person = programme.target == c.Target.PERSON
    rows = _without_blocked(_candidates(programme, inputs), blocked, person=person)
    conditions = programme.eligibility
    required = bool(e.split(conditions)[e.NEED])
    held = _group_columns(conditions, e.NEED)
    needs = _fitting(inputs.needs, conditions, e.NEED, inputs.needs.columns)
    if programme.needs:
        needs = needs.filter(pl.col("kind").is_in(list(programme.needs)))
    if programme.needs or required:
        return _first_need(rows, needs, person=person, required=required, held=held)
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
    conditions = programme.eligibility
    indexes = [index for index, item in enumerate(conditions) if e.is_group(item)]
    columns = ["household_id", "person_id", "need_id", "kind", "detail"]
    reasons: dict[tuple, list[str]] = {}  # by need kind and detail, and groups' alternatives
    for household_id, person_id, need_id, kind, detail, *held in matches.select(
        *columns, *(e.group_column(index) for index in indexes)
    ).iter_rows():
        key = (kind, detail, *held)
        if key not in reasons:
            reasons[key] = e.eligibility_reasons(conditions, dict(zip(indexes, held, strict=True)))
            if need_id is not None:
                reasons[key].append(need_sentence(kind, detail))
        yield (
            now, now, period.pk, household_id, person_id or None, programme.pk, need_id,
            reasons[key], c.RecommendationStatus.OPEN,
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
