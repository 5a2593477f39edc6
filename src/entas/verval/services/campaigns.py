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
    _check_editable(campaign)
    if not reasons:
        raise VervalError(_("Tidak ada keluarga yang dapat ditambahkan."), code="empty")
    unknown = set(reasons.values()) - set(c.ScopeReason.values)
    if unknown:
        raise VervalError(_("Alasan masuk kampanye tidak dikenal."), code="reason")
    with transaction.atomic():
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
    _check_editable(assignment.campaign)
    if not reason.strip():
        raise VervalError(_("Tuliskan alasan mengeluarkan keluarga ini."), field="reason")
    if assignment.visits.exists():
        raise VervalError(
            _("Keluarga ini sudah dikunjungi; hasil kunjungan tidak boleh dihapus."), code="visited"
        )
    with transaction.atomic():
        audit_record(
            actor=actor, action="verval.campaign_remove", target=assignment.campaign,
            trail=f"household:{assignment.household_id}", reason=reason,
            summary=_("Keluarga dikeluarkan dari kampanye"),
        )  # fmt: skip
        assignment.delete()


def campaign_status_set(*, actor: Any, campaign: Campaign, status: str) -> Campaign:
    """Start or close a campaign (draf → berjalan → selesai)."""
    current = c.CampaignStatus(campaign.status)
    if status not in c.CAMPAIGN_TRANSITIONS[current]:
        raise VervalError(
            _("Kampanye berstatus “%(status)s” tidak dapat diubah ke status itu.")
            % {"status": current.label},
            code="transition",
        )
    if status == c.CampaignStatus.ACTIVE and not campaign.assignments.exists():
        raise VervalError(_("Tambahkan keluarga ke kampanye sebelum memulainya."), code="empty")
    with transaction.atomic():
        campaign.status = status
        campaign.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action="verval.campaign_status", target=campaign,
            changes={"status": [current.value, status]},
        )  # fmt: skip
    return campaign


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
    possible ("water filling"): the least-loaded officers are topped up first."""
    extra = [0] * len(loads)
    order = sorted(range(len(loads)), key=lambda i: (loads[i], i))
    for _step in range(count):
        best = min(order, key=lambda i: (loads[i] + extra[i], i))
        extra[best] += 1
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
    """
    _check_editable(campaign)
    chosen = [o for o in officers or [] if o.role == Role.FIELD_OFFICER and o.is_active]
    if officers and not chosen:
        raise VervalError(_("Pilih petugas lapangan yang aktif."), field="officers")
    open_rows = Assignment.objects.filter(campaign=campaign, officer__isnull=True)
    if kelurahan_codes is not None:
        open_rows = open_rows.filter(kelurahan_id__in=list(kelurahan_codes))
    by_kelurahan: dict[str, list[Assignment]] = defaultdict(list)
    for row in open_rows.select_related("household").order_by("kelurahan_id"):
        by_kelurahan[row.kelurahan_id].append(row)
    loads: dict[int, int] = dict(
        Assignment.objects.filter(campaign=campaign, officer__isnull=False)
        .values_list("officer").annotate(n=Count("pk")).values_list("officer", "n")
    )  # fmt: skip
    now = timezone.now()
    assigned, unstaffed = 0, 0
    with transaction.atomic():
        # The biggest kelurahan first, so the small ones even out what is left.
        for code, rows in sorted(by_kelurahan.items(), key=lambda item: -len(item[1])):
            staff = chosen or officers_for(code)
            if not staff:
                unstaffed += len(rows)
                continue
            rows.sort(key=lambda r: (r.household.rw, r.household.rt, r.household.address, r.pk))
            counts = shares([loads.get(o.pk, 0) for o in staff], len(rows))
            start = 0
            for officer, take in zip(staff, counts, strict=True):
                for row in rows[start : start + take]:
                    row.officer, row.assigned_at = officer, now
                start += take
                loads[officer.pk] = loads.get(officer.pk, 0) + take
            Assignment.objects.bulk_update(rows, ["officer", "assigned_at"], batch_size=2000)
            assigned += len(rows)
        result = {"assigned": assigned, "unstaffed": unstaffed}
        audit_record(
            actor=actor, action="verval.campaign_assign", target=campaign, changes=result,
            summary=_("%(assigned)s keluarga dibagi ke petugas") % result,
        )  # fmt: skip
    return result


def assignment_reassign(
    *, actor: Any, assignments: Sequence[Assignment], officer: User, reason: str
) -> int:
    """Hand households not yet visited (or returned) to another officer. A visit waiting for
    review or approved stays with the officer who made it."""
    if not reason.strip():
        raise VervalError(_("Tuliskan alasan pemindahan tugas."), field="reason")
    if officer.role != Role.FIELD_OFFICER or not officer.is_active:
        raise VervalError(
            _("Tugas hanya dapat diberikan ke petugas lapangan yang aktif."), field="officer"
        )
    movable = [
        a for a in assignments if a.status in c.OPEN_ASSIGNMENT and a.officer_id != officer.pk
    ]
    if not movable:
        raise VervalError(
            _("Tidak ada tugas yang dapat dipindahkan: yang sudah dikirim tetap pada petugasnya."),
            code="nothing",
        )
    for assignment in movable:
        _check_editable(assignment.campaign)
    now = timezone.now()
    with transaction.atomic():
        for assignment in movable:
            before = assignment.officer_id
            assignment.officer, assignment.assigned_at = officer, now
            assignment.save(update_fields=["officer", "assigned_at", "updated_at"])
            audit_record(
                actor=actor, action="verval.assignment_reassign", target=assignment,
                trail=f"household:{assignment.household_id}",
                changes={"officer": [before, officer.pk]}, reason=reason,
            )  # fmt: skip
    return len(movable)
