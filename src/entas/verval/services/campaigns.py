"""Campaigns: create, choose households, assign officers with balanced loads, reassign."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.accounts.models import Role, User
from entas.core.services import audit_record
from entas.registry import choices as rc
from entas.registry.models import Household
from entas.targeting import choices as tc
from entas.targeting.models import Classification, Period
from entas.verval import choices as c
from entas.verval.exceptions import VervalError
from entas.verval.models import Assignment, Campaign

MAX_NAME = 120


def campaign_create(
    *,
    actor: Any,
    name: str,
    starts_on: dt.date,
    deadline: dt.date,
    period: Period | None = None,
    note: str = "",
) -> Campaign:
    """A new campaign in draft; households are added next, then officers assigned."""
    name = " ".join(name.split())
    if not name:
        raise VervalError(_("Nama kampanye wajib diisi."), field="name")
    if len(name) > MAX_NAME:
        raise VervalError(_("Nama kampanye paling panjang 120 karakter."), field="name")
    if deadline < starts_on:
        raise VervalError(
            _("Batas waktu tidak boleh sebelum tanggal mulai."), code="deadline", field="deadline"
        )
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name, starts_on=starts_on, deadline=deadline, period=period, note=note,
            created_by=actor,
        )  # fmt: skip
        audit_record(actor=actor, action="verval.campaign_create", target=campaign, summary=name)
    return campaign


def campaign_create_with_scope(
    *,
    actor: Any,
    name: str,
    starts_on: dt.date,
    deadline: dt.date,
    period: Period | None = None,
    note: str = "",
) -> tuple[Campaign, dict[str, int]]:
    """A new draft campaign holding the period's extreme-poor families and verval
    candidates (`period_scope`), or nothing at all when the period gives no household."""
    if period is None or period.classified_at is None:
        raise VervalError(
            _("Pilih periode yang sudah diklasifikasi untuk mengambil keluarganya."),
            code="period", field="period",
        )  # fmt: skip
    with transaction.atomic():
        campaign = campaign_create(
            actor=actor, name=name, starts_on=starts_on, deadline=deadline, period=period,
            note=note,
        )  # fmt: skip
        counts = campaign_add_households(
            actor=actor, campaign=campaign, reasons=period_scope(period)
        )
        if not counts["added"]:
            raise VervalError(
                _("Periode %(period)s tidak memiliki keluarga miskin ekstrem atau kandidat yang "
                  "aktif.") % {"period": period.name},
                code="empty", field="period",
            )  # fmt: skip
    return campaign, counts


def _check_editable(campaign: Campaign) -> None:
    if campaign.status == c.CampaignStatus.CLOSED:
        raise VervalError(_("Kampanye sudah selesai dan tidak dapat diubah."), code="closed")


def period_scope(period: Period) -> dict[int, str]:
    """Household id → reason for a period: every extreme-poor family and every verval
    candidate (desil 1 / the bottom of the score) of the period's classification."""
    rows = Classification.objects.filter(period=period).filter(
        Q(status=tc.Status.EXTREME) | Q(is_candidate=True)
    )
    return {
        household_id: c.ScopeReason.EXTREME
        if status == tc.Status.EXTREME
        else c.ScopeReason.CANDIDATE
        for household_id, status in rows.values_list("household_id", "status")
    }


def campaign_add_households(
    *, actor: Any, campaign: Campaign, reasons: dict[int, str], note: str = ""
) -> dict[str, int]:
    """Add households (id → `ScopeReason`) to a campaign. Households already in it, and
    households no longer active in the registry, are left out and counted."""
    if not reasons:
        raise VervalError(_("Tidak ada keluarga yang dapat ditambahkan."), code="empty")
    unknown = set(reasons.values()) - set(c.ScopeReason.values)
    if unknown:
        raise VervalError(_("Alasan masuk kampanye tidak dikenal."), code="reason")
    with transaction.atomic():
        _check_editable(_locked(campaign))
        present = set(
            Assignment.objects.filter(campaign=campaign, household_id__in=list(reasons))
            .values_list("household_id", flat=True)
        )  # fmt: skip
        active = dict(
            Household.objects.filter(pk__in=list(reasons), status=rc.HouseholdStatus.ACTIVE)
            .values_list("pk", "kelurahan_id")
        )  # fmt: skip
        new = [
            Assignment(
                campaign=campaign, household_id=pk, kelurahan_id=kelurahan, reason=reasons[pk]
            )
            for pk, kelurahan in sorted(active.items())
            if pk not in present
        ]
        Assignment.objects.bulk_create(new, batch_size=2000)
        counts = {
            "added": len(new),
            "already": len(present),
            "inactive": len(set(reasons) - set(active)),
        }
        audit_record(
            actor=actor, action="verval.campaign_add", target=campaign,
            summary=_("%(added)s keluarga ditambahkan") % counts, changes=counts, reason=note,
        )  # fmt: skip
    return counts


