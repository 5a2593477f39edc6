"""Visits: received from the phone (once, whatever the retries), then approved or returned.

`visit_submit` checks everything it can while the officer can still fix it, and stores the
visit as sent. Only `visit_approve`, by someone other than the officer, writes to the
registry and targeting, through their own services, in one transaction: a refusal anywhere
(say a NIK already registered elsewhere) leaves everything as it was and tells the reviewer.
"""

import datetime as dt
import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.core.services import audit_record
from entas.registry import choices as rc
from entas.registry import services as registry
from entas.registry.exceptions import RegistryError
from entas.registry.models import WELFARE_FIELDS, Household, Membership, Person
from entas.targeting import choices as tc
from entas.targeting.causes import cause_set
from entas.targeting.exceptions import TargetingError
from entas.targeting.graduation import reappearance_check
from entas.targeting.models import FamilyCause
from entas.targeting.services import finding_record
from entas.verval import choices as c
from entas.verval.exceptions import VervalError
from entas.verval.models import Assignment, Need, Visit, VisitPhoto
from entas.verval.services.photos import PreparedPhoto
from entas.wilayah.identity import parse_nik

MAX_PHOTOS = 4
CLOCK_SKEW = dt.timedelta(minutes=10)  # a phone's clock may run a little ahead
GOOD_ACCURACY_M = 50  # a GPS fix this good may replace the household's coordinates


@dataclass
class MemberChangeInput:
    """One change to the members: `person_id` for a death or a move, the new person's
    fields for a birth or a new member."""

    kind: str
    on: dt.date | None = None
    person_id: int | None = None
    full_name: str = ""
    sex: str = ""
    relationship: str = ""
    birth_date: dt.date | None = None
    nik: str = ""


@dataclass
class NeedInput:
    kind: str
    detail: str = ""
    person_id: int | None = None
    note: str = ""


@dataclass
class VisitInput:
    """A visit as the phone sends it. `client_id` is made on the device when the form is
    opened: the same visit sent again carries the same id."""

    client_id: uuid.UUID
    visited_at: dt.datetime
    outcome: str
    consent: str
    respondent: str = ""
    duplicate_of_id: int | None = None
    moved_to: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: int | None = None
    member_changes: list[MemberChangeInput] = field(default_factory=list)
    new_head_id: int | None = None
    welfare: dict[str, Any] = field(default_factory=dict)
    causes: list[str] = field(default_factory=list)
    needs: list[NeedInput] = field(default_factory=list)
    note: str = ""


def _fail(message: str, name: str, code: str = "invalid") -> VervalError:
    return VervalError(message, code=code, field=name)


def _json_ready(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items() if item not in ("", None)}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value


# --- checking what the phone sent ------------------------------------------------------


def _check_basics(assignment: Assignment, data: VisitInput) -> None:
    if data.outcome not in c.Outcome.values:
        raise _fail(_("Pilih hasil kunjungan."), "outcome")
    if data.consent not in c.Consent.values:
        raise _fail(_("Pilih persetujuan keluarga."), "consent")
    met = data.outcome in c.MET_OUTCOMES
    if met and data.consent == c.Consent.NOT_APPLICABLE:
        raise _fail(_("Keluarga ditemui: catat apakah keluarga bersedia didata."), "consent")
    if not met and data.consent != c.Consent.NOT_APPLICABLE:
        raise _fail(
            _("Keluarga tidak ditemui: persetujuan tidak berlaku untuk hasil ini."), "consent"
        )
    now = timezone.now()
    if data.visited_at > now + CLOCK_SKEW:
        raise _fail(_("Waktu kunjungan tidak boleh di masa depan."), "visited_at")
    if timezone.localdate(data.visited_at) < assignment.campaign.starts_on:
        raise _fail(_("Waktu kunjungan sebelum kampanye dimulai."), "visited_at")
    if len(data.note) > 2000 or len(data.respondent) > 150 or len(data.moved_to) > 255:
        raise _fail(_("Catatan terlalu panjang."), "note")


def _check_location(data: VisitInput) -> None:
    if (data.latitude is None) != (data.longitude is None):
        raise _fail(
            _("Lokasi GPS tidak lengkap: lintang dan bujur harus ada keduanya."), "latitude"
        )
    if data.latitude is not None and data.longitude is not None:  # noqa: SIM102
        if not (-90 <= data.latitude <= 90 and -180 <= data.longitude <= 180):
            raise _fail(_("Lokasi GPS di luar jangkauan."), "latitude")
    if data.accuracy_m is not None and data.accuracy_m < 0:
        raise _fail(_("Akurasi GPS tidak sah."), "accuracy_m")


