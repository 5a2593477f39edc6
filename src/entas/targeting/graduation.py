"""Graduation out of extreme poverty, and alerts when a graduated family shows up again.

A family graduates in a period when, under the period's rule set, its status was better
than `graduation.above` (e.g. not `ekstrem`) in each of the last `graduation.periods`
classified periods, it was on the list (at or below `above`) in an earlier period, and,
when `confirmed_by_finding` is set, a field visit in that span found it "sudah mampu".
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max
from django.utils.translation import gettext as _

from entas.targeting import choices as c
from entas.targeting.models import Alert, Classification, FieldFinding, Graduation, Period
from entas.targeting.parameters import rules_from


def split_statuses(above: str) -> tuple[list[str], list[str]]:
    """(listed, better): statuses at or below `above`, and the ranked ones better than it."""
    ranked = [str(s) for s in c.RANKED_STATUSES]
    cut = ranked.index(above) + 1 if above in ranked else 1
    return ranked[:cut], ranked[cut:]


def period_graduate(*, period: Period) -> int:
    """Record the graduations the criteria give in `period`; return how many are new."""
    if period.rules is None:
        return 0
    criteria = rules_from(period.rules.parameters).graduation
    recent = list(
        Period.objects.filter(ends_on__lte=period.ends_on, classified_at__isnull=False).order_by(
            "-ends_on"
        )[: criteria.periods]
    )
    if len(recent) < criteria.periods:
        return 0
    listed, better = split_statuses(criteria.above)
    above_throughout = (  # a subquery: on a city it names hundreds of thousands of families
        Classification.objects.filter(period__in=recent, status__in=better)
        .values("household_id")
        .annotate(n=Count("id"))
        .filter(n=criteria.periods)
        .values("household_id")
    )
    last_listed = dict(
        Classification.objects.filter(
            household_id__in=above_throughout,
            status__in=listed,
            period__ends_on__lt=recent[-1].starts_on,
        )
        .values("household_id")
        .annotate(last=Max("period__ends_on"))
        .values_list("household_id", "last")
    )
    graduated = dict(
        Graduation.objects.filter(household_id__in=last_listed)
        .values("household_id")
        .annotate(last=Max("period__ends_on"))
        .values_list("household_id", "last")
    )
    chosen = {
        household
        for household, last in last_listed.items()
        if household not in graduated or graduated[household] < last
    }
    if criteria.confirmed_by_finding:
        chosen &= set(
            FieldFinding.objects.filter(
                household_id__in=chosen,
                outcome=c.FindingOutcome.NOW_ABLE,
                observed_on__gte=recent[-1].starts_on,
                observed_on__lte=period.ends_on,
            ).values_list("household_id", flat=True)
        )
    basis = {
        "periods": [p.code for p in recent],
        "above": criteria.above,
        "confirmed_by_finding": criteria.confirmed_by_finding,
    }
    created = Graduation.objects.bulk_create(
        Graduation(household_id=h, period=period, rules=period.rules, basis=basis)
        for h in sorted(chosen)
    )
    return len(created)


def reappearance_from_period(*, period: Period) -> int:
    """Alert for each family graduated before `period` that is on the list again in it."""
    if period.rules is None:
        return 0
    listed, _better = split_statuses(rules_from(period.rules.parameters).graduation.above)
    again = Classification.objects.filter(period=period, status__in=listed).values_list(
        "household_id", flat=True
    )
    graduations = Graduation.objects.filter(
        household_id__in=again, period__ends_on__lt=period.starts_on
    ).select_related("period")
    return _raise(
        graduations,
        source=c.AlertSource.CLASSIFICATION,
        reference=f"periode:{period.code}",
        seen_in=_("klasifikasi periode %(name)s") % {"name": period.name},
    )


def reappearance_check(
    *, household_ids: Iterable[int], source: str, reference: str, seen_in: str
) -> int:
    """Alert for each graduated family among `household_ids` seen again (import, report…)."""
    graduations = Graduation.objects.filter(household_id__in=list(household_ids)).select_related(
        "period"
    )
    return _raise(graduations, source=source, reference=reference, seen_in=seen_in)


def _raise(graduations: Any, *, source: str, reference: str, seen_in: str) -> int:
    latest: dict[int, Graduation] = {}
    for graduation in graduations.order_by("period__ends_on"):
        latest[graduation.household_id] = graduation
    # One alert per graduation, whoever sees the family again (a later period, an import, a
    # report) and whether or not it has been handled since: the next one needs a new graduation.
    raised = Alert.objects.filter(household_id__in=latest, kind=c.AlertKind.REAPPEARED).values_list(
        "household_id", "created_at"
    )
    already = {household for household, at in raised if at >= latest[household].created_at}
    alerts = [
        Alert(
            household_id=household,
            kind=c.AlertKind.REAPPEARED,
            source=source,
            reference=reference,
            message=_(
                "Keluarga ini graduasi pada periode %(period)s, tetapi muncul lagi di %(seen)s."
            )
            % {"period": graduation.period.name, "seen": seen_in},
        )
        for household, graduation in sorted(latest.items())
        if household not in already
    ]
    return len(Alert.objects.bulk_create(alerts))
