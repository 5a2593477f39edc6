"""Pendampingan: companions of families, their visit notes, and family plans.

A family has at most one current companion (a database constraint holds it): assigning a
new one ends the current one on the new one's start date. A companion is an active field
officer whose areas cover the family. Notes and plans are written by the current companion
or by a Dinsos admin; every write is audited under the family's trail, in the same
transaction.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.accounts.models import Role, User
from entas.core.services import audit_record
from entas.registry.models import Household
from entas.registry.selectors import household_scope
from entas.verval import choices as c
from entas.verval.exceptions import VervalError
from entas.verval.models import (
    CompanionNote,
    Companionship,
    FamilyPlan,
    Need,
    PlanGoal,
    PlanStep,
    Visit,
)

MAX_NOTE = 2000
MAX_TITLE = 200
MAX_STEP = 300
MAX_REASON = 300


def _trail(household_id: int) -> str:
    return f"household:{household_id}"


def _text(value: str) -> str:
    return " ".join(value.split())


def _not_future(day: dt.date, name: str) -> None:
    if day > timezone.localdate():
        raise VervalError(_("Tanggal tidak boleh di masa depan."), code="future", field=name)


def _current(household_id: int) -> Companionship | None:
    return (
        Companionship.objects.select_related("companion")
        .filter(household_id=household_id, ended_on__isnull=True)
        .first()
    )


def may_be_companion(user: User, household: Household) -> bool:
    """An active field officer whose areas cover the family."""
    return (
        user.is_active
        and user.role == Role.FIELD_OFFICER
        and household_scope(user).filter(pk=household.pk).exists()
    )


def may_write_for(user: Any, household_id: int) -> bool:
    """Notes and plans: the family's current companion, or a Dinsos admin."""
    if getattr(user, "role", "") == Role.ADMIN and user.is_active:
        return True
    current = _current(household_id)
    return current is not None and current.companion_id == getattr(user, "pk", None)


def _check_writer(actor: Any, household_id: int) -> None:
    if not may_write_for(actor, household_id):
        raise VervalError(
            _("Hanya pendamping keluarga ini atau admin Dinsos yang dapat menulis di sini."),
            code="not_companion",
        )


# --- companions ------------------------------------------------------------------------


def _lock(household: Household) -> Household:
    return Household.objects.select_for_update().get(pk=household.pk)


def _start(actor: Any, household: Household, companion: User, started_on: dt.date) -> Companionship:
    """End the current companionship (if any) and start a new one; the caller holds the lock."""
    current = _current(household.pk)
    if current is not None:
        if current.companion_id == companion.pk:
            raise VervalError(
                _("%(name)s sudah menjadi pendamping keluarga ini.") % {"name": companion},
                code="same_companion",
                field="companion",
            )
        if started_on < current.started_on:
            raise VervalError(
                _("Tanggal mulai tidak boleh sebelum pendamping sekarang mulai (%(date)s).")
                % {"date": current.started_on.isoformat()},
                code="before_current",
                field="started_on",
            )
        current.ended_on = started_on
        current.save(update_fields=["ended_on", "updated_at"])
    made = Companionship.objects.create(
        household=household, companion=companion, started_on=started_on, assigned_by=actor
    )
    audit_record(
        actor=actor,
        action="verval.companion_assign",
        target=made,
        trail=_trail(household.pk),
        summary=str(companion),
        changes={"companion": [current.companion_id if current else None, companion.pk]},
    )
    return made


def companion_assign(
    *, actor: Any, household: Household, companion: User, started_on: dt.date
) -> Companionship:
    """Make `companion` the family's companion from `started_on`; the current one ends then."""
    if not may_be_companion(companion, household):
        raise VervalError(
            _(
                "Pendamping harus petugas lapangan aktif yang wilayah tugasnya mencakup "
                "keluarga ini."
            ),
            code="not_eligible",
            field="companion",
        )
    _not_future(started_on, "started_on")
    with transaction.atomic():
        return _start(actor, _lock(household), companion, started_on)


def _latest_officers(household_ids: list[int]) -> dict[int, int]:
    """Household id → the officer of its latest approved verval visit."""
    officers: dict[int, int] = {}
    visits = (
        Visit.objects.filter(household_id__in=household_ids, status=c.VisitStatus.APPROVED)
        .order_by("household_id", "-visited_at", "-pk")
        .values_list("household_id", "officer_id")
    )
    for household_id, officer_id in visits:
        officers.setdefault(household_id, officer_id)
    return officers


