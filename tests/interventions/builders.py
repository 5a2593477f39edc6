"""Organisations, programmes and periods for interventions tests, made through the models
the catalogue services write."""

import datetime as dt
from decimal import Decimal
from typing import Any

from entas.accounts.models import Organization, OrganizationKind
from entas.interventions import choices as c
from entas.interventions.models import Programme, ProgrammeAllocation
from entas.targeting import services as targeting
from entas.targeting.models import Period


def organization(code: str, name: str, kind: str = OrganizationKind.OPD) -> Organization:
    return Organization.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})[0]


def dinkes() -> Organization:
    return organization("dinkes", "Dinas Kesehatan")  # the opd_dinkes fixture's organisation


def disperkim() -> Organization:
    return organization("disperkim", "Dinas Perumahan dan Kawasan Permukiman")


def programme(code: str, owner: Organization, **fields: Any) -> Programme:
    values: dict[str, Any] = {
        "name": code.replace("-", " ").title(),
        "kind": c.ProgrammeKind.SERVICE,
        "strategy": c.Strategy.REDUCE_BURDEN,
        "unit_cost": Decimal(0),
    }
    values.update(fields)
    return Programme.objects.create(code=code, owner=owner, **values)


def period(code: str = "2025-01") -> Period:
    found = Period.objects.filter(code=code).first()
    if found is not None:
        return found
    return targeting.period_create(
        actor=None,
        code=code,
        name=code,
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 1, 31),
    )


def allocation(programme: Programme, period: Period, **fields: Any) -> ProgrammeAllocation:
    return ProgrammeAllocation.objects.create(programme=programme, period=period, **fields)