def _current_members(household: Household) -> dict[int, Membership]:
    rows = Membership.objects.filter(household=household, end_date__isnull=True).select_related(
        "person"
    )
    return {row.person_id: row for row in rows}


def _check_outcome_details(household: Household, data: VisitInput, members: dict) -> None:
    if data.outcome == c.Outcome.DIED and len(members) > 1:
        raise _fail(
            _(
                "Hasil “meninggal” hanya untuk keluarga beranggota satu orang; untuk keluarga "
                "yang lebih besar catat kematian di perubahan anggota."
            ),
            "outcome",
        )
    if data.duplicate_of_id is not None:
        if data.outcome != c.Outcome.DUPLICATE:
            raise _fail(
                _("Keluarga duplikat hanya diisi untuk hasil “data ganda”."), "duplicate_of"
            )
        if (
            data.duplicate_of_id == household.pk
            or not Household.objects.filter(pk=data.duplicate_of_id).exists()
        ):
            raise _fail(_("Keluarga duplikat tidak ditemukan."), "duplicate_of")


def _check_member_changes(data: VisitInput, members: dict[int, Membership], today: dt.date) -> None:
    leaving: set[int] = set()
    for change in data.member_changes:
        if change.kind not in c.MemberChange.values:
            raise _fail(_("Jenis perubahan anggota tidak dikenal."), "member_changes")
        if change.on is None or change.on > today:
            raise _fail(_("Isi tanggal perubahan anggota (tidak di masa depan)."), "member_changes")
        if change.kind in c.LEAVING_CHANGES:
            if change.person_id not in members:
                raise _fail(
                    _("Anggota yang meninggal atau pindah harus anggota keluarga ini."),
                    "member_changes",
                )
            if change.on < members[change.person_id].start_date:
                raise _fail(
                    _("Tanggal keluar tidak boleh sebelum anggota tercatat masuk (%(date)s).")
                    % {"date": members[change.person_id].start_date.isoformat()},
                    "member_changes",
                )
            if change.person_id in leaving:
                raise _fail(
                    _("Satu anggota hanya boleh dicatat keluar satu kali."), "member_changes"
                )
            leaving.add(change.person_id)
            continue
        _check_new_member(change, today)
    heads = {pk for pk, row in members.items() if row.relationship == rc.Relationship.HEAD}
    staying = set(members) - leaving
    if heads & leaving and staying:
        if data.new_head_id not in staying:
            raise _fail(
                _("Kepala keluarga keluar: pilih kepala keluarga baru dari anggota yang tetap."),
                "new_head",
            )
    elif data.new_head_id is not None and data.new_head_id not in staying:
        raise _fail(_("Kepala keluarga baru harus anggota yang tetap."), "new_head")


def _check_new_member(change: MemberChangeInput, today: dt.date) -> None:
    if not " ".join(change.full_name.split()):
        raise _fail(_("Isi nama anggota baru."), "member_changes")
    if change.sex not in rc.Sex.values:
        raise _fail(_("Pilih jenis kelamin anggota baru."), "member_changes")
    if (
        change.relationship not in rc.Relationship.values
        or change.relationship == rc.Relationship.HEAD
    ):
        raise _fail(_("Pilih hubungan anggota baru dengan kepala keluarga."), "member_changes")
    if change.kind == c.MemberChange.BIRTH and change.birth_date is None:
        raise _fail(_("Isi tanggal lahir bayi."), "member_changes")
    if change.birth_date is not None and change.birth_date > today:
        raise _fail(_("Tanggal lahir tidak boleh di masa depan."), "member_changes")
    if change.nik:
        result = parse_nik(change.nik, today=today)
        if not result.valid:
            raise _fail(result.message, "member_changes")


def _check_assessment(household: Household, data: VisitInput, members: dict, photos: list) -> None:
    gathered = data.member_changes or data.welfare or data.causes or data.needs or photos
    if data.consent != c.Consent.GIVEN and gathered:
        raise _fail(
            _(
                "Tanpa persetujuan keluarga hanya hasil kunjungan yang dicatat, "
                "bukan data keluarga."
            ),
            "consent",
        )
    if data.welfare:
        try:
            registry.welfare_validate(data.welfare)
        except RegistryError as error:
            raise _fail(error.message, "welfare") from error
    if set(data.causes) - set(tc.Cause.values):
        raise _fail(_("Penyebab tidak dikenal."), "causes")
    if tc.Cause.OTHER in data.causes and not data.note.strip():
        raise _fail(_("Jelaskan penyebab “lainnya” di catatan."), "note")
    seen: set[tuple[str, str, int | None]] = set()
    for need in data.needs:
        _check_need(need, members)
        key = (need.kind, need.detail, need.person_id)
        if key in seen:
            raise _fail(_("Kebutuhan yang sama tercatat dua kali."), "needs")
        seen.add(key)
    if len(photos) > MAX_PHOTOS:
        raise _fail(_("Paling banyak %(n)s foto per kunjungan.") % {"n": MAX_PHOTOS}, "photos")


