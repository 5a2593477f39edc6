"""Interventions: programmes of OPDs and partners, referrals of families to them, deliveries,
and partners' pledges. Agencies and partners are `accounts.Organization` rows; their
officers are users of that organisation.

A referral names a family (or one member), a programme and, when it answers one, the
verval `Need` and the family-plan goal it serves. Its lifecycle is in
`choices.REFERRAL_TRANSITIONS`; `services.referrals` is the only writer and enforces
quotas, budgets and programmes that exclude each other when a referral is written.
While a referral is live, its OPD may see the family (`registry.HouseholdGrant`).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from entas.accounts.models import Organization
from entas.core.models import BaseModel
from entas.interventions import choices as c
from entas.registry.models import Household, Person
from entas.targeting.models import Period
from entas.verval.choices import NeedKind, need_detail_label
from entas.verval.models import Need, PlanGoal
from entas.wilayah.models import Region

USER = settings.AUTH_USER_MODEL


class Programme(BaseModel):
    """A programme in the catalogue, owned by an OPD or a partner.

    `eligibility` is data: a list of conditions on household, person and need attributes
    that must all hold (see `eligibility.py` for the vocabulary); `needs` lists the verval
    need kinds the programme answers. Programmes in `excludes` may not both be given to the
    same family (or member) in the same period.
    """

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=160)
    owner = models.ForeignKey(
        Organization, verbose_name=_("pelaksana"), on_delete=models.PROTECT,
        related_name="programmes",
    )  # fmt: skip
    kind = models.CharField(_("jenis"), max_length=10, choices=c.ProgrammeKind.choices)
    strategy = models.CharField(_("strategi"), max_length=22, choices=c.Strategy.choices)
    target = models.CharField(
        _("sasaran"), max_length=8, choices=c.Target.choices, default=c.Target.HOUSEHOLD
    )
    needs = models.JSONField(_("menjawab kebutuhan"), default=list, blank=True)
    eligibility = models.JSONField(_("syarat"), default=list, blank=True)
    unit = models.CharField(_("satuan"), max_length=30, default="paket")
    unit_cost = models.DecimalField(
        _("biaya per satuan (Rp)"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    description = models.TextField(_("keterangan"), blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    excludes = models.ManyToManyField(
        "self", verbose_name=_("tidak boleh bersamaan dengan"), blank=True, symmetrical=True
    )

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("program")
        ordering = ["owner__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="programme_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def answers(self, need_kind: str) -> bool:
        return need_kind in self.needs


class ProgrammeAllocation(BaseModel):
    """A programme's quota (units) and budget (rupiah) for a period; empty = no limit."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="allocations")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    quota = models.PositiveIntegerField(_("kuota (satuan)"), null=True, blank=True)
    budget = models.DecimalField(
        _("anggaran (Rp)"), max_digits=16, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("kuota dan anggaran program")
        verbose_name_plural = _("kuota dan anggaran program")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period"], name="allocation_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.period}"


