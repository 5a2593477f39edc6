"""Verval: campaigns of field visits, what the visits found, needs, and companions.

A campaign lists the households to visit (its assignments), each assigned to a field
officer. An officer's visit is sent from the phone (possibly hours later, after being kept
offline) with a `client_id` chosen on the device, so a visit sent twice is stored once.
Nothing a visit says reaches the registry until a reviewer who is not the visit's officer
approves it: then member changes, welfare data, causes, the finding and the needs are
written, each through its own service, with history.

Pendampingan: each extreme-poor family has one companion at a time, who writes visit notes
and agrees a family plan (goals and steps) with the family. Interventions (issue 7) link to
`Need` and `PlanGoal`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from entas.core.models import BaseModel
from entas.registry.models import Household, Person
from entas.targeting.models import Period
from entas.verval import choices as c
from entas.wilayah.models import Region

USER = settings.AUTH_USER_MODEL


class Campaign(BaseModel):
    """A round of visits, e.g. "Verval Januari 2025". Lifecycle: draf → berjalan → selesai."""

    name = models.CharField(_("nama"), max_length=120)
    period = models.ForeignKey(
        Period, verbose_name=_("periode"), on_delete=models.PROTECT, null=True, blank=True
    )
    starts_on = models.DateField(_("mulai"))
    deadline = models.DateField(_("batas waktu"))
    status = models.CharField(
        _("status"), max_length=10, choices=c.CampaignStatus.choices, default=c.CampaignStatus.DRAFT
    )
    note = models.TextField(_("catatan"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("kampanye verval")
        verbose_name_plural = _("kampanye verval")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=F("starts_on")), name="campaign_deadline_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Assignment(BaseModel):
    """One household to visit in a campaign, and the officer who visits it.

    Lifecycle (see `choices.ASSIGNMENT_TRANSITIONS`): belum → menunggu → disetujui, or
    menunggu → dikembalikan → menunggu. `kelurahan` is the household's kelurahan when the
    campaign took it in, so progress counts do not move when an address is corrected.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="assignments")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    kelurahan = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        USER, verbose_name=_("petugas"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="verval_assignments",
    )  # fmt: skip
    reason = models.CharField(_("alasan masuk"), max_length=10, choices=c.ScopeReason.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=c.AssignmentStatus.choices,
        default=c.AssignmentStatus.PENDING,
    )  # fmt: skip
    assigned_at = models.DateTimeField(_("ditugaskan"), null=True, blank=True)

    class Meta:
        verbose_name = _("tugas kunjungan")
        verbose_name_plural = _("tugas kunjungan")
        ordering = ["kelurahan_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"], name="assignment_once_per_campaign"
            ),
        ]
        indexes = [
            models.Index(fields=["officer", "status"], name="assignment_officer_status"),
            models.Index(fields=["campaign", "kelurahan", "status"], name="assignment_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.household_id}"


class Visit(BaseModel):
    """What an officer found at the door, as sent from the phone. Never edited after it is
    sent; a returned visit is corrected by sending a new one.

    `member_changes`, `welfare`, `causes` and `needs` are the officer's proposals: they
    become registry rows only on approval (`services.visit_approve`).
    """

    client_id = models.UUIDField(_("ID perangkat"), unique=True, default=uuid.uuid4)
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        USER, verbose_name=_("petugas"), on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField(_("waktu kunjungan"))
    outcome = models.CharField(_("hasil"), max_length=16, choices=c.Outcome.choices)
    consent = models.CharField(_("persetujuan"), max_length=14, choices=c.Consent.choices)
    respondent = models.CharField(_("responden"), max_length=150, blank=True)
    duplicate_of = models.ForeignKey(
        Household, verbose_name=_("duplikat dari"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    moved_to = models.CharField(_("pindah ke"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("lintang"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("bujur"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accuracy_m = models.PositiveIntegerField(_("akurasi GPS (m)"), null=True, blank=True)
    member_changes = models.JSONField(_("perubahan anggota"), default=list, blank=True)
    new_head = models.ForeignKey(
        Person, verbose_name=_("kepala keluarga baru"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    welfare = models.JSONField(_("data kesejahteraan"), default=dict, blank=True)
    causes = models.JSONField(_("penyebab"), default=list, blank=True)
    needs = models.JSONField(_("kebutuhan"), default=list, blank=True)
    note = models.TextField(_("catatan"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=c.VisitStatus.choices, default=c.VisitStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("diterima server"))
    reviewed_by = models.ForeignKey(
        USER, verbose_name=_("pemeriksa"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("diperiksa"), null=True, blank=True)
    review_note = models.TextField(_("catatan pemeriksa"), blank=True)

    class Meta:
        verbose_name = _("kunjungan verval")
        verbose_name_plural = _("kunjungan verval")
        ordering = ["-visited_at", "-id"]
        constraints = [
            # The four-eyes rule, held by the database too: nobody reviews their own visit.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("officer")),
                name="visit_not_reviewed_by_its_officer",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="visit_coordinates_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="visit_review_queue"),
            models.Index(fields=["household", "visited_at"], name="visit_household"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} · {self.household_id} · {self.visited_at:%Y-%m-%d}"

    @property
    def is_met(self) -> bool:
        return self.outcome in c.MET_OUTCOMES


class VisitPhoto(BaseModel):
    """A house photo. The stored image is re-encoded without its metadata (EXIF, GPS);
    where and when it was taken is kept here, in the record, for reviewers."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("foto"), upload_to="verval/%Y/%m/")
    width = models.PositiveIntegerField(_("lebar"))
    height = models.PositiveIntegerField(_("tinggi"))
    size_bytes = models.PositiveIntegerField(_("ukuran (bita)"))
    original_bytes = models.PositiveIntegerField(_("ukuran asli (bita)"))
    taken_at = models.DateTimeField(_("waktu pengambilan"), null=True, blank=True)
    latitude = models.DecimalField(
        _("lintang"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("bujur"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("foto rumah")
        verbose_name_plural = _("foto rumah")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.image.name)


class Need(BaseModel):
    """A need of the family (or of one member), from an approved visit.

    Lifecycle: terbuka → terpenuhi (by an intervention) | tidak_berlaku (a later approved
    visit no longer found it). A need stated again by a later visit stays the same row.
    """

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="needs")
    person = models.ForeignKey(
        Person, verbose_name=_("anggota"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    kind = models.CharField(_("kebutuhan"), max_length=20, choices=c.NeedKind.choices)
    detail = models.CharField(_("rincian"), max_length=120, blank=True)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=c.NeedStatus.choices, default=c.NeedStatus.OPEN
    )
    visit = models.ForeignKey(
        Visit, verbose_name=_("dari kunjungan"), on_delete=models.PROTECT, related_name="+"
    )
    last_seen_visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)
    closed_note = models.CharField(_("catatan penutupan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("kebutuhan keluarga")
        verbose_name_plural = _("kebutuhan keluarga")
        ordering = ["household_id", "kind", "id"]
        indexes = [
            models.Index(fields=["kind", "status"], name="need_kind_status"),
            models.Index(fields=["household", "status"], name="need_household_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.detail}".strip()


class Companionship(BaseModel):
    """A companion (pendamping) assigned to a family; one current companion per family."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    companion = models.ForeignKey(
        USER, verbose_name=_("pendamping"), on_delete=models.PROTECT, related_name="companionships"
    )
    started_on = models.DateField(_("mulai"))
    ended_on = models.DateField(_("berakhir"), null=True, blank=True)
    assigned_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("pendampingan")
        verbose_name_plural = _("pendampingan")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(ended_on__isnull=True),
                name="companionship_one_current",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="companionship_ends_after_start",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.companion} · {self.household_id}"


class CompanionNote(BaseModel):
    """What the companion saw and did on a visit to the family."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("tanggal kunjungan"))
    note = models.TextField(_("catatan"))

    class Meta:
        verbose_name = _("catatan pendampingan")
        verbose_name_plural = _("catatan pendampingan")
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.visited_on}"


class FamilyPlan(BaseModel):
    """The plan agreed with the family: goals, and the steps each side takes.
    One active plan per family; a completed plan stays as history."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    agreed_on = models.DateField(_("disepakati"))
    status = models.CharField(
        _("status"), max_length=8, choices=c.PlanStatus.choices, default=c.PlanStatus.ACTIVE
    )
    note = models.TextField(_("catatan"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("rencana keluarga")
        verbose_name_plural = _("rencana keluarga")
        ordering = ["-agreed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="aktif"), name="family_plan_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.agreed_on}"


class PlanGoal(BaseModel):
    """A goal of the family plan, e.g. "usaha warung berjalan", optionally for a need."""

    plan = models.ForeignKey(FamilyPlan, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("tujuan"), max_length=200)
    need = models.ForeignKey(
        Need, verbose_name=_("kebutuhan"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="goals",
    )  # fmt: skip
    target_on = models.DateField(_("target"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=c.GoalStatus.choices, default=c.GoalStatus.IN_PROGRESS
    )

    class Meta:
        verbose_name = _("tujuan rencana")
        verbose_name_plural = _("tujuan rencana")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class PlanStep(BaseModel):
    """An agreed step towards a goal: who does what by when, and when it was done."""

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="steps")
    description = models.CharField(_("langkah"), max_length=300)
    owner = models.CharField(_("pelaksana"), max_length=10, choices=c.StepOwner.choices)
    due_on = models.DateField(_("tenggat"), null=True, blank=True)
    done_on = models.DateField(_("selesai"), null=True, blank=True)

    class Meta:
        verbose_name = _("langkah rencana")
        verbose_name_plural = _("langkah rencana")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description