def _check_need(need: NeedInput, members: dict) -> None:
    if need.kind not in c.NeedKind.values:
        raise _fail(_("Kebutuhan tidak dikenal."), "needs")
    details = c.NEED_DETAILS.get(c.NeedKind(need.kind))
    if details is not None and need.detail not in details.values:
        raise _fail(
            _("Pilih rincian untuk kebutuhan “%(need)s”.") % {"need": c.NeedKind(need.kind).label},
            "needs",
        )
    if len(need.detail) > 120 or len(need.note) > 300:
        raise _fail(_("Rincian kebutuhan terlalu panjang."), "needs")
    if need.person_id is not None and need.person_id not in members:
        raise _fail(_("Kebutuhan perorangan harus untuk anggota keluarga ini."), "needs")


# --- receiving ------------------------------------------------------------------------


def visit_submit(
    *,
    actor: Any,
    assignment: Assignment,
    data: VisitInput,
    photos: list[PreparedPhoto] | None = None,
) -> tuple[Visit, bool]:
    """Store a visit sent from the phone; `(visit, created)`.

    The same `client_id` sent again (a retry after a lost answer) returns the stored visit
    and writes nothing: a visit is never stored twice.
    """
    photos = photos or []
    existing = _already_received(actor, assignment, data)
    if existing is not None:
        return existing, False
    if assignment.officer_id != actor.pk:
        raise VervalError(_("Keluarga ini tidak ditugaskan kepada Anda."), code="not_assigned")
    if assignment.campaign.status != c.CampaignStatus.ACTIVE:
        raise VervalError(_("Kampanye ini tidak sedang berjalan."), code="campaign_not_active")
    household = assignment.household
    members = _current_members(household)
    _check_basics(assignment, data)
    _check_location(data)
    _check_outcome_details(household, data, members)
    _check_member_changes(data, members, timezone.localdate())
    _check_assessment(household, data, members, photos)
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        # A retry that raced the first send waited for the lock: answer it with that visit.
        existing = _already_received(actor, assignment, data)
        if existing is not None:
            return existing, False
        if locked.officer_id != actor.pk:  # reassigned while the visit was on its way
            raise VervalError(_("Keluarga ini tidak ditugaskan kepada Anda."), code="not_assigned")
        if locked.status not in c.OPEN_ASSIGNMENT:
            raise VervalError(
                _("Kunjungan keluarga ini sudah dikirim dan menunggu pemeriksaan."), code="sent"
            )
        visit = Visit.objects.create(
            client_id=data.client_id, assignment=locked, household=household, officer=actor,
            visited_at=data.visited_at, outcome=data.outcome, consent=data.consent,
            respondent=" ".join(data.respondent.split()), duplicate_of_id=data.duplicate_of_id,
            moved_to=data.moved_to.strip(), latitude=data.latitude, longitude=data.longitude,
            accuracy_m=data.accuracy_m,
            member_changes=_json_ready([asdict(m) for m in data.member_changes]),
            new_head_id=data.new_head_id,
            welfare=data.welfare, causes=sorted(set(data.causes)),
            needs=_json_ready([asdict(n) for n in data.needs]), note=data.note.strip(),
            submitted_at=timezone.now(),
        )  # fmt: skip
        for photo in photos:
            _photo_save(visit, photo)
        locked.status = c.AssignmentStatus.SUBMITTED
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action="verval.visit_submit", target=visit,
            trail=f"household:{household.pk}", summary=visit.get_outcome_display(),
        )  # fmt: skip
    return visit, True


def _already_received(actor: Any, assignment: Assignment, data: VisitInput) -> Visit | None:
    existing = Visit.objects.filter(client_id=data.client_id).first()
    if existing is None:
        return None
    if existing.assignment_id != assignment.pk or existing.officer_id != actor.pk:
        raise VervalError(
            _("ID kunjungan ini sudah dipakai untuk kunjungan lain."), code="client_id"
        )
    return existing


def _photo_save(visit: Visit, photo: PreparedPhoto) -> VisitPhoto:
    row = VisitPhoto(
        visit=visit, width=photo.width, height=photo.height, size_bytes=len(photo.content),
        original_bytes=photo.original_bytes, taken_at=photo.taken_at,
        latitude=photo.latitude, longitude=photo.longitude,
    )  # fmt: skip
    row.image.save(f"{uuid.uuid4().hex}.jpg", photo.as_file(), save=False)
    row.save()
    return row