def companions_assign_bulk(
    *, actor: Any, households: Iterable[Household], companion: User | None = None
) -> dict[str, int]:
    """Give companions to many families from today, in one transaction.

    With `companion` None each family gets the officer of its latest approved verval visit.
    Families that already have a companion are left as they are; families with no such
    officer, or whose officer may not accompany them (inactive, area changed), are left
    too. Returns the counts: assigned, already_accompanied, no_officer, out_of_scope.
    """
    families = list(households)
    counts = {"assigned": 0, "already_accompanied": 0, "no_officer": 0, "out_of_scope": 0}
    latest = _latest_officers([family.pk for family in families]) if companion is None else {}
    users = {user.pk: user for user in User.objects.filter(pk__in=set(latest.values()))}
    today = timezone.localdate()
    with transaction.atomic():
        for family in families:
            locked = _lock(family)
            if _current(locked.pk) is not None:
                counts["already_accompanied"] += 1
                continue
            chosen = companion if companion is not None else users.get(latest.get(locked.pk, 0))
            if chosen is None:
                counts["no_officer"] += 1
            elif not may_be_companion(chosen, locked):
                counts["out_of_scope"] += 1
            else:
                _start(actor, locked, chosen, today)
                counts["assigned"] += 1
    return counts


def companion_end(
    *, actor: Any, household: Household, ended_on: dt.date, reason: str
) -> Companionship:
    """End the family's current companionship, e.g. when the family graduated or moved."""
    reason = _text(reason)
    if not reason:
        raise VervalError(
            _("Tuliskan alasan pendampingan diakhiri."), code="no_reason", field="reason"
        )
    if len(reason) > MAX_REASON:
        raise VervalError(_("Alasan paling panjang 300 karakter."), field="reason")
    _not_future(ended_on, "ended_on")
    with transaction.atomic():
        _lock(household)
        current = _current(household.pk)
        if current is None:
            raise VervalError(_("Keluarga ini tidak sedang didampingi."), code="no_companion")
        if ended_on < current.started_on:
            raise VervalError(
                _("Tanggal berakhir tidak boleh sebelum pendampingan dimulai (%(date)s).")
                % {"date": current.started_on.isoformat()},
                field="ended_on",
            )
        current.ended_on = ended_on
        current.save(update_fields=["ended_on", "updated_at"])
        audit_record(
            actor=actor,
            action="verval.companion_end",
            target=current,
            trail=_trail(household.pk),
            summary=str(current.companion),
            reason=reason,
        )
    return current


# --- notes -----------------------------------------------------------------------------


def companion_note_add(
    *, actor: Any, household: Household, visited_on: dt.date, note: str
) -> CompanionNote:
    """A note of a visit to the family, by its current companion or an admin."""
    _check_writer(actor, household.pk)
    note = note.strip()
    if not note:
        raise VervalError(_("Tuliskan catatan kunjungan."), code="empty", field="note")
    if len(note) > MAX_NOTE:
        raise VervalError(_("Catatan paling panjang 2000 karakter."), field="note")
    _not_future(visited_on, "visited_on")
    with transaction.atomic():
        made = CompanionNote.objects.create(
            household=household, author=actor, visited_on=visited_on, note=note
        )
        audit_record(
            actor=actor,
            action="verval.companion_note_add",
            target=made,
            trail=_trail(household.pk),
            summary=visited_on.isoformat(),
        )
    return made


# --- family plans ----------------------------------------------------------------------


def _check_active(plan: FamilyPlan) -> None:
    if plan.status != c.PlanStatus.ACTIVE:
        raise VervalError(_("Rencana ini sudah selesai dan tidak dapat diubah."), code="closed")


def _lock_active(plan: FamilyPlan) -> FamilyPlan:
    """The plan as stored, locked until the transaction ends; refused once completed (the
    caller's copy may be older than a completion by someone else)."""
    locked = FamilyPlan.objects.select_for_update().get(pk=plan.pk)
    _check_active(locked)
    return locked


def _audit_plan(actor: Any, action: str, target: Any, household_id: int, summary: str) -> None:
    audit_record(
        actor=actor,
        action=f"verval.{action}",
        target=target,
        trail=_trail(household_id),
        summary=summary,
    )


def plan_create(
    *, actor: Any, household: Household, agreed_on: dt.date, note: str = ""
) -> FamilyPlan:
    """A new family plan; refused while the family has an active one."""
    _check_writer(actor, household.pk)
    _not_future(agreed_on, "agreed_on")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise VervalError(_("Catatan paling panjang 2000 karakter."), field="note")
    with transaction.atomic():
        _lock(household)
        active = FamilyPlan.objects.filter(household=household, status=c.PlanStatus.ACTIVE)
        if active.exists():
            raise VervalError(
                _("Keluarga ini sudah punya rencana aktif; selesaikan dulu sebelum membuat baru."),
                code="active_plan",
            )
        plan = FamilyPlan.objects.create(
            household=household, agreed_on=agreed_on, note=note, created_by=actor
        )
        _audit_plan(actor, "plan_create", plan, household.pk, agreed_on.isoformat())
    return plan


