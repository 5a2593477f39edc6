"""Households with exact welfare data, periods and findings, made through the services."""

import datetime as dt
from typing import Any

from tests.factories import make_household

from entas.registry import choices as rc
from entas.registry.models import Household
from entas.registry.services import welfare_record
from entas.targeting import choices as c
from entas.targeting import services
from entas.targeting.models import Classification, FieldFinding, Period

KELURAHAN = "33.74.10.1001"  # Tembalang
REGISTERED = dt.date(2025, 1, 15)
# Lines in force on 2025-06-30 under rule set v1 (sourced defaults, rupiah/person/month):
# extreme USD 2.15 PPP 2017 Rp391.000 (Indonesia, since 2025-01-01), GK Rp609.160 (Indonesia,
# since 2025-03-01); rentan below 1.2 × GK = Rp730.992.
EXTREME_LINE = 391_000
POVERTY_LINE = 609_160
VULNERABLE_LIMIT = 730_992


def household(
    *,
    expenditure: int | None = None,
    desil: int | None = None,
    welfare_on: dt.date = dt.date(2025, 2, 1),
    members: int = 3,
    registered: dt.date = REGISTERED,
    source: str = rc.Source.DTSEN,
    **welfare: Any,
) -> Household:
    """A family with one welfare record (none when no welfare value is given)."""
    family = make_household(members=members, as_of=registered)
    values = dict(welfare)
    if expenditure is not None:
        values["expenditure_per_capita"] = expenditure
    if desil is not None:
        values |= {"desil": desil, "desil_source": rc.DesilSource.DTSEN_NATIONAL}
    if values:
        welfare_record(actor=None, household=family, as_of=welfare_on, source=source, values=values)
    return family


def period(code: str, starts_on: dt.date, ends_on: dt.date, actor: Any = None) -> Period:
    return services.period_create(
        actor=actor, code=code, name=code.replace("-", " "), starts_on=starts_on, ends_on=ends_on
    )


def june(actor: Any = None) -> Period:
    return period("2025-06", dt.date(2025, 6, 1), dt.date(2025, 6, 30), actor)


def finding(family: Household, outcome: str, observed_on: dt.date) -> FieldFinding:
    return services.finding_record(
        actor=None,
        household=family,
        outcome=outcome,
        observed_on=observed_on,
        source=c.FindingSource.MANUAL,
    )


def row(period: Period, family: Household) -> Classification:
    return Classification.objects.select_related(
        "period__rules", "finding", "extreme_line", "poverty_line"
    ).get(period=period, household=family)


def statuses(period: Period) -> dict[int, tuple[str, str]]:
    """household id → (status, rule) in a period's snapshot."""
    return {
        household_id: (status, rule)
        for household_id, status, rule in Classification.objects.filter(period=period).values_list(
            "household_id", "status", "rule"
        )
    }
