"""Reading the audit trail. Who may read it is decided by the caller (accounts.access)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from entas.core.models import AuditEvent

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditPage:
    """One page of events. No total: the trail grows by one row per page view."""

    events: list[AuditEvent]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_event_list(
    *,
    actor_username: str = "",
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    target_type: str = "",
    target_id: str = "",
    trail: str = "",
) -> QuerySet[AuditEvent]:
    """Events newest first. `action` matches a prefix (``person.`` finds every person
    event); dates are whole local days, both ends included."""
    events = AuditEvent.objects.select_related("actor")
    if actor_username:
        events = events.filter(actor__username=actor_username)
    if action:
        events = events.filter(action__startswith=action)
    if date_from:
        events = events.filter(at__gte=_local_midnight(date_from))
    if date_to:
        events = events.filter(at__lt=_local_midnight(date_to + dt.timedelta(days=1)))
    if target_type:
        events = events.filter(target_type=target_type, target_id=target_id)
    if trail:
        events = events.filter(trail=trail)
    return events.order_by("-at", "-id")


def audit_event_page(*, events: QuerySet[AuditEvent], page: int = 1) -> AuditPage:
    offset = (page - 1) * AUDIT_PAGE_SIZE
    found = list(events[offset : offset + AUDIT_PAGE_SIZE + 1])
    return AuditPage(
        events=found[:AUDIT_PAGE_SIZE], number=page, has_next=len(found) > AUDIT_PAGE_SIZE
    )
