"""Test data made through the services, so every row obeys the registry's rules."""

import datetime as dt
import itertools
from typing import Any

from entas.linkage.choices import PairRule
from entas.linkage.models import CandidatePair, MatchRun
from entas.linkage.review import certainty_of
from entas.registry import choices as c
from entas.registry.models import Household, Person
from entas.registry.services import MemberInput, household_register
from entas.wilayah.identity import compose_kk, compose_nik

_serials = itertools.count(1)
_FAMILY = [
    ("Slamet Riyadi", c.Sex.MALE, c.Relationship.HEAD, dt.date(1968, 3, 14)),
    ("Siti Aminah", c.Sex.FEMALE, c.Relationship.SPOUSE, dt.date(1972, 8, 2)),
    ("Dwi Lestari", c.Sex.FEMALE, c.Relationship.CHILD, dt.date(1999, 1, 20)),
    ("Agus Prasetyo", c.Sex.MALE, c.Relationship.CHILD, dt.date(2004, 11, 5)),
    ("Nabila Putri", c.Sex.FEMALE, c.Relationship.CHILD, dt.date(2012, 6, 30)),
    ("Tukiyem", c.Sex.FEMALE, c.Relationship.PARENT, dt.date(1940, 2, 9)),
]


def next_nik(*, kelurahan_code: str = "33.74.10.1001", birth_date: dt.date, sex: str) -> str:
    region6 = kelurahan_code.replace(".", "")[:6]
    return compose_nik(
        region6=region6, birth_date=birth_date, sex=sex, serial=next(_serials) % 9999 + 1
    )


def next_kk(*, kelurahan_code: str = "33.74.10.1001") -> str:
    serial = next(_serials)
    issue = dt.date(2015, 1, 1) + dt.timedelta(days=serial // 9999)
    return compose_kk(
        region6=kelurahan_code.replace(".", "")[:6], issue_date=issue, serial=serial % 9999 + 1
    )


def member_inputs(*, kelurahan_code: str, members: int, surname: str = "") -> list[MemberInput]:
    if not 1 <= members <= len(_FAMILY):
        raise ValueError(f"members must be 1..{len(_FAMILY)}")
    return [
        MemberInput(
            full_name=f"{name} {surname}".strip(),
            sex=sex,
            relationship=relationship,
            birth_date=born,
            nik=next_nik(kelurahan_code=kelurahan_code, birth_date=born, sex=sex),
        )
        for name, sex, relationship, born in _FAMILY[:members]
    ]


def make_household(
    *,
    kelurahan_code: str = "33.74.10.1001",
    members: int = 3,
    kk_number: str | None = None,
    surname: str = "",
    actor: Any = None,
    **fields: Any,
) -> Household:
    return household_register(
        actor=actor,
        kelurahan_code=kelurahan_code,
        members=member_inputs(kelurahan_code=kelurahan_code, members=members, surname=surname),
        kk_number=kk_number or next_kk(kelurahan_code=kelurahan_code),
        source=fields.pop("source", c.Source.MANUAL),
        as_of=fields.pop("as_of", dt.date(2025, 1, 15)),
        **fields,
    )


def head_of(household: Household) -> Person:
    return Person.objects.get(
        memberships__household=household,
        memberships__end_date__isnull=True,
        memberships__relationship=c.Relationship.HEAD,
    )


def members_of(household: Household) -> list[Person]:
    return list(
        Person.objects.filter(
            memberships__household=household, memberships__end_date__isnull=True
        ).order_by("pk")
    )


def make_pair(
    run: MatchRun, a: Person, b: Person, probability: float = 0.9, **fields: Any
) -> CandidatePair:
    """A candidate pair as a linkage run records it (lower id on the left)."""
    left, right = sorted([a, b], key=lambda person: person.pk)
    return CandidatePair.objects.create(
        run=run,
        person_l=left,
        person_r=right,
        rule=fields.pop("rule", PairRule.PROBABILISTIC),
        match_probability=probability,
        certainty=certainty_of(probability),
        **fields,
    )
