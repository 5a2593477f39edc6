"""Causes of poverty (penyebab) per family: derived from member data, edited by officers.

Derivation is set-based SQL over the families on the list in a period (status `ekstrem` or
`miskin`). Derived rows follow the data; a row an officer or a verval visit wrote is never
touched by derivation, so a cause an officer removed stays removed.
"""

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from entas.core.services import audit_record
from entas.registry.models import Household
from entas.targeting import choices as c
from entas.targeting.exceptions import TargetingError
from entas.targeting.models import FamilyCause, Period

LISTED = (c.Status.EXTREME, c.Status.POOR)
CHUNK = 500  # ids per statement: SQLite allows 999 parameters
DIFFICULTIES = (
    "seeing", "hearing", "walking", "hands", "learning", "behaviour", "communicating",
    "self_care", "remembering",
)  # fmt: skip
POOR_HOUSING = (
    "w.floor_type IN ('tanah', 'bambu') OR w.wall_type IN ('anyaman_bambu', 'batang_kayu',"
    " 'bambu') OR w.roof_type IN ('jerami', 'bambu')"
)


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def _derived_sql() -> str:
    """(household_id, cause) pairs the data gives, for households listed in a period."""
    difficult = " OR ".join(f"p.difficulty_{name} IN (1, 2)" for name in DIFFICULTIES)
    not_working = "(p.is_working IS NULL OR NOT p.is_working)"
    per_household = (
        "SELECT m.household_id,"
        f" MAX(CASE WHEN ({difficult}) AND {not_working} THEN 1 ELSE 0 END) AS disabled,"
        " MAX(CASE WHEN p.birth_date <= %s THEN 1 ELSE 0 END) AS elderly,"
        " MAX(CASE WHEN p.is_working THEN 1 ELSE 0 END) AS working,"
        " MAX(CASE WHEN p.birth_date <= %s AND p.birth_date > %s THEN 1 ELSE 0 END) AS adult,"
        " MAX(CASE WHEN p.chronic_illness NOT IN ('', 'tidak_ada') THEN 1 ELSE 0 END) AS ill,"
        " MAX(CASE WHEN m.relationship = 'kepala' AND p.sex = 'P' THEN 1 ELSE 0 END) AS woman,"
        " MAX(CASE WHEN p.birth_date <= %s AND p.birth_date > %s AND p.school_participation"
        " IN ('tidak_pernah', 'tidak_lagi') THEN 1 ELSE 0 END) AS out_of_school"
        " FROM registry_membership m JOIN registry_person p ON p.id = m.person_id"
        " JOIN targeting_classification k ON k.household_id = m.household_id"
        " AND k.period_id = %s AND k.status IN ('ekstrem', 'miskin')"
        " WHERE p.status = 'aktif' AND m.start_date <= %s"
        " AND (m.end_date IS NULL OR m.end_date > %s) GROUP BY m.household_id"
    )
    picks = [
        ("disabled = 1", c.Cause.DISABILITY),
        ("elderly = 1 AND working = 0", c.Cause.ELDERLY),
        ("ill = 1", c.Cause.CHRONIC),
        ("woman = 1", c.Cause.WOMAN_HEADED),
        ("adult = 1 AND working = 0", c.Cause.NO_WORKER),
        ("out_of_school = 1", c.Cause.OUT_OF_SCHOOL),
    ]
    unions = " UNION ALL ".join(
        f"SELECT household_id, '{cause}' AS cause FROM per_household WHERE {condition}"
        for condition, cause in picks
    )
    housing = (
        f"SELECT h.id AS household_id, '{c.Cause.POOR_HOUSING}' AS cause"
        " FROM registry_household h JOIN registry_welfarerecord w ON w.id = h.current_welfare_id"
        " JOIN targeting_classification k ON k.household_id = h.id AND k.period_id = %s"
        f" AND k.status IN ('ekstrem', 'miskin') WHERE {POOR_HOUSING}"
    )
    return f"WITH per_household AS ({per_household}) {unions} UNION ALL {housing}"


def causes_derive(*, period: Period) -> int:
    """Bring derived causes in line with the data for the families listed in `period`.

    The database derives the (family, cause) pairs; only the difference with the stored
    causes (a few rows per family on the list) is written.
    """
    on = period.ends_on
    params: list[Any] = [
        _years_before(on, 60), _years_before(on, 15), _years_before(on, 65),
        _years_before(on, 7), _years_before(on, 19), period.pk, on, on, period.pk,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_derived_sql(), params)
        wanted = {(household, cause) for household, cause in cursor.fetchall()}
    with transaction.atomic():
        existing = {
            (household, cause): (pk, source)
            for pk, household, cause, source in FamilyCause.objects.values_list(
                "pk", "household_id", "cause", "source"
            ).iterator(chunk_size=10_000)
        }
        stale = [
            pk
            for key, (pk, source) in existing.items()
            if source == c.CauseSource.DERIVED and key not in wanted
        ]
        for start in range(0, len(stale), CHUNK):
            FamilyCause.objects.filter(pk__in=stale[start : start + CHUNK]).delete()
        created = FamilyCause.objects.bulk_create(
            (
                FamilyCause(household_id=household, cause=cause, source=c.CauseSource.DERIVED)
                for household, cause in sorted(wanted - existing.keys())
            ),
            batch_size=CHUNK,
        )
    return len(created)


def cause_set(
    *,
    actor: Any,
    household: Household,
    cause: str,
    present: bool,
    note: str = "",
    source: str = c.CauseSource.MANUAL,
) -> FamilyCause:
    """An officer (or an approved verval visit) adds or removes a cause; derivation keeps it."""
    if cause not in c.Cause.values:
        raise TargetingError(_("Penyebab tidak dikenal."), field="cause")
    if cause == c.Cause.OTHER and present and not note.strip():
        raise TargetingError(_("Jelaskan penyebab “lainnya” di catatan."), field="note")
    with transaction.atomic():
        row, created = FamilyCause.objects.select_for_update().get_or_create(
            household=household,
            cause=cause,
            defaults={"source": source, "is_present": present, "note": note, "changed_by": actor},
        )
        before = None if created else row.is_present
        if not created:
            row.source, row.is_present, row.note, row.changed_by = source, present, note, actor
            row.save(update_fields=["source", "is_present", "note", "changed_by", "updated_at"])
        audit_record(
            actor=actor,
            action="targeting.cause_set",
            target=row,
            trail=f"household:{household.pk}",
            summary=f"{c.Cause(cause).label}: {_('ada') if present else _('tidak ada')}",
            changes={"is_present": [before, present]},
            reason=note,
        )
    return row


def household_causes(household_id: int) -> list[FamilyCause]:
    """The causes that hold for a family (removed ones left out), in the choices' order."""
    order = {code: index for index, code in enumerate(c.Cause.values)}
    rows = FamilyCause.objects.filter(household_id=household_id, is_present=True)
    return sorted(rows, key=lambda row: order[row.cause])