def campaign_remove_household(*, actor: Any, assignment: Assignment, reason: str) -> None:
    """Take a household out of a campaign before it was visited."""
    if not reason.strip():
        raise VervalError(_("Tuliskan alasan mengeluarkan keluarga ini."), field="reason")
    with transaction.atomic():
        _check_editable(_locked(assignment.campaign))
        # Locked, so a visit arriving meanwhile either comes first (and is seen) or waits.
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.status != c.AssignmentStatus.PENDING or locked.visits.exists():
            raise VervalError(
                _("Keluarga ini sudah dikunjungi; hasil kunjungan tidak boleh dihapus."),
                code="visited",
            )
        audit_record(
            actor=actor, action="verval.campaign_remove", target=assignment.campaign,
            trail=f"household:{assignment.household_id}", reason=reason.strip(),
            summary=_("Keluarga dikeluarkan dari kampanye"),
        )  # fmt: skip
        locked.delete()


def campaign_status_set(*, actor: Any, campaign: Campaign, status: str) -> Campaign:
    """Start or close a campaign (draf → berjalan → selesai)."""
    with transaction.atomic():
        current = c.CampaignStatus(_locked(campaign).status)
        if status not in c.CAMPAIGN_TRANSITIONS[current]:
            raise VervalError(
                _("Kampanye berstatus “%(status)s” tidak dapat diubah ke status itu.")
                % {"status": current.label},
                code="transition",
            )
        if status == c.CampaignStatus.ACTIVE and not campaign.assignments.exists():
            raise VervalError(_("Tambahkan keluarga ke kampanye sebelum memulainya."), code="empty")
        campaign.status = status
        campaign.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action="verval.campaign_status", target=campaign,
            changes={"status": [current.value, status]},
        )  # fmt: skip
    return campaign


def _locked(campaign: Campaign) -> Campaign:
    """The campaign's row as it is now, locked until the transaction ends: changes to one
    campaign (status, assignment) wait for each other instead of crossing."""
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def officers_for(kelurahan_code: str) -> list[User]:
    """Active field officers whose areas cover a kelurahan (the kelurahan or its kecamatan)."""
    kecamatan_code = kelurahan_code.rsplit(".", 1)[0]
    return list(
        User.objects.filter(
            role=Role.FIELD_OFFICER, is_active=True,
            areas__code__in=[kelurahan_code, kecamatan_code],
        ).distinct().order_by("pk")
    )  # fmt: skip