class Recommendation(BaseModel):
    """A programme that fits a family (or member) in a period, and why: written by a
    recommendation run, turned into a referral or dismissed by Dinsos."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    need = models.ForeignKey(
        Need, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reasons = models.JSONField(_("alasan"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=c.RecommendationStatus.choices,
        default=c.RecommendationStatus.OPEN,
    )  # fmt: skip
    # A database default too: recommendation runs insert rows without this column.
    dismiss_reason = models.TextField(_("alasan diabaikan"), blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("rekomendasi program")
        verbose_name_plural = _("rekomendasi program")
        indexes = [
            models.Index(fields=["period", "programme", "status"], name="recommendation_queue"),
            models.Index(fields=["household", "period"], name="recommendation_household"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} → {self.household_id}"


class Referral(BaseModel):
    """A family (or member) referred to a programme, through its lifecycle."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="referrals")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals"
    )  # the programme's owner when referred: the OPD whose queue it is in
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    need = models.ForeignKey(
        Need, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    goal = models.ForeignKey(
        PlanGoal, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=c.ReferralStatus.choices,
        default=c.ReferralStatus.PROPOSED,
    )  # fmt: skip
    quantity = models.PositiveIntegerField(_("jumlah (satuan)"), default=1)
    amount = models.DecimalField(
        _("nilai (Rp)"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    note = models.TextField(_("catatan"), blank=True)
    decline_reason = models.TextField(_("alasan penolakan"), blank=True)
    cancel_reason = models.TextField(_("alasan pembatalan"), blank=True)
    scheduled_on = models.DateField(_("jadwal"), null=True, blank=True)
    outcome = models.CharField(_("hasil"), max_length=14, choices=c.Outcome.choices, blank=True)
    outcome_note = models.TextField(_("catatan hasil"), blank=True)
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("diputuskan"), null=True, blank=True)

    class Meta:
        verbose_name = _("rujukan program")
        verbose_name_plural = _("rujukan program")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live referral of a family, or of one member, to a programme per period
            # (two constraints: SQLite cannot treat empty persons as equal in one).
            models.UniqueConstraint(
                fields=["period", "programme", "household"],
                condition=Q(status__in=[s.value for s in c.LIVE], person__isnull=True),
                name="referral_one_live_family",
            ),
            models.UniqueConstraint(
                fields=["period", "programme", "household", "person"],
                condition=Q(status__in=[s.value for s in c.LIVE], person__isnull=False),
                name="referral_one_live_member",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="referral_amount_not_negative"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["organization", "status"], name="referral_queue"),
            models.Index(fields=["household", "period"], name="referral_household"),
            models.Index(fields=["programme", "period", "status"], name="referral_programme"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} → {self.household_id} ({self.get_status_display()})"


class Delivery(BaseModel):
    """Help handed over for a referral: date, quantity or amount, evidence."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField(_("tanggal penyaluran"))
    quantity = models.PositiveIntegerField(_("jumlah (satuan)"), default=1)
    amount = models.DecimalField(
        _("nilai (Rp)"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    evidence = models.CharField(_("bukti"), max_length=200, blank=True)  # receipt number, photo ref
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("penyaluran")
        verbose_name_plural = _("penyaluran")
        ordering = ["-delivered_on", "-id"]

    def __str__(self) -> str:
        return f"{self.referral_id} · {self.delivered_on}"


class Pledge(BaseModel):
    """A partner's promise of help for a kind of need, e.g. 20 wheelchairs in Semarang Utara."""

    partner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="pledges")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    need_kind = models.CharField(_("kebutuhan"), max_length=20, choices=NeedKind.choices)
    need_detail = models.CharField(_("rincian"), max_length=120, blank=True)
    area = models.ForeignKey(
        Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    quantity = models.PositiveIntegerField(_("jumlah"))
    note = models.TextField(_("catatan"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=c.PledgeStatus.choices, default=c.PledgeStatus.OPEN
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("komitmen mitra")
        verbose_name_plural = _("komitmen mitra")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pledge_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_need_kind_display()} × {self.quantity}"

    @property
    def need_detail_label(self) -> str:
        return need_detail_label(self.need_kind, self.need_detail)


class Adoption(BaseModel):
    """A family need matched to a partner's pledge: the partner 'adopts' the family for it
    and may then see the family's masked data."""

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="adoptions")
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="adoptions")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    delivered_on = models.DateField(_("diserahkan"), null=True, blank=True)
    released_at = models.DateTimeField(_("dilepas"), null=True, blank=True)

    class Meta:
        verbose_name = _("adopsi keluarga")
        verbose_name_plural = _("adopsi keluarga")
        constraints = [
            models.UniqueConstraint(
                fields=["need"], condition=Q(released_at__isnull=True),
                name="adoption_one_live_per_need",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.pledge_id} → {self.household_id}"
