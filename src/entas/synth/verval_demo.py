"""The demo campaign on the synthetic city: every step of a verval cycle, through the services.

`verval_demo_run` makes one kelurahan officer (PSM) per kelurahan in the period's scope,
creates and starts the campaign "Verval <period>", gives each kelurahan's families to its
PSM, sends synthetic visits for a share of them (what an officer would find, derived from
the registry: a wheelchair for a member who cannot walk, a house repair for an earthen
floor…), reviews a share of those visits (approved by the kecamatan coordinator
`demo-petugas` in that officer's kecamatan, else by `demo-admin`; a few returned with a
note), and gives the approved extreme-poor families a companion. The same seed on the same
registry gives the same visits.

Demo only: refused when DEBUG is off, like `entas demo_users`. `replace` removes an earlier
demo campaign and its verval rows first; what approved visits wrote into the registry
(deaths, members, welfare, causes) stays there as history.
"""

import datetime as dt
import math
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from entas.accounts.models import OrganizationKind, Role, User
from entas.registry import choices as rc
from entas.registry.models import Household, Membership, Person
from entas.synth.demo_accounts import DEMO_PASSWORD, demo_mode, demo_organization, demo_user
from entas.targeting import choices as tc
from entas.targeting.models import Alert, FieldFinding, Period
from entas.verval import choices as c
from entas.verval.exceptions import VervalError
from entas.verval.models import Assignment, Campaign, Companionship, Need, Visit
from entas.verval.services import campaigns
from entas.verval.services.companions import companions_assign_bulk
from entas.verval.services.visits import (
    MemberChangeInput,
    NeedInput,
    VisitInput,
    visit_approve,
    visit_return,
    visit_submit,
)
from entas.wilayah.models import Region

ADMIN = "demo-admin"
COORDINATOR = "demo-petugas"
PSM_PREFIX = "demo-psm-"
RETURNED_SHARE = 0.05  # of the visits sent: returned with a note
RETURN_NOTES = ("Foto rumah belum ada", "Data anggota keluarga belum lengkap")
DEATH_NOTE = "Tanggal kematian perlu dicek"
# What a visit finds; "meninggal" only for one-person families (DIED_SHARE of them).
OUTCOME_WEIGHTS = {
    c.Outcome.ELIGIBLE: 80,
    c.Outcome.NOW_ABLE: 8,
    c.Outcome.MOVED: 5,
    c.Outcome.NOT_FOUND: 5,
    c.Outcome.DUPLICATE: 2,
}
DIED_SHARE = 0.25
ELDERLY_DEATH_SHARE = 0.1  # of families with a member of 70 or more (not the head)
MOVED_TO = ("Kab. Demak", "Kab. Kendal", "Kab. Semarang", "Kota Salatiga", "Kab. Grobogan")
POOR_ROOFS = {rc.RoofType.BAMBOO, rc.RoofType.THATCH, rc.RoofType.WOOD, rc.RoofType.OTHER}
POOR_FLOORS = {rc.FloorType.EARTH, rc.FloorType.BAMBOO}
UNSAFE_WATER = {
    rc.WaterSource.UNPROTECTED_WELL, rc.WaterSource.UNPROTECTED_SPRING,
    rc.WaterSource.SURFACE, rc.WaterSource.RAIN,
}  # fmt: skip
NO_METER = {rc.Lighting.NONE, rc.Lighting.PLN_UNMETERED}
METRES_PER_DEGREE = 111_320


class DemoCampaignExists(VervalError):
    """The demo campaign is already there and `replace` was not asked for."""


@dataclass
class DemoResult:
    campaign: Campaign
    households: int
    officers: int
    outcomes: Counter[str] = field(default_factory=Counter)
    approved: int = 0
    returned: int = 0
    refused: list[str] = field(default_factory=list)  # approvals refused by a registry rule
    needs: Counter[str] = field(default_factory=Counter)  # open needs by kind
    companions: dict[str, int] = field(default_factory=dict)
    replaced: bool = False

    @property
    def sent(self) -> int:
        return sum(self.outcomes.values())


@dataclass(frozen=True)
class Family:
    """What the officer sees at the door: the household and its current members."""

    household: Household
    members: list[Membership]


# --- the run ----------------------------------------------------------------------------