def _check_date_in_plan(plan: FamilyPlan, day: dt.date | None, name: str) -> None:
    if day is not None and day < plan.agreed_on:
        raise VervalError(
            _("Tanggal tidak boleh sebelum rencana disepakati (%(date)s).")
            % {"date": plan.agreed_on.isoformat()},
            field=name,
        )


def goal_add(
    *,
    actor: Any,
    plan: FamilyPlan,
    title: str,
    need: Need | None = None,
    target_on: dt.date | None = None,
) -> PlanGoal:
    """A goal of an active plan, optionally for one of the same family's needs."""
    _check_writer(actor, plan.household_id)
    _check_active(plan)
    title = _text(title)
    if not title:
        raise VervalError(_("Tuliskan tujuannya."), code="empty", field="title")
    if len(title) > MAX_TITLE:
        raise VervalError(_("Tujuan paling panjang 200 karakter."), field="title")
    if need is not None and need.household_id != plan.household_id:
        raise VervalError(
            _("Kebutuhan yang dipilih bukan kebutuhan keluarga ini."), code="need", field="need"
        )
    _check_date_in_plan(plan, target_on, "target_on")
    with transaction.atomic():
        _lock_active(plan)
        goal = PlanGoal.objects.create(plan=plan, title=title, need=need, target_on=target_on)
        _audit_plan(actor, "goal_add", goal, plan.household_id, title)
    return goal


def step_add(
    *,
    actor: Any,
    goal: PlanGoal,
    description: str,
    owner: str,
    due_on: dt.date | None = None,
) -> PlanStep:
    """An agreed step towards a goal: who does what, by when."""
    plan = goal.plan
    _check_writer(actor, plan.household_id)
    _check_active(plan)
    description = _text(description)
    if not description:
        raise VervalError(_("Tuliskan langkahnya."), code="empty", field="description")
    if len(description) > MAX_STEP:
        raise VervalError(_("Langkah paling panjang 300 karakter."), field="description")
    if owner not in c.StepOwner.values:
        raise VervalError(_("Pilih pelaksana langkah."), code="owner", field="owner")
    if goal.status != c.GoalStatus.IN_PROGRESS:
        raise VervalError(_("Tujuan ini tidak lagi berjalan."), code="goal_closed")
    _check_date_in_plan(plan, due_on, "due_on")
    with transaction.atomic():
        _lock_active(plan)
        step = PlanStep.objects.create(
            goal=goal, description=description, owner=owner, due_on=due_on
        )
        _audit_plan(actor, "step_add", step, plan.household_id, description)
    return step


def step_done(*, actor: Any, step: PlanStep, done_on: dt.date) -> PlanStep:
    """Mark a step done on `done_on`."""
    plan = step.goal.plan
    _check_writer(actor, plan.household_id)
    _check_active(plan)
    _not_future(done_on, "done_on")
    _check_date_in_plan(plan, done_on, "done_on")
    with transaction.atomic():
        _lock_active(plan)
        locked = PlanStep.objects.select_for_update().get(pk=step.pk)
        if locked.done_on is not None:
            raise VervalError(_("Langkah ini sudah ditandai selesai."), code="done")
        locked.done_on = done_on
        locked.save(update_fields=["done_on", "updated_at"])
        _audit_plan(actor, "step_done", locked, plan.household_id, locked.description)
    return locked


def goal_status_set(*, actor: Any, goal: PlanGoal, status: str) -> PlanGoal:
    """Mark a goal achieved or dropped (or in progress again)."""
    plan = goal.plan
    _check_writer(actor, plan.household_id)
    _check_active(plan)
    if status not in c.GoalStatus.values:
        raise VervalError(_("Status tujuan tidak dikenal."), code="status", field="status")
    with transaction.atomic():
        _lock_active(plan)
        locked = PlanGoal.objects.select_for_update().get(pk=goal.pk)
        if locked.status == status:
            raise VervalError(
                _("Tujuan ini sudah berstatus “%(status)s”.")
                % {"status": c.GoalStatus(status).label},
                code="unchanged",
            )
        before, locked.status = locked.status, status
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="verval.goal_status_set",
            target=locked,
            trail=_trail(plan.household_id),
            summary=locked.title,
            changes={"status": [before, status]},
        )
    return locked


def plan_complete(*, actor: Any, plan: FamilyPlan) -> FamilyPlan:
    """Close the plan; it stays as history and a new plan may be agreed."""
    _check_writer(actor, plan.household_id)
    with transaction.atomic():
        locked = _lock_active(plan)
        locked.status = c.PlanStatus.COMPLETED
        locked.save(update_fields=["status", "updated_at"])
        _audit_plan(actor, "plan_complete", locked, locked.household_id, str(locked.agreed_on))
    return locked
