"""A small registry for the export tests: two Tembalang kelurahan, one Tugu kelurahan,
programmes and a desil, a member who moved away and a family that was dissolved."""

import datetime as dt
from dataclasses import dataclass

import pytest
from tests.factories import make_household, members_of

from entas.registry import choices as c
from entas.registry.models import Household
from entas.registry.services import person_move_out, programme_receipt_record, welfare_record

AS_OF = dt.date(2025, 1, 15)
METESEH = "33.74.10.1001"
ROWOSARI = "33.74.10.1002"
JERAKAH = "33.74.16.1001"


@dataclass(frozen=True)
class Registry:
    meteseh: Household  # 3 members, PKH + BPNT, desil 1, RT 1 / RW 2
    rowosari: Household  # 4 members, one moved away
    jerakah: Household  # Tugu, 2 members, PKH
    dissolved: Household  # Meteseh, its only member moved away


def receive(household: Household, *programmes: str) -> None:
    for programme in programmes:
        programme_receipt_record(
            actor=None,
            household=household,
            programme=programme,
            source=c.Source.DTSEN,
            as_of=AS_OF,
        )


@pytest.fixture
def registry(regions) -> Registry:
    meteseh = make_household(
        kelurahan_code=METESEH, members=3, address="Jl. Mulawarman 5", rt="1", rw="2"
    )
    welfare_record(
        actor=None,
        household=meteseh,
        as_of=AS_OF,
        source=c.Source.DTSEN,
        values={"desil": 1},
    )
    receive(meteseh, c.Programme.BPNT, c.Programme.PKH)
    rowosari = make_household(kelurahan_code=ROWOSARI, members=4, surname="Rowo")
    person_move_out(actor=None, person=members_of(rowosari)[3], moved_on=AS_OF)
    jerakah = make_household(kelurahan_code=JERAKAH, members=2, surname="Tugu")
    receive(jerakah, c.Programme.PKH)
    dissolved = make_household(kelurahan_code=METESEH, members=1, surname="Pergi")
    person_move_out(actor=None, person=members_of(dissolved)[0], moved_on=AS_OF)
    # The old programme of a dissolved family must not make it appear in a PKH list.
    receive(dissolved, c.Programme.PKH)
    return Registry(meteseh=meteseh, rowosari=rowosari, jerakah=jerakah, dissolved=dissolved)
