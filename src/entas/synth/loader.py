"""The synthetic city as a registry holds it: rows of the registry tables and the truth.

Every registry record (family card, person listing) becomes a row, dirt included: a person
listed twice is two `Person` rows, the second with a misspelled name and a damaged or
missing NIK; a member who died or moved away keeps an ended `Membership` and the status to
match. Rows are buffered per table and written in batches by `core.bulk`, with ids given
here so that rows can point at each other before they are written. The caller runs the
whole load in one transaction.
"""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils import timezone

from entas.core.bulk import IdSource, bulk_insert
from entas.registry.models import (
    DIFFICULTY_FIELDS,
    Household,
    Membership,
    Person,
    PersonNameToken,
    ProgrammeReceipt,
    WelfareRecord,
)
from entas.registry.services import name_tokens
from entas.synth.models import GroundTruthHousehold, GroundTruthPerson
from entas.synth.population import KkListing, Listing, SynthHousehold, Welfare
from entas.synth.welfare import ASSET_SHARE

SOURCE = "sintetis"
BATCH_SIZE = 5000
HOUSEHOLD_PROGRAMMES = ("pkh", "bpnt", "pbi_jkn", "pbi_pemda", "bst", "bpum", "subsidi_listrik")
FATE_END = {"meninggal": "meninggal", "pindah": "pindah"}

COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    Household: (
        "id",
        "kk_number",
        "address",
        "rt",
        "rw",
        "kelurahan",
        "source",
        "as_of",
        "status",
        "current_welfare",
        "created_at",
        "updated_at",
    ),
    WelfareRecord: (
        "id",
        "household",
        "as_of",
        "source",
        "expenditure_per_capita",
        "income_per_capita",
        "house_ownership",
        "floor_area_m2",
        "floor_type",
        "wall_type",
        "roof_type",
        "water_source",
        "lighting",
        "cooking_fuel",
        "toilet_facility",
        "assets",
        "desil",
        "desil_source",
        "created_at",
        "updated_at",
    ),
    Person: (
        "id",
        "nik",
        "nik_verified",
        "full_name",
        "sex",
        "birth_place",
        "birth_date",
        "mother_name",
        "marital_status",
        "education",
        "school_participation",
        "occupation",
        "is_working",
        *DIFFICULTY_FIELDS,
        "chronic_illness",
        "is_pregnant",
        "status",
        "death_date",
        "created_at",
        "updated_at",
    ),
    Membership: (
        "id",
        "person",
        "household",
        "relationship",
        "start_date",
        "start_reason",
        "end_date",
        "end_reason",
        "created_at",
        "updated_at",
    ),
    PersonNameToken: ("id", "person", "token"),
    ProgrammeReceipt: (
        "id",
        "household",
        "person",
        "programme",
        "source",
        "as_of",
        "created_at",
        "updated_at",
    ),
    GroundTruthPerson: ("person", "true_person", "true_household", "dirt"),
    GroundTruthHousehold: ("household", "true_household", "is_extreme_poor", "dirt"),
}
NO_DIFFICULTIES = (None,) * len(DIFFICULTY_FIELDS)