# --- review ---------------------------------------------------------------------------


def _lock_for_review(actor: Any, visit: Visit) -> Visit:
    if visit.officer_id == actor.pk:
        raise VervalError(_("Anda tidak boleh memeriksa kunjungan Anda sendiri."), code="own_visit")
    locked = (
        Visit.objects.select_for_update().select_related("assignment", "household").get(pk=visit.pk)
    )
    if locked.status != c.VisitStatus.SUBMITTED:
        raise VervalError(_("Kunjungan ini sudah diperiksa."), code="reviewed")
    return locked


def visit_return(*, actor: Any, visit: Visit, note: str) -> Visit:
    """Send a visit back to its officer with what to fix; nothing reaches the registry."""
    if not note.strip():
        raise _fail(_("Tuliskan apa yang perlu diperbaiki petugas."), "note")
    with transaction.atomic():
        locked = _lock_for_review(actor, visit)
        _review_close(actor, locked, c.VisitStatus.RETURNED, note.strip())
        audit_record(
            actor=actor, action="verval.visit_return", target=locked,
            trail=f"household:{locked.household_id}", reason=note.strip(),
        )  # fmt: skip
    return locked


def _review_close(actor: Any, visit: Visit, status: str, note: str) -> None:
    visit.status, visit.reviewed_by, visit.reviewed_at = status, actor, timezone.now()
    visit.review_note = note
    visit.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "updated_at"])
    assignment = visit.assignment
    assignment.status = (
        c.AssignmentStatus.APPROVED
        if status == c.VisitStatus.APPROVED
        else c.AssignmentStatus.RETURNED
    )
    assignment.save(update_fields=["status", "updated_at"])


def visit_approve(*, actor: Any, visit: Visit, note: str = "") -> Visit:
    """Approve a visit: its member changes, welfare data, location, causes, needs and
    finding become registry and targeting rows, each with its history, all or nothing."""
    try:
        with transaction.atomic():
            locked = _lock_for_review(actor, visit)
            _apply(actor, locked)
            _review_close(actor, locked, c.VisitStatus.APPROVED, note.strip())
            audit_record(
                actor=actor, action="verval.visit_approve", target=locked,
                trail=f"household:{locked.household_id}", summary=locked.get_outcome_display(),
                reason=note.strip(),
            )  # fmt: skip
    except (RegistryError, TargetingError) as error:
        raise VervalError(
            _("Kunjungan tidak dapat disetujui: %(reason)s Kembalikan ke petugas untuk diperbaiki.")
            % {"reason": error.message},
            code="apply_failed",
        ) from error
    return locked


def _reason(visit: Visit) -> str:
    return _("Verval: kunjungan %(id)s tanggal %(date)s") % {
        "id": visit.pk,
        "date": timezone.localdate(visit.visited_at).isoformat(),
    }


def _apply(actor: Any, visit: Visit) -> None:
    household = visit.household
    observed_on = timezone.localdate(visit.visited_at)
    reason = _reason(visit)
    _apply_members(actor, visit, household, reason)
    if visit.outcome == c.Outcome.DIED:
        for membership in _current_members(household).values():
            registry.person_record_death(
                actor=actor, person=membership.person, death_date=observed_on, reason=reason
            )
    if visit.welfare:
        registry.welfare_record(
            actor=actor, household=household, as_of=observed_on, source=rc.Source.VERVAL,
            values=_welfare_carried_forward(household) | visit.welfare, reason=reason,
        )  # fmt: skip
    _apply_location(actor, visit, household, reason)
    if visit.is_met and visit.consent == c.Consent.GIVEN:
        _apply_causes(actor, visit, household)
        _apply_needs(visit, household)
    finding_record(
        actor=actor, household=household, outcome=visit.outcome, observed_on=observed_on,
        source=tc.FindingSource.VERVAL, reference=f"verval:{visit.pk}", note=visit.note[:300],
    )  # fmt: skip
    if visit.outcome == c.Outcome.ELIGIBLE:
        reappearance_check(
            household_ids=[household.pk], source=tc.AlertSource.VERVAL,
            reference=f"verval:{visit.pk}", seen_in=visit.assignment.campaign.name,
        )  # fmt: skip


