"""Generating a synthetic city: as source files with their ground truth, or into the registry.

`synthetic_files_write` and `synthetic_registry_load` draw the same city for the same seed,
region and size. Loading refuses a registry that holds anything but earlier synthetic data:
synthetic families must never mix with real ones.
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from entas.core.bulk import refresh_statistics
from entas.core.services import audit_record
from entas.interventions.models import (
    Adoption,
    Delivery,
    Pledge,
    ProgrammeAllocation,
    Recommendation,
    Referral,
)
from entas.linkage.models import CandidatePair, Merge
from entas.registry.models import (
    Household,
    HouseholdGrant,
    Membership,
    Person,
    PersonNameToken,
    ProgrammeReceipt,
    WelfareRecord,
)
from entas.synth.city import CityGenerator, Plan, Tally
from entas.synth.exceptions import SynthError
from entas.synth.loader import SOURCE, DatabaseSink
from entas.synth.models import GroundTruthHousehold, GroundTruthPerson
from entas.synth.profile import CityFrame, city_frame
from entas.synth.writers import FileSink
from entas.targeting.models import (
    Alert,
    Classification,
    FamilyCause,
    FieldFinding,
    Graduation,
    Period,
)
from entas.verval.models import (
    Assignment,
    Campaign,
    CompanionNote,
    Companionship,
    FamilyPlan,
    Need,
    PlanGoal,
    PlanStep,
    Visit,
    VisitPhoto,
)

MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1


@dataclass
class SynthResult:
    frame: CityFrame
    seed: int
    plan: Plan
    tally: Tally
    rows: dict[str, int]
    seconds: float
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def persons_per_second(self) -> float:
        return self.tally.persons / self.seconds if self.seconds else 0.0


def synthetic_files_write(
    *, households: int, seed: int, out_dir: Path, region_code: str | None = None
) -> SynthResult:
    """Write the DTSEN-like and P3KE-like files, the ground truth and `manifest.json`."""
    frame = city_frame(region_code or settings.ENTAS_REGION_CODE)
    generator = CityGenerator(frame, households=households, seed=seed)
    started = time.perf_counter()
    with FileSink(out_dir, frame, p3ke_as_of_year=generator.p3ke_as_of.year) as sink:
        for household in generator:
            sink.write(household)
    result = SynthResult(
        frame=frame,
        seed=seed,
        plan=generator.plan,
        tally=generator.tally,
        rows=sink.rows,
        seconds=time.perf_counter() - started,
    )
    manifest = synthetic_manifest(result, p3ke_as_of=generator.p3ke_as_of.isoformat())
    with (out_dir / MANIFEST_FILE).open("w", encoding="utf-8") as file:
        json.dump(manifest, file, ensure_ascii=False, indent=2)
        file.write("\n")
    return result


def synthetic_registry_load(
    *,
    households: int,
    seed: int,
    replace: bool = False,
    region_code: str | None = None,
    actor: Any = None,
) -> SynthResult:
    """Load the synthetic city into the registry tables, with its ground truth, in one
    transaction. `replace` first deletes earlier synthetic data (and only that)."""
    frame = city_frame(region_code or settings.ENTAS_REGION_CODE)
    generator = CityGenerator(frame, households=households, seed=seed)
    started = time.perf_counter()
    with transaction.atomic():
        _check_registry_empty(replace=replace)
        deleted = _synthetic_delete() if replace else {}
        sink = DatabaseSink(as_of=frame.as_of)
        for household in generator:
            sink.write(household)
        sink.close()
        result = SynthResult(
            frame=frame,
            seed=seed,
            plan=generator.plan,
            tally=generator.tally,
            rows=sink.rows,
            seconds=0.0,
            deleted=deleted,
        )
        _audit_load(actor, result)
    refresh_statistics(Household, Person, Membership, PersonNameToken, WelfareRecord)
    result.seconds = time.perf_counter() - started  # the commit and its deferred checks too
    return result


def _audit_load(actor: Any, result: SynthResult) -> None:
    tally = result.tally
    audit_record(
        actor=actor,
        action="synth.load",
        summary=_(
            "Data sintetis %(region)s dimuat (seed %(seed)d): %(households)d keluarga, "
            "%(persons)d individu."
        )
        % {
            "region": result.frame.name,
            "seed": result.seed,
            "households": tally.households,
            "persons": tally.persons,
        },
        changes={
            "region": result.frame.code,
            "seed": result.seed,
            "households_requested": result.plan.households,
            "counts": _counts(tally),
            "rows": result.rows,
            "deleted": result.deleted,
        },
    )


def synthetic_registry_delete(*, actor: Any = None) -> dict[str, int]:
    """Delete every row `entas synth` loaded (source "sintetis"), nothing else."""
    with transaction.atomic():
        deleted = _synthetic_delete()
        audit_record(
            actor=actor,
            action="synth.delete",
            summary=_("Data sintetis dihapus: %(households)d keluarga, %(persons)d individu.")
            % {"households": deleted["households"], "persons": deleted["persons"]},
            changes={"deleted": deleted},
        )
    return deleted


def synthetic_manifest(result: SynthResult, *, p3ke_as_of: str) -> dict[str, Any]:
    """What was generated, for `manifest.json`: deterministic, no times or paths."""
    frame, plan, tally = result.frame, result.plan, result.tally
    return {
        "generator": "entas synth",
        "version": MANIFEST_VERSION,
        "seed": result.seed,
        "households_requested": plan.households,
        "region": {
            "code": frame.code,
            "name": frame.name,
            "province": frame.province_name,
            "profile": frame.has_profile,
        },
        "as_of": frame.as_of.isoformat(),
        "p3ke_as_of": p3ke_as_of,
        "extreme_poor": {
            "households": tally.extreme_households,
            "persons": tally.extreme_persons,
            "published_households": plan.published_extreme[0],
            "published_persons": plan.published_extreme[1],
            "scaled_down": plan.is_scaled,
            "line_per_capita_month": frame.extreme_line,
            "by_kecamatan": {
                code: {"households": counts[0], "persons": counts[1]}
                for code, counts in sorted(tally.extreme_by_kecamatan.items())
            },
        },
        "counts": _counts(tally),
        "dirt": dict(sorted(tally.dirt.items())),
        "p3ke_dirt": dict(sorted(tally.p3ke_dirt.items())),
        "files": result.rows,
    }


def _counts(tally: Tally) -> dict[str, int]:
    return {
        "households": tally.households,
        "persons": tally.persons,
        "deceased": tally.deceased,
        "moved": tally.moved,
        "registry_households": tally.registry_households,
        "registry_persons": tally.registry_persons,
        "duplicate_households": tally.duplicate_households,
        "duplicate_persons": tally.duplicate_persons,
        "p3ke_families": tally.p3ke_families,
        "p3ke_persons": tally.p3ke_persons,
    }


def _check_registry_empty(*, replace: bool) -> None:
    synthetic_persons = GroundTruthPerson.objects.values("person")
    real_households = Household.objects.exclude(source=SOURCE).count()
    real_persons = Person.objects.exclude(pk__in=synthetic_persons).count()
    if real_households or real_persons:
        raise SynthError(
            _(
                "Registri sudah berisi data selain data sintetis (%(households)d keluarga, "
                "%(persons)d individu). Data sintetis tidak boleh dicampur dengan data "
                "sebenarnya; muat data sintetis ke basis data kosong."
            )
            % {"households": real_households, "persons": real_persons},
            code="registry_not_empty",
        )
    if not replace and Household.objects.exists():
        raise SynthError(
            _(
                "Registri sudah berisi data sintetis dari pemuatan sebelumnya. "
                "Tambahkan --replace untuk menghapusnya lebih dahulu."
            ),
            code="synthetic_data_present",
        )


def _synthetic_delete() -> dict[str, int]:
    """Delete synthetic rows with one DELETE per table.

    QuerySet.delete() would first load every row to look for protected references; here
    the database checks them (foreign keys are deferred to commit), so a real row that
    points at a synthetic one makes the whole transaction fail and nothing is deleted.
    """
    synthetic_persons = GroundTruthPerson.objects.values("person")
    Household.objects.filter(source=SOURCE).update(current_welfare=None)
    return {
        **_interventions_on_synthetic_delete(),
        **_verval_on_synthetic_delete(),
        **_work_on_synthetic_delete(synthetic_persons),
        "name_tokens": _raw_delete(PersonNameToken.objects.filter(person__in=synthetic_persons)),
        "programme_receipts": _raw_delete(ProgrammeReceipt.objects.filter(source=SOURCE)),
        "memberships": _raw_delete(Membership.objects.filter(household__source=SOURCE)),
        # Approved verval visits add records with source "verval" to synthetic families.
        "welfare_records": _raw_delete(WelfareRecord.objects.filter(household__source=SOURCE)),
        "persons": _raw_delete(Person.objects.filter(pk__in=synthetic_persons)),
        "truth_persons": _raw_delete(GroundTruthPerson.objects.all()),
        "truth_households": _raw_delete(GroundTruthHousehold.objects.all()),
        "households": _raw_delete(Household.objects.filter(source=SOURCE)),
    }


def _interventions_on_synthetic_delete() -> dict[str, int]:
    """Referrals, deliveries, recommendations, adoptions and organisation grants about
    synthetic families. Programmes, allocations and pledges are not about a family: kept
    here (those of a period left empty go with it, in `_work_on_synthetic_delete`)."""
    households = Household.objects.filter(source=SOURCE).values("pk")
    referrals = Referral.objects.filter(household__in=households)
    return {
        "deliveries": _raw_delete(Delivery.objects.filter(referral__in=referrals)),
        "referrals": _raw_delete(referrals),
        "recommendations": _raw_delete(Recommendation.objects.filter(household__in=households)),
        "adoptions": _raw_delete(Adoption.objects.filter(household__in=households)),
        "grants": _raw_delete(HouseholdGrant.objects.filter(household__in=households)),
    }


def _verval_on_synthetic_delete() -> dict[str, int]:
    """Verval rows about synthetic families (plans, notes, companions, needs, photos, visits,
    assignments), children first; then the campaigns left with no family."""
    households = Household.objects.filter(source=SOURCE).values("pk")
    plans = FamilyPlan.objects.filter(household__in=households)
    visits = Visit.objects.filter(household__in=households)
    deleted = {
        "plan_steps": _raw_delete(PlanStep.objects.filter(goal__plan__in=plans)),
        "plan_goals": _raw_delete(PlanGoal.objects.filter(plan__in=plans)),
        "family_plans": _raw_delete(plans),
        "companion_notes": _raw_delete(CompanionNote.objects.filter(household__in=households)),
        "companionships": _raw_delete(Companionship.objects.filter(household__in=households)),
        "needs": _raw_delete(Need.objects.filter(household__in=households)),
        "visit_photos": _raw_delete(VisitPhoto.objects.filter(visit__in=visits)),
        "visits": _raw_delete(visits),
        "assignments": _raw_delete(Assignment.objects.filter(household__in=households)),
    }
    empty = Campaign.objects.exclude(pk__in=Assignment.objects.values("campaign"))
    deleted["campaigns"] = _raw_delete(empty)
    return deleted


def _work_on_synthetic_delete(synthetic_persons: QuerySet[Any]) -> dict[str, int]:
    """What later work wrote about synthetic families: linkage pairs and merges, targeting
    snapshots, causes, findings, graduations and alerts; then the periods left empty."""
    households = Household.objects.filter(source=SOURCE).values("pk")
    deleted = {
        "alerts": _raw_delete(Alert.objects.filter(household__in=households)),
        "graduations": _raw_delete(Graduation.objects.filter(household__in=households)),
        "classifications": _raw_delete(Classification.objects.filter(household__in=households)),
        "findings": _raw_delete(FieldFinding.objects.filter(household__in=households)),
        "causes": _raw_delete(FamilyCause.objects.filter(household__in=households)),
        "merges": _raw_delete(
            Merge.objects.filter(
                Q(survivor_person__in=synthetic_persons)
                | Q(merged_person__in=synthetic_persons)
                | Q(survivor_household__in=households)
                | Q(merged_household__in=households)
            )
        ),
        "candidate_pairs": _raw_delete(
            CandidatePair.objects.filter(
                Q(person_l__in=synthetic_persons) | Q(person_r__in=synthetic_persons)
            )
        ),
    }
    empty = Period.objects.exclude(pk__in=Classification.objects.values("period"))
    for model in (Graduation, Campaign):  # rows that keep a period
        empty = empty.exclude(pk__in=model.objects.values_list("period_id", flat=True))
    # The quotas and pledges of a period left empty go with it (their families are gone),
    # so a second `make demo` can classify and freeze that period again.
    deleted["allocations"] = _raw_delete(ProgrammeAllocation.objects.filter(period__in=empty))
    deleted["pledges"] = _raw_delete(Pledge.objects.filter(period__in=empty))
    deleted["periods"] = _raw_delete(empty)
    return deleted


def _raw_delete(queryset: QuerySet[Any]) -> int:
    return int(queryset._raw_delete(queryset.db))