class DatabaseSink:
    """Writes households into the registry tables; call `close()` to write the last rows."""

    def __init__(self, *, as_of: dt.date, batch_size: int = BATCH_SIZE) -> None:
        self._as_of = as_of
        self._batch_size = batch_size
        self._now = timezone.now()
        self._ids = {
            model: IdSource(model)
            for model in (
                Household,
                WelfareRecord,
                Person,
                Membership,
                PersonNameToken,
                ProgrammeReceipt,
            )
        }
        self._buffers: dict[type[models.Model], list[Sequence[Any]]] = {
            model: [] for model in COLUMNS
        }
        self.rows: dict[str, int] = {model._meta.label: 0 for model in COLUMNS}

    def write(self, household: SynthHousehold) -> None:
        for card in household.registry:
            self._card(household, card)

    def close(self) -> None:
        for model in COLUMNS:
            self._flush(model)

    def _card(self, household: SynthHousehold, card: KkListing) -> None:
        household_id = self._ids[Household].take()
        welfare_id = self._ids[WelfareRecord].take()
        now = self._now
        self._add(
            Household,
            (
                household_id,
                card.kk_number,
                household.address,
                household.rt,
                household.rw,
                household.kelurahan.code,
                SOURCE,
                self._as_of,
                "aktif",
                welfare_id,
                now,
                now,
            ),
        )
        self._add(WelfareRecord, self._welfare_row(welfare_id, household_id, household.welfare))
        self._add(
            GroundTruthHousehold,
            (household_id, household.key, household.is_extreme_poor, card.dirt),
        )
        for programme in sorted(household.welfare.programmes):
            self._receipt(household_id, None, programme)
        for listing in card.listings:
            self._person(listing, household_id, card.issued)

    def _person(self, listing: Listing, household_id: int, listed_on: dt.date) -> None:
        person = listing.person
        person_id = self._ids[Person].take()
        now = self._now
        status = person.fate or "aktif"
        death_date = person.fate_date if person.fate == "meninggal" else None
        self._add(
            Person,
            (
                person_id,
                listing.registry_nik,
                listing.verified,
                listing.name,
                person.sex,
                person.birth_place,
                person.birth_date,
                person.mother_name,
                person.marital_status,
                person.education,
                person.school_participation,
                person.occupation,
                person.is_working,
                *(person.difficulties or NO_DIFFICULTIES),
                person.chronic_illness,
                person.is_pregnant,
                status,
                death_date,
                now,
                now,
            ),
        )
        self._add(
            Membership,
            (
                self._ids[Membership].take(),
                person_id,
                household_id,
                listing.relationship,
                listed_on,
                "terdaftar",
                person.fate_date,
                FATE_END.get(person.fate, ""),
                now,
                now,
            ),
        )
        for token in name_tokens(listing.name):
            self._add(PersonNameToken, (self._ids[PersonNameToken].take(), person_id, token))
        self._add(GroundTruthPerson, (person_id, person.key, listing.household_key, listing.dirt))
        if person.receives_pip and person.is_current:
            self._receipt(household_id, person_id, "pip")

    def _receipt(self, household_id: int, person_id: int | None, programme: str) -> None:
        now = self._now
        self._add(
            ProgrammeReceipt,
            (
                self._ids[ProgrammeReceipt].take(),
                household_id,
                person_id,
                programme,
                SOURCE,
                self._as_of,
                now,
                now,
            ),
        )

    def _welfare_row(self, welfare_id: int, household_id: int, welfare: Welfare) -> tuple[Any, ...]:
        assets: dict[str, Any] = {asset: asset in welfare.assets for asset in ASSET_SHARE}
        if welfare.goats:
            assets["kambing_domba"] = welfare.goats
        return (
            welfare_id,
            household_id,
            self._as_of,
            SOURCE,
            welfare.expenditure_per_capita,
            welfare.income_per_capita,
            welfare.house_ownership,
            welfare.floor_area_m2,
            welfare.floor_type,
            welfare.wall_type,
            welfare.roof_type,
            welfare.water_source,
            welfare.lighting,
            welfare.cooking_fuel,
            welfare.toilet_facility,
            json.dumps(assets, separators=(",", ":")),
            welfare.desil,
            "dtsen_nasional",
            self._now,
            self._now,
        )

    def _add(self, model: type[models.Model], row: Sequence[Any]) -> None:
        buffer = self._buffers[model]
        buffer.append(row)
        if len(buffer) >= self._batch_size:
            self._flush(model)

    def _flush(self, model: type[models.Model]) -> None:
        buffer = self._buffers[model]
        if buffer:
            self.rows[model._meta.label] += bulk_insert(
                model, COLUMNS[model], buffer, batch_size=self._batch_size
            )
            buffer.clear()
