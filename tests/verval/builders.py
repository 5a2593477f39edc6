"""Campaigns, assignments and visits for verval tests, made through the services."""

import datetime as dt
import uuid
from typing import Any

from tests.conftest import _user
from tests.factories import make_household

from entas.accounts.models import Role, User
from entas.registry.models import Household
from entas.verval import choices as c
from entas.verval.models import Assignment, Campaign
from entas.verval.services import campaigns
from entas.verval.services.visits import VisitInput, visit_submit

KELURAHAN = "33.74.10.1001"  # Meteseh, kecamatan Tembalang
OTHER_KELURAHAN = "33.74.10.1002"
STARTS = dt.date(2025, 1, 2)
DEADLINE = dt.date(2025, 1, 31)


def kelurahan_officer(username: str, code: str = KELURAHAN) -> User:
    """A PSM: a field officer assigned to one kelurahan (not a coordinator)."""
    return _user(username, Role.FIELD_OFFICER, areas=(code,))


def campaign(
    actor: User, *, households: list[Household], status: str = c.CampaignStatus.ACTIVE
) -> Campaign:
    made = campaigns.campaign_create(
        actor=actor, name="Verval Januari 2025", starts_on=STARTS, deadline=DEADLINE
    )
    campaigns.campaign_add_households(
        actor=actor, campaign=made, reasons={h.pk: c.ScopeReason.EXTREME for h in households}
    )
    if status != c.CampaignStatus.DRAFT:
        campaigns.campaign_status_set(actor=actor, campaign=made, status=c.CampaignStatus.ACTIVE)
    return made


def assigned(actor: User, officer: User, *, count: int = 1, **fields: Any) -> list[Assignment]:
    """Households of the officer's kelurahan in an active campaign, all given to `officer`."""
    families = [make_household(kelurahan_code=KELURAHAN, **fields) for _ in range(count)]
    made = campaign(actor, households=families)
    campaigns.campaign_assign_balanced(actor=actor, campaign=made, officers=[officer])
    return list(Assignment.objects.filter(campaign=made).order_by("pk"))


def visit_input(**fields: Any) -> VisitInput:
    values: dict[str, Any] = {
        "client_id": uuid.uuid4(),
        "visited_at": dt.datetime(2025, 1, 20, 9, 30, tzinfo=dt.UTC),
        "outcome": c.Outcome.ELIGIBLE,
        "consent": c.Consent.GIVEN,
        "respondent": "Siti Aminah",
    }
    values.update(fields)
    return VisitInput(**values)


def submitted(officer: User, assignment: Assignment, **fields: Any):
    visit, _created = visit_submit(actor=officer, assignment=assignment, data=visit_input(**fields))
    return visit