def shares(loads: Sequence[int], count: int) -> list[int]:
    """How many of `count` new households each officer takes so that loads end as even as
    possible ("water filling"): the least-loaded officers are topped up to a common level,
    and what does not divide evenly goes one each to the first officers (by position) at
    that level. O(n log n) in the number of officers, whatever `count`.

    Final loads differ by at most max(1, the spread of `loads`), and the highest final load
    is the lowest any split could reach.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if not loads:
        if count:
            raise ValueError("no officer to share with")
        return []
    order = sorted(range(len(loads)), key=lambda i: (loads[i], i))
    filled, water = 0, count  # officers raised to the level; count + their loads
    for position, index in enumerate(order):
        # Raising the `position` least loaded to this officer's load costs this much.
        if loads[index] * position > water:
            break
        filled, water = position + 1, water + loads[index]
    level, remainder = divmod(water, filled)
    extra = [0] * len(loads)
    raised = sorted(order[:filled])
    for rank, index in enumerate(raised):
        extra[index] = level - loads[index] + (1 if rank < remainder else 0)
    return extra


def campaign_assign_balanced(
    *,
    actor: Any,
    campaign: Campaign,
    kelurahan_codes: Iterable[str] | None = None,
    officers: Sequence[User] | None = None,
) -> dict[str, int]:
    """Give every unassigned household of the chosen kelurahan (all, by default) an officer.

    Each kelurahan's households go to the officers covering it (or to `officers`, when
    given) so that loads in this campaign end as even as possible; neighbours (same RW and
    RT) stay with the same officer. Kelurahan with no officer are counted and left.

    An officer who covers several kelurahan (a kecamatan coordinator) is counted, while
    one kelurahan is shared, with their expected part of the kelurahan still to come, so
    they do not take a full share of each and end up with twice the others' load.
    """
    chosen = [o for o in officers or [] if o.role == Role.FIELD_OFFICER and o.is_active]
    if officers and not chosen:
        raise VervalError(_("Pilih petugas lapangan yang aktif."), field="officers")
    now = timezone.now()
    with transaction.atomic():
        _check_editable(_locked(campaign))
        by_kelurahan = _unassigned_by_kelurahan(campaign, kelurahan_codes)
        staff = {code: chosen or officers_for(code) for code in by_kelurahan}
        loads = _officer_loads(campaign)
        expected = _expected_loads(by_kelurahan, staff)
        assigned, unstaffed = 0, 0
        # The biggest kelurahan first, so the small ones even out what is left.
        for code, rows in sorted(by_kelurahan.items(), key=lambda item: (-len(item[1]), item[0])):
            if not staff[code]:
                unstaffed += len(rows)
                continue
            for officer in staff[code]:
                expected[officer.pk] -= len(rows) / len(staff[code])
            _assign_in_blocks(rows, staff[code], loads, expected, now)
            assigned += len(rows)
        result = {"assigned": assigned, "unstaffed": unstaffed}
        audit_record(
            actor=actor, action="verval.campaign_assign", target=campaign, changes=result,
            summary=_("%(assigned)s keluarga dibagi ke petugas") % result,
        )  # fmt: skip
    return result


def _unassigned_by_kelurahan(
    campaign: Campaign, kelurahan_codes: Iterable[str] | None
) -> dict[str, list[Assignment]]:
    rows = Assignment.objects.filter(campaign=campaign, officer__isnull=True)
    if kelurahan_codes is not None:
        rows = rows.filter(kelurahan_id__in=list(kelurahan_codes))
    found: dict[str, list[Assignment]] = defaultdict(list)
    for row in rows.select_related("household").order_by("kelurahan_id", "pk"):
        found[row.kelurahan_id].append(row)
    return found


def _officer_loads(campaign: Campaign) -> dict[int, int]:
    """Officer id → households already given to them in this campaign."""
    counted = (
        Assignment.objects.filter(campaign=campaign, officer__isnull=False)
        .values_list("officer").annotate(n=Count("pk")).values_list("officer", "n").order_by()
    )  # fmt: skip
    return dict(counted)


def _expected_loads(
    by_kelurahan: dict[str, list[Assignment]], staff: dict[str, list[User]]
) -> dict[int, float]:
    """Officer id → an even part of every kelurahan they cover that is still to be shared."""
    expected: dict[int, float] = defaultdict(float)
    for code, rows in by_kelurahan.items():
        for officer in staff[code]:
            expected[officer.pk] += len(rows) / len(staff[code])
    return expected


def _assign_in_blocks(
    rows: list[Assignment],
    staff: Sequence[User],
    loads: dict[int, int],
    expected: dict[int, float],
    now: dt.datetime,
) -> None:
    """Share one kelurahan's rows among `staff` in contiguous blocks sorted by RW, RT and
    address, so each officer walks one neighbourhood."""
    rows.sort(key=_neighbourhood)
    counts = shares([loads.get(o.pk, 0) + round(expected[o.pk]) for o in staff], len(rows))
    start = 0
    for officer, take in zip(staff, counts, strict=True):
        block = rows[start : start + take]
        # One UPDATE per officer's block: a CASE per row (bulk_update) cost most of the time.
        Assignment.objects.filter(pk__in=[row.pk for row in block]).update(
            officer=officer, assigned_at=now, updated_at=now
        )
        for row in block:
            row.officer, row.assigned_at = officer, now
        start += take
        loads[officer.pk] = loads.get(officer.pk, 0) + take


def _neighbourhood(row: Assignment) -> tuple[str, str, str, int]:
    """RW and RT compared as numbers ("2" before "10"), then the address."""
    household = row.household
    return (household.rw.zfill(3), household.rt.zfill(3), household.address, row.pk)


def assignment_reassign(
    *, actor: Any, assignments: Sequence[Assignment], officer: User, reason: str
) -> int:
    """Hand households not yet visited (or returned) to another officer; the number moved.

    A visit waiting for review or approved stays with the officer who made it: the rows are
    locked and their status read again inside the transaction, so a visit sent meanwhile
    keeps its household with its officer.
    """
    if not reason.strip():
        raise VervalError(_("Tuliskan alasan pemindahan tugas."), field="reason")
    if officer.role != Role.FIELD_OFFICER or not officer.is_active:
        raise VervalError(
            _("Tugas hanya dapat diberikan ke petugas lapangan yang aktif."), field="officer"
        )
    now = timezone.now()
    with transaction.atomic():
        campaign_ids = sorted({a.campaign_id for a in assignments})
        for campaign in Campaign.objects.select_for_update().filter(pk__in=campaign_ids):
            _check_editable(campaign)
        movable = list(
            Assignment.objects.select_for_update()
            .filter(pk__in=[a.pk for a in assignments], status__in=c.OPEN_ASSIGNMENT)
            .exclude(officer=officer).order_by("pk")
        )  # fmt: skip
        if not movable:
            raise VervalError(
                _(
                    "Tidak ada tugas yang dapat dipindahkan: yang sudah dikirim tetap pada "
                    "petugasnya."
                ),
                code="nothing",
            )
        for assignment in movable:
            before = assignment.officer_id
            assignment.officer, assignment.assigned_at = officer, now
            assignment.save(update_fields=["officer", "assigned_at", "updated_at"])
            audit_record(
                actor=actor, action="verval.assignment_reassign", target=assignment,
                trail=f"household:{assignment.household_id}",
                changes={"officer": [before, officer.pk]}, reason=reason.strip(),
            )  # fmt: skip
    return len(movable)
