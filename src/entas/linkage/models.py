"""Record linkage: trained models, runs, candidate pairs awaiting a decision, and merges.

A candidate pair always names two registry persons, the lower id on the left, and is unique
per pair: a new run refreshes the probability of a pair still waiting and never resurfaces
one a person has decided. A merge records everything it changed, so that it can be undone.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from entas.core.models import BaseModel
from entas.linkage.choices import MergeKind, PairRule, PairStatus, RunKind, RunStatus
from entas.registry.models import Household, Person


class LinkageModel(BaseModel):
    """A trained probabilistic model (Splink settings with m and u), versioned."""

    version = models.PositiveIntegerField(_("versi"), unique=True)
    parameters = models.JSONField(_("parameter model"))
    trained_on = models.CharField(_("dilatih pada"), max_length=200, blank=True)
    record_count = models.PositiveIntegerField(_("jumlah catatan latih"), default=0)
    metrics = models.JSONField(_("ukuran mutu"), default=dict, blank=True)
    is_active = models.BooleanField(_("dipakai"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("model pencocokan")
        verbose_name_plural = _("model pencocokan")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="linkage_one_active_model"
            )
        ]

    def __str__(self) -> str:
        return f"model v{self.version}"


class MatchRun(BaseModel):
    """One use of the model: a registry deduplication, an import, a report or a reconciliation."""

    kind = models.CharField(_("jenis"), max_length=12, choices=RunKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    model = models.ForeignKey(
        LinkageModel, verbose_name=_("model"), on_delete=models.PROTECT, null=True, blank=True
    )
    params = models.JSONField(_("parameter"), default=dict, blank=True)
    summary = models.JSONField(_("ringkasan"), default=dict, blank=True)
    import_batch_id = models.BigIntegerField(_("impor"), null=True, blank=True)
    error_message = models.TextField(_("pesan kesalahan"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("proses pencocokan")
        verbose_name_plural = _("proses pencocokan")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"pencocokan #{self.pk} {self.kind} {self.status}"


class CandidatePair(BaseModel):
    """Two registry persons that may be one: probability, explanation and the decision."""

    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT, related_name="pairs")
    person_l = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    person_r = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(_("aturan"), max_length=14, choices=PairRule.choices)
    match_probability = models.FloatField(_("peluang cocok"))
    match_weight = models.FloatField(_("bobot cocok"), default=0.0)
    # Distance from a coin toss: the review queue shows the smallest first.
    certainty = models.FloatField(_("kepastian"), default=0.0)
    # [{"field", "label", "level", "weight", "left", "right"}, ...] in the model's order.
    explanation = models.JSONField(_("penjelasan"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PairStatus.choices, default=PairStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("diputuskan pada"), null=True, blank=True)
    note = models.TextField(_("catatan"), blank=True)

    class Meta:
        verbose_name = _("pasangan kandidat")
        verbose_name_plural = _("pasangan kandidat")
        ordering = ["certainty", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person_l", "person_r"], name="pair_unique"),
            models.CheckConstraint(
                condition=Q(person_l__lt=models.F("person_r")), name="pair_l_lt_r"
            ),
        ]
        indexes = [models.Index(fields=["status", "certainty"], name="pair_status_certainty")]

    def __str__(self) -> str:
        return f"{self.person_l_id}~{self.person_r_id} ({self.match_probability:.3f})"


class Merge(BaseModel):
    """One merge of a duplicate into a survivor, with what it changed, undoable."""

    kind = models.CharField(_("jenis"), max_length=10, choices=MergeKind.choices)
    pair = models.ForeignKey(
        CandidatePair, on_delete=models.PROTECT, null=True, blank=True, related_name="merges"
    )
    survivor_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    merged_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    survivor_household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    merged_household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Everything the merge changed, enough to undo it exactly.
    changes = models.JSONField(_("perubahan"), default=dict, blank=True)
    automatic = models.BooleanField(_("otomatis"), default=False)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(_("dibatalkan pada"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("penggabungan")
        verbose_name_plural = _("penggabungan")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="individu", survivor_person__isnull=False, merged_person__isnull=False)
                    | Q(
                        kind="keluarga",
                        survivor_household__isnull=False,
                        merged_household__isnull=False,
                    )
                ),
                name="merge_names_both_sides",
            )
        ]

    def __str__(self) -> str:
        return f"penggabungan #{self.pk} {self.kind}"
