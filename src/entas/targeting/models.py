"""Targeting: poverty lines, rule sets, score weights, periods and their snapshots.

Lines, rule sets and score weights are data with versions: an edit writes a new version and
keeps the old one, so a classification always names exactly what it used. A period's
classification is its snapshot: one row per household with the rule that decided the status
and the inputs it saw, enough to explain the status without recomputing it.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from entas.core.models import BaseModel
from entas.registry.models import Household
from entas.targeting import choices as c
from entas.wilayah.models import Region


class PovertyLine(BaseModel):
    """A poverty line in force from a date for a region (``00`` is Indonesia), versioned.

    Editing a line writes a new row with the next version and marks the old one not
    current; classifications keep pointing at the version they used.
    """

    kind = models.CharField(_("jenis garis"), max_length=12, choices=c.LineKind.choices)
    basis = models.CharField(_("dasar"), max_length=80)
    region_code = models.CharField(_("kode wilayah"), max_length=13)
    region_name = models.CharField(_("wilayah"), max_length=100)
    effective_from = models.DateField(_("berlaku sejak"))
    amount = models.DecimalField(_("nilai (Rp)"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("satuan"), max_length=6, choices=c.LineUnit.choices)
    source_url = models.URLField(_("sumber"), max_length=300, blank=True)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("versi"), default=1)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    is_current = models.BooleanField(_("versi terbaru"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("garis kemiskinan")
        verbose_name_plural = _("garis kemiskinan")
        ordering = ["kind", "-effective_from", "region_code"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="line_amount_positive"),
            models.UniqueConstraint(
                fields=["kind", "basis", "region_code", "effective_from"],
                condition=Q(is_current=True),
                name="line_one_current_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.basis} {self.region_name} {self.effective_from}"

    @property
    def monthly_amount(self) -> Decimal:
        """Rupiah per person per month, the unit of registry expenditure."""
        if self.unit == c.LineUnit.PER_DAY:
            return self.amount * c.DAYS_PER_MONTH
        return self.amount


class VersionedParameters(BaseModel):
    """Parameters as data, versioned, one version active at a time."""

    version = models.PositiveIntegerField(_("versi"), unique=True)
    name = models.CharField(_("nama"), max_length=120)
    parameters = models.JSONField(_("parameter"))
    note = models.TextField(_("catatan"), blank=True)
    is_active = models.BooleanField(_("dipakai"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RuleSet(VersionedParameters):
    """How statuses are decided: which lines, desil cut-offs, findings, graduation."""

    class Meta(VersionedParameters.Meta):
        verbose_name = _("aturan klasifikasi")
        verbose_name_plural = _("aturan klasifikasi")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="targeting_one_active_rules"
            )
        ]


class ScoreModel(VersionedParameters):
    """Proxy-means score weights (housing, assets, members): higher means better off."""

    class Meta(VersionedParameters.Meta):
        verbose_name = _("bobot skor proksi")
        verbose_name_plural = _("bobot skor proksi")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="targeting_one_active_score"
            )
        ]


class Period(BaseModel):
    """A targeting period, e.g. "Januari 2025" or "2025-Q2": classified, then frozen.

    Lifecycle: open → frozen. An open period may be classified again (the snapshot is
    replaced); a frozen one never changes.
    """

    code = models.SlugField(_("kode"), max_length=20, unique=True)
    name = models.CharField(_("nama"), max_length=60)
    starts_on = models.DateField(_("mulai"))
    ends_on = models.DateField(_("tanggal acuan (akhir)"))
    state = models.CharField(
        _("keadaan"), max_length=10, choices=c.PeriodState.choices, default=c.PeriodState.OPEN
    )
    rules = models.ForeignKey(
        RuleSet, verbose_name=_("aturan"), on_delete=models.PROTECT, null=True, blank=True
    )
    score_model = models.ForeignKey(
        ScoreModel, verbose_name=_("bobot skor"), on_delete=models.PROTECT, null=True, blank=True
    )
    extreme_line = models.ForeignKey(
        PovertyLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    poverty_line = models.ForeignKey(
        PovertyLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    classified_at = models.DateTimeField(_("diklasifikasi"), null=True, blank=True)
    frozen_at = models.DateTimeField(_("dibekukan"), null=True, blank=True)
    summary = models.JSONField(_("ringkasan"), default=dict, blank=True)

    class Meta:
        verbose_name = _("periode")
        verbose_name_plural = _("periode")
        ordering = ["-ends_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_frozen(self) -> bool:
        return self.state == c.PeriodState.FROZEN


class FieldFinding(BaseModel):
    """What a field visit (or a Dinsos officer) found about a family on a date.

    Verval (issue 6) writes one when a supervisor approves a visit; the newest finding
    still valid at a period's reference date overrides the registry data.
    """

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="findings")
    outcome = models.CharField(_("hasil"), max_length=16, choices=c.FindingOutcome.choices)
    observed_on = models.DateField(_("tanggal kunjungan"))
    source = models.CharField(_("sumber"), max_length=8, choices=c.FindingSource.choices)
    reference = models.CharField(_("rujukan"), max_length=60, blank=True)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("temuan lapangan")
        verbose_name_plural = _("temuan lapangan")
        indexes = [models.Index(fields=["household", "observed_on"], name="finding_household")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.outcome} {self.observed_on}"


class Classification(models.Model):
    """One household's status in one period, with the rule and the inputs that decided it.

    Written by one INSERT … SELECT per period (hundreds of thousands of rows) that takes
    every reference from the rows it joins, so the table keeps only the indexes its readers
    need and no foreign-key constraint: checking them cost 7.8 s of a 500,000-household
    run on PostgreSQL. Django's CASCADE and PROTECT still apply to every ORM delete; raw
    deletes (synth --replace) remove the snapshot first.
    """

    period = models.ForeignKey(
        Period,
        on_delete=models.CASCADE,
        related_name="classifications",
        db_index=False,
        db_constraint=False,
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="classifications", db_constraint=False
    )
    kelurahan = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    status = models.CharField(_("status"), max_length=12, choices=c.Status.choices)
    rule = models.CharField(_("aturan"), max_length=12, choices=c.Rule.choices)
    members = models.PositiveSmallIntegerField(_("jumlah anggota"), default=0)
    expenditure = models.PositiveIntegerField(_("pengeluaran per kapita"), null=True, blank=True)
    expenditure_as_of = models.DateField(null=True, blank=True)
    expenditure_source = models.CharField(max_length=10, blank=True)
    desil = models.PositiveSmallIntegerField(_("desil"), null=True, blank=True)
    desil_source = models.CharField(max_length=16, blank=True)
    finding = models.ForeignKey(
        FieldFinding,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    finding_outcome = models.CharField(max_length=16, blank=True)
    score = models.FloatField(_("skor proksi"), null=True, blank=True)
    score_rank = models.FloatField(_("peringkat skor (0 termiskin)"), null=True, blank=True)
    is_candidate = models.BooleanField(_("kandidat verval"), default=False)
    extreme_line = models.ForeignKey(
        PovertyLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    poverty_line = models.ForeignKey(
        PovertyLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("klasifikasi")
        verbose_name_plural = _("klasifikasi")
        indexes = [models.Index(fields=["period", "status"], name="classification_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "household"], name="classification_one_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_id} {self.household_id} {self.status}"


class FamilyCause(BaseModel):
    """A cause of a family's poverty (penyebab). Many per family.

    Derived causes are recomputed from member data; a cause an officer removed stays
    removed (`is_present` false, source manual) until an officer adds it back.
    """

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="causes")
    cause = models.CharField(_("penyebab"), max_length=28, choices=c.Cause.choices)
    source = models.CharField(_("sumber"), max_length=8, choices=c.CauseSource.choices)
    is_present = models.BooleanField(_("berlaku"), default=True)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("penyebab kemiskinan")
        verbose_name_plural = _("penyebab kemiskinan")
        constraints = [
            models.UniqueConstraint(fields=["household", "cause"], name="cause_once_per_family")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.cause}"


class Graduation(BaseModel):
    """A family that met the graduation criteria in a period: out of extreme poverty."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="graduations")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="graduations")
    rules = models.ForeignKey(RuleSet, on_delete=models.PROTECT)
    basis = models.JSONField(_("dasar"), default=dict)

    class Meta:
        verbose_name = _("graduasi")
        verbose_name_plural = _("graduasi")
        constraints = [
            models.UniqueConstraint(fields=["household", "period"], name="graduation_once")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.period_id}"


class Alert(BaseModel):
    """Something a person should look at: a graduated family seen again."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(_("jenis"), max_length=16, choices=c.AlertKind.choices)
    source = models.CharField(_("asal"), max_length=12, choices=c.AlertSource.choices)
    reference = models.CharField(_("rujukan"), max_length=60, blank=True)
    message = models.CharField(_("pesan"), max_length=300)
    resolved_at = models.DateTimeField(_("ditangani"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.CharField(_("catatan penanganan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("peringatan")
        verbose_name_plural = _("peringatan")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind", "source", "reference"],
                condition=Q(resolved_at__isnull=True),
                name="alert_once_while_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind}"