def verval_demo_run(
    *, period_code: str, seed: int, visited: float = 0.6, approved: float = 0.7,
    replace: bool = False,
) -> DemoResult:  # fmt: skip
    """Run the demo campaign cycle for a period; see the module docstring."""
    if not demo_mode():
        raise VervalError("Kampanye demo hanya boleh dibuat saat DEBUG aktif (mode demo).")
    if not (0 <= visited <= 1 and 0 <= approved <= 1):
        raise VervalError("--visited dan --approved harus antara 0 dan 1.")
    period = Period.objects.filter(code=period_code).first()
    if period is None:
        raise VervalError(
            f"Periode {period_code} belum ada: jalankan 'entas classify --period {period_code}'."
        )
    admin, coordinator = _demo_staff()
    name = f"Verval {period.name}"
    existing = Campaign.objects.filter(name=name, period=period, created_by=admin).first()
    if existing is not None and not replace:
        raise DemoCampaignExists(
            f"Kampanye demo “{name}” sudah ada; tambahkan --replace untuk membuatnya ulang."
        )
    if existing is not None:
        demo_campaign_delete(campaign=existing)
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not a secret
    campaign, psm = _campaign(admin, period, name)
    result = DemoResult(
        campaign=campaign, households=campaign.assignments.count(), officers=len(psm),
        replaced=existing is not None,
    )  # fmt: skip
    sent = _send_visits(campaign, rng, visited, result)
    _review(sent, rng, approved, admin, coordinator, result)
    result.companions = _companions(campaign, admin)
    result.needs = Counter(
        dict(
            Need.objects.filter(visit__assignment__campaign=campaign, status=c.NeedStatus.OPEN)
            .values_list("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
    )
    return result


def _demo_staff() -> tuple[User, User]:
    users = {u.username: u for u in User.objects.filter(username__in=[ADMIN, COORDINATOR])}
    if len(users) < 2:
        raise VervalError("Pengguna demo belum ada: jalankan 'entas demo_users' lebih dahulu.")
    return users[ADMIN], users[COORDINATOR]


def _campaign(admin: User, period: Period, name: str) -> tuple[Campaign, dict[str, User]]:
    """The campaign in progress, each kelurahan's families given to its PSM."""
    scope = campaigns.period_scope(period)
    if not scope:
        raise VervalError(f"Periode {period.code} belum punya keluarga sasaran untuk verval.")
    with transaction.atomic():
        campaign = campaigns.campaign_create(
            actor=admin, name=name, starts_on=period.starts_on, deadline=period.ends_on,
            period=period, note="Kampanye demo pada kota sintetis (entas verval_demo).",
        )  # fmt: skip
        campaigns.campaign_add_households(actor=admin, campaign=campaign, reasons=scope)
        codes = sorted(set(campaign.assignments.values_list("kelurahan_id", flat=True)))
        psm = _kelurahan_officers(codes)
        for code in codes:
            campaigns.campaign_assign_balanced(
                actor=admin, campaign=campaign, kelurahan_codes=[code], officers=[psm[code]]
            )
        campaigns.campaign_status_set(
            actor=admin, campaign=campaign, status=c.CampaignStatus.ACTIVE
        )
    return campaign, psm


def _kelurahan_officers(codes: list[str]) -> dict[str, User]:
    """One demo PSM per kelurahan (created, or reset to its demo state)."""
    dinsos = demo_organization("dinsos", "Dinas Sosial", OrganizationKind.DINSOS)
    password = make_password(DEMO_PASSWORD)  # hashed once: ~0.2 s each, hundreds of officers
    officers = {}
    for region in Region.objects.filter(code__in=codes).order_by("code"):
        officers[region.code] = demo_user(
            username=f"{PSM_PREFIX}{region.code.replace('.', '')}", role=Role.FIELD_OFFICER,
            full_name=f"PSM {region.name} (demo)", organization=dinsos, password_hash=password,
            areas=[region],
        )  # fmt: skip
    return officers


def demo_campaign_delete(*, campaign: Campaign) -> dict[str, int]:
    """Remove a demo campaign and its verval rows: needs, visits (and photos), assignments,
    the findings and alerts its visits wrote, and the companionships the demo gave. What
    approvals changed in the registry stays, as history."""
    visits = Visit.objects.filter(assignment__campaign=campaign)
    references = [f"verval:{pk}" for pk in visits.values_list("pk", flat=True)]
    households = campaign.assignments.values("household")
    with transaction.atomic():
        return {
            "companionships": Companionship.objects.filter(
                household__in=households, assigned_by=campaign.created_by
            ).delete()[0],
            "needs": Need.objects.filter(visit__in=visits).delete()[0],
            "findings": FieldFinding.objects.filter(reference__in=references).delete()[0],
            "alerts": Alert.objects.filter(reference__in=references).delete()[0],
            "visits": visits.delete()[0],
            "assignments": campaign.assignments.all().delete()[0],
            "campaigns": Campaign.objects.filter(pk=campaign.pk).delete()[0],
        }


# --- visits -----------------------------------------------------------------------------


def _families(household_ids: list[int]) -> dict[int, Family]:
    memberships: dict[int, list[Membership]] = {pk: [] for pk in household_ids}
    rows = Membership.objects.filter(household_id__in=household_ids, end_date__isnull=True)
    for row in rows.select_related("person").order_by("household_id", "pk"):
        memberships[row.household_id].append(row)
    households = Household.objects.filter(pk__in=household_ids).select_related("current_welfare")
    return {h.pk: Family(household=h, members=memberships[h.pk]) for h in households}


def _send_visits(
    campaign: Campaign, rng: random.Random, share: float, result: DemoResult
) -> list[Visit]:
    assignments = list(
        campaign.assignments.select_related("officer", "campaign", "household").order_by("pk")
    )
    chosen = [a for a in assignments if rng.random() < share]
    families = _families([a.household_id for a in chosen])
    last_day = min(campaign.deadline, timezone.localdate())
    sent = []
    for assignment in chosen:
        data = synthetic_visit(families[assignment.household_id], rng, campaign.starts_on, last_day)
        visit, _created = visit_submit(actor=assignment.officer, assignment=assignment, data=data)
        result.outcomes[visit.outcome] += 1
        sent.append(visit)
    return sent


def _visit_time(rng: random.Random, first: dt.date, last: dt.date) -> dt.datetime:
    day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
    moment = dt.datetime.combine(day, dt.time(8 + rng.randrange(8), rng.randrange(60)))
    return min(timezone.make_aware(moment), timezone.now())


def synthetic_visit(
    family: Family, rng: random.Random, first: dt.date, last: dt.date
) -> VisitInput:
    """What a plausible officer sends for this family; every choice drawn from `rng`."""
    visited_at = _visit_time(rng, first, last)
    outcome = rng.choices(list(OUTCOME_WEIGHTS), weights=list(OUTCOME_WEIGHTS.values()))[0]
    if len(family.members) == 1 and rng.random() < DIED_SHARE:
        outcome = c.Outcome.DIED
    data = VisitInput(
        client_id=uuid.UUID(int=rng.getrandbits(128), version=4), visited_at=visited_at,
        outcome=outcome, consent=c.Consent.NOT_APPLICABLE,
    )  # fmt: skip
    data.latitude, data.longitude, data.accuracy_m = _position(family.household, rng)
    if outcome == c.Outcome.MOVED:
        data.moved_to = rng.choice(MOVED_TO)
    elif outcome == c.Outcome.DUPLICATE:
        data.note = "Keluarga ini tercatat dua kali dengan KK berbeda."
    elif outcome == c.Outcome.DIED:
        data.note = "Menurut tetangga, anggota tunggal keluarga ini sudah meninggal."
    if outcome not in c.MET_OUTCOMES:
        return data
    head = next((m for m in family.members if m.relationship == rc.Relationship.HEAD), None)
    data.respondent = head.person.full_name if head else ""
    if rng.random() < 0.03:
        data.consent = c.Consent.REFUSED
        return data
    data.consent = c.Consent.GIVEN
    on = timezone.localdate(visited_at)
    data.needs = derived_needs(family, on, rng)
    data.causes = derived_causes(family, on, rng)
    if rng.random() < 0.4:
        data.welfare = _welfare_again(family.household, outcome, rng)
    data.member_changes = _member_changes(family, on, rng)
    return data


def _position(
    household: Household, rng: random.Random
) -> tuple[Decimal | None, Decimal | None, int | None]:
    """A phone's fix near the house: off by about its accuracy (5–80 m)."""
    if household.latitude is None or household.longitude is None:
        return None, None, None
    accuracy = rng.randint(5, 80)
    north, east = rng.gauss(0, accuracy / 2), rng.gauss(0, accuracy / 2)
    latitude = float(household.latitude) + north / METRES_PER_DEGREE
    longitude = float(household.longitude) + east / (
        METRES_PER_DEGREE * math.cos(math.radians(latitude))
    )
    return Decimal(f"{latitude:.6f}"), Decimal(f"{longitude:.6f}"), accuracy


def _age(person: Person, on: dt.date) -> int | None:
    born = person.birth_date
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _is_adult_without_work(person: Person, on: dt.date) -> bool:
    age = _age(person, on)
    return age is not None and 18 <= age < 60 and not person.is_working


def _nobody_works(family: Family) -> bool:
    return not any(m.person.is_working for m in family.members)


def derived_needs(family: Family, on: dt.date, rng: random.Random) -> list[NeedInput]:
    """Needs read off the registry attributes, as an officer would confirm them at home."""
    needs: list[NeedInput] = []
    for member in family.members:
        needs.extend(_person_needs(member.person, on, rng))
    welfare = family.household.current_welfare
    if welfare is not None:
        if welfare.roof_type in POOR_ROOFS or welfare.floor_type in POOR_FLOORS:
            needs.append(NeedInput(kind=c.NeedKind.HOUSE_REPAIR))
        if welfare.water_source in UNSAFE_WATER:
            needs.append(NeedInput(kind=c.NeedKind.CLEAN_WATER))
        if welfare.toilet_facility == rc.ToiletFacility.NONE:
            needs.append(NeedInput(kind=c.NeedKind.SANITATION))
        if welfare.lighting in NO_METER:
            needs.append(NeedInput(kind=c.NeedKind.ELECTRICITY))
    if _nobody_works(family):
        trainable = any(_is_adult_without_work(m.person, on) for m in family.members)
        kind = c.NeedKind.SKILLS_TRAINING if trainable and rng.random() < 0.5 else None
        needs.append(NeedInput(kind=kind or c.NeedKind.BUSINESS_CAPITAL))
    return needs


def _person_needs(person: Person, on: dt.date, rng: random.Random) -> list[NeedInput]:
    age = _age(person, on)
    needs = []
    if person.difficulty_walking in (rc.Difficulty.CANNOT, rc.Difficulty.MUCH):
        device = (
            c.AssistiveDevice.WHEELCHAIR
            if person.difficulty_walking == rc.Difficulty.CANNOT
            else c.AssistiveDevice.CRUTCHES
        )
        needs.append(
            NeedInput(kind=c.NeedKind.ASSISTIVE_DEVICE, detail=device, person_id=person.pk)
        )
    if person.difficulty_hearing in (rc.Difficulty.CANNOT, rc.Difficulty.MUCH):
        needs.append(
            NeedInput(
                kind=c.NeedKind.ASSISTIVE_DEVICE, detail=c.AssistiveDevice.HEARING_AID,
                person_id=person.pk,
            )
        )  # fmt: skip
    if age is not None and age < 5 and rng.random() < 0.5:
        needs.append(NeedInput(kind=c.NeedKind.STUNTING_RISK, person_id=person.pk))
    if person.is_pregnant:
        needs.append(NeedInput(kind=c.NeedKind.PREGNANT_MOTHER, person_id=person.pk))
    if person.chronic_illness not in ("", rc.ChronicIllness.NONE):
        needs.append(NeedInput(kind=c.NeedKind.CHRONIC_CARE, person_id=person.pk))
    if age is not None and 7 <= age <= 15 and person.school_participation != "masih":
        needs.append(NeedInput(kind=c.NeedKind.SCHOOL_SUPPORT, person_id=person.pk))
    if not person.nik and age is not None and age >= 17:
        needs.append(
            NeedInput(kind=c.NeedKind.DOCUMENTS, detail=c.MissingDocument.KTP, person_id=person.pk)
        )
    return needs


def derived_causes(family: Family, on: dt.date, rng: random.Random) -> list[str]:
    """Causes of poverty read off the registry attributes (a few job losses besides)."""
    people = [m.person for m in family.members]
    head = next((m.person for m in family.members if m.relationship == rc.Relationship.HEAD), None)
    causes = set()
    if _nobody_works(family):
        causes.add(tc.Cause.NO_WORKER)
        if any((_age(p, on) or 0) >= 60 for p in people):
            causes.add(tc.Cause.ELDERLY)
    if any(_disabled(p) and not p.is_working for p in people):
        causes.add(tc.Cause.DISABILITY)
    if any(p.chronic_illness not in ("", rc.ChronicIllness.NONE) for p in people):
        causes.add(tc.Cause.CHRONIC)
    if head is not None and head.sex == rc.Sex.FEMALE:
        causes.add(tc.Cause.WOMAN_HEADED)
    if any(
        7 <= (_age(p, on) or 0) <= 15 and p.school_participation == "tidak_lagi" for p in people
    ):
        causes.add(tc.Cause.OUT_OF_SCHOOL)
    welfare = family.household.current_welfare
    if welfare is not None and (
        welfare.roof_type in POOR_ROOFS or welfare.floor_type in POOR_FLOORS
    ):
        causes.add(tc.Cause.POOR_HOUSING)
    if rng.random() < 0.05:
        causes.add(tc.Cause.JOB_LOSS)
    return sorted(causes)


def _disabled(person: Person) -> bool:
    return any(
        getattr(person, name) in (rc.Difficulty.CANNOT, rc.Difficulty.MUCH)
        for name in ("difficulty_seeing", "difficulty_hearing", "difficulty_walking")
    )


def _welfare_again(household: Household, outcome: str, rng: random.Random) -> dict[str, Any]:
    """The welfare questions asked again: the registry's answers, spending moved a little
    (much higher for a family found able)."""
    current = household.current_welfare
    if current is None or current.expenditure_per_capita is None:
        return {}
    change = rng.uniform(1.3, 1.8) if outcome == c.Outcome.NOW_ABLE else rng.uniform(0.85, 1.15)
    values: dict[str, Any] = {
        "expenditure_per_capita": round(current.expenditure_per_capita * change, -3)
    }
    for name in ("house_ownership", "floor_type", "wall_type", "roof_type", "water_source",
                 "lighting", "cooking_fuel", "toilet_facility"):  # fmt: skip
        if getattr(current, name):
            values[name] = getattr(current, name)
    if current.floor_area_m2 is not None:
        values["floor_area_m2"] = current.floor_area_m2
    values["expenditure_per_capita"] = int(values["expenditure_per_capita"])
    return values


def _member_changes(family: Family, on: dt.date, rng: random.Random) -> list[MemberChangeInput]:
    """Now and then an elderly member (not the head) who died since the data was collected.

    No births: a person added by a visit is not synthetic, and `entas synth --replace`
    refuses a registry that holds persons it did not make."""
    elderly = [
        m
        for m in family.members
        if m.relationship != rc.Relationship.HEAD and (_age(m.person, on) or 0) >= 70
    ]
    if not elderly or rng.random() >= ELDERLY_DEATH_SHARE:
        return []
    died_on = max(on - dt.timedelta(days=rng.randint(3, 60)), elderly[0].start_date)
    return [
        MemberChangeInput(kind=c.MemberChange.DEATH, on=died_on, person_id=elderly[0].person_id)
    ]


# --- review -----------------------------------------------------------------------------


def _review(
    sent: list[Visit], rng: random.Random, share: float, admin: User, coordinator: User,
    result: DemoResult,
) -> None:  # fmt: skip
    """Approve `share` of the visits, return a few with a note; the rest wait for review."""
    coordinated = set(coordinator.areas.values_list("code", flat=True))
    kecamatan = dict(
        Region.objects.filter(code__in={v.assignment.kelurahan_id for v in sent}).values_list(
            "code", "parent_id"
        )
    )
    for visit in sent:
        draw = rng.random()
        in_area = kecamatan.get(visit.assignment.kelurahan_id) in coordinated
        reviewer = coordinator if in_area and visit.officer_id != coordinator.pk else admin
        if draw < share:
            _approve(visit, reviewer, result)
        elif draw < share + RETURNED_SHARE:
            note = DEATH_NOTE if visit.outcome == c.Outcome.DIED else rng.choice(RETURN_NOTES)
            visit_return(actor=reviewer, visit=visit, note=note)
            result.returned += 1


def _approve(visit: Visit, reviewer: User, result: DemoResult) -> None:
    try:
        visit_approve(actor=reviewer, visit=visit)
    except VervalError as error:
        if error.code != "apply_failed":
            raise
        visit_return(actor=reviewer, visit=visit, note=error.message)
        result.returned += 1
        result.refused.append(error.message)
        return
    result.approved += 1


def _companions(campaign: Campaign, admin: User) -> dict[str, int]:
    """A companion for each approved extreme-poor family still found eligible: its PSM."""
    households = Household.objects.filter(
        pk__in=Assignment.objects.filter(
            campaign=campaign, reason=c.ScopeReason.EXTREME, status=c.AssignmentStatus.APPROVED,
            visits__status=c.VisitStatus.APPROVED, visits__outcome=c.Outcome.ELIGIBLE,
        ).values("household")
    ).order_by("pk")  # fmt: skip
    return dict(companions_assign_bulk(actor=admin, households=households))