def _apply_members(actor: Any, visit: Visit, household: Household, reason: str) -> None:
    changes = visit.member_changes
    if visit.new_head is not None:
        registry.head_change(
            actor=actor, household=household, new_head=visit.new_head,
            on=_head_change_date(visit, household), reason=reason,
        )  # fmt: skip
    # Who joins first, then who leaves: a family whose last listed member leaves while a
    # baby joins must not be dissolved half-way through the visit.
    ordered = sorted(changes, key=lambda change: change["kind"] in c.LEAVING_CHANGES)
    for change in ordered:
        kind = change["kind"]
        on = dt.date.fromisoformat(change["on"])  # checked on submit: every change has a date
        if kind == c.MemberChange.DEATH:
            person = Person.objects.get(pk=change["person_id"])
            registry.person_record_death(actor=actor, person=person, death_date=on, reason=reason)
        elif kind == c.MemberChange.MOVED_OUT:
            person = Person.objects.get(pk=change["person_id"])
            registry.person_move_out(actor=actor, person=person, moved_on=on, reason=reason)
        elif kind in c.JOINING_CHANGES:
            member = registry.MemberInput(
                full_name=change["full_name"], sex=change["sex"],
                relationship=change["relationship"], nik=change.get("nik") or None,
                birth_date=_date_or_none(change.get("birth_date")),
            )  # fmt: skip
            start = (
                rc.MembershipStart.BIRTH
                if kind == c.MemberChange.BIRTH
                else rc.MembershipStart.MOVED_IN
            )
            registry.member_add(
                actor=actor, household=household, member=member, start_date=on,
                start_reason=start, reason=reason,
            )  # fmt: skip


def _head_change_date(visit: Visit, household: Household) -> dt.date:
    """The day the head left, when they did (their death or move ends the membership that
    day, which must not start later); otherwise the day of the visit."""
    head_ids = {
        pk for pk, row in _current_members(household).items()
        if row.relationship == rc.Relationship.HEAD
    }  # fmt: skip
    left = [
        dt.date.fromisoformat(change["on"])
        for change in visit.member_changes
        if change["kind"] in c.LEAVING_CHANGES and change.get("person_id") in head_ids
    ]
    return min(left, default=timezone.localdate(visit.visited_at))


def _welfare_carried_forward(household: Household) -> dict[str, Any]:
    """What the current record says that the visit did not ask again (income, ownership,
    floor area, assets), so the verval record, which becomes current, loses none of it.
    The desil is not carried: it keeps its own date and source in the older record."""
    current = household.current_welfare
    if current is None:
        return {}
    values = {name: getattr(current, name) for name in WELFARE_FIELDS}
    values = {name: value for name, value in values.items() if value not in (None, "")}
    if current.assets:
        values["assets"] = current.assets
    return values


def _date_or_none(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _apply_location(actor: Any, visit: Visit, household: Household, reason: str) -> None:
    if visit.latitude is None or not visit.is_met:
        return
    accurate = visit.accuracy_m is not None and visit.accuracy_m <= GOOD_ACCURACY_M
    if household.latitude is None or accurate:
        registry.household_update(
            actor=actor, household=household,
            values={"latitude": visit.latitude, "longitude": visit.longitude}, reason=reason,
        )  # fmt: skip


def _apply_causes(actor: Any, visit: Visit, household: Household) -> None:
    present = {
        row.cause for row in FamilyCause.objects.filter(household=household, is_present=True)
    }
    stated = set(visit.causes)
    for cause in tc.Cause.values:
        if (cause in stated) != (cause in present):
            note = visit.note[:300] if cause == tc.Cause.OTHER else ""
            cause_set(
                actor=actor, household=household, cause=cause,
                present=cause in stated, note=note, source=tc.CauseSource.VERVAL,
            )  # fmt: skip


def _apply_needs(visit: Visit, household: Household) -> None:
    open_needs = {
        (need.kind, need.detail, need.person_id): need
        for need in Need.objects.select_for_update().filter(
            household=household, status=c.NeedStatus.OPEN
        )
    }
    for stated in visit.needs:
        key = (stated["kind"], stated.get("detail", ""), stated.get("person_id"))
        need = open_needs.pop(key, None)
        if need is None:
            Need.objects.create(
                household=household, person_id=key[2], kind=key[0], detail=key[1],
                note=stated.get("note", ""), visit=visit, last_seen_visit=visit,
            )  # fmt: skip
        else:
            need.last_seen_visit = visit
            need.save(update_fields=["last_seen_visit", "updated_at"])
    for need in open_needs.values():
        need.status, need.closed_at = c.NeedStatus.CLOSED, timezone.now()
        need.closed_note = _("Tidak ditemukan lagi pada kunjungan %(id)s.") % {"id": visit.pk}
        need.save(update_fields=["status", "closed_at", "closed_note", "updated_at"])
