from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from entas.core.models import BaseModel
from entas.registry import choices as c
from entas.wilayah.models import Region

DIFFICULTY_FIELDS = (
    "difficulty_seeing",
    "difficulty_hearing",
    "difficulty_walking",
    "difficulty_hands",
    "difficulty_learning",
    "difficulty_behaviour",
    "difficulty_communicating",
    "difficulty_self_care",
    "difficulty_remembering",
)
# The household welfare data in questionnaire order (Regsosek Blok III), money first.
WELFARE_FIELDS = (
    "expenditure_per_capita",
    "income_per_capita",
    "house_ownership",
    "floor_area_m2",
    "floor_type",
    "wall_type",
    "roof_type",
    "water_source",
    "lighting",
    "cooking_fuel",
    "toilet_facility",
)


def difficulty_field(label: Any) -> Any:
    """A Regsosek 428 difficulty question: 1 cannot at all … 4 no difficulty; empty = not asked."""
    return models.PositiveSmallIntegerField(
        label, choices=c.Difficulty.choices, null=True, blank=True
    )


class Household(BaseModel):
    """A family (keluarga) as listed on its Kartu Keluarga, living in one kelurahan.

    Lifecycle (HouseholdStatus): aktif → pindah | bubar | digabung; pindah → aktif.
    Invariants (database constraints): an active household's No. KK is unique when known;
    at most one current head (see Membership). The No. KK changes over time (moves, a
    head's death, pecah KK), so the household row, not the number, is the stable key;
    every change is in the audit trail under ``household:<id>``.
    """

    # NULL, not "", for unknown: the partial unique constraint must ignore missing numbers.
    kk_number = models.CharField(_("No. KK"), max_length=16, null=True, blank=True)  # noqa: DJ001
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    kelurahan = models.ForeignKey(
        Region,
        verbose_name=_("kelurahan/desa"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    latitude = models.DecimalField(
        _("lintang"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("bujur"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    source = models.CharField(_("sumber data"), max_length=10, choices=c.Source.choices)
    as_of = models.DateField(_("data per tanggal"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=c.HouseholdStatus.choices,
        default=c.HouseholdStatus.ACTIVE,
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("digabung ke"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    current_welfare = models.ForeignKey(
        "WelfareRecord",
        verbose_name=_("data kesejahteraan terkini"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("keluarga")
        verbose_name_plural = _("keluarga")
        indexes = [
            models.Index(fields=["kk_number"], name="household_kk"),
            models.Index(fields=["kelurahan", "status"], name="household_kel_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kk_number"],
                condition=Q(status="aktif", kk_number__isnull=False),
                name="household_kk_unique_active",
                violation_error_message=_("No. KK ini sudah dipakai keluarga aktif lain."),
            ),
            models.CheckConstraint(
                condition=Q(kk_number__isnull=True) | Q(kk_number__regex=r"^[0-9]{16}$"),
                name="household_kk_16_digits",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status="digabung"),
                name="household_merged_into_only_if_merged",
            ),
        ]

    def __str__(self) -> str:
        return f"KK {self.kk_number or '—'}"

    @property
    def trail(self) -> str:
        return f"household:{self.pk}"


class Person(BaseModel):
    """One human being. NIK is optional (children, unregistered people, "NIK belum padan").

    Lifecycle (PersonStatus): aktif → meninggal | pindah | digabung; pindah → aktif;
    digabung → aktif (merge undone). Invariants: an active person's NIK is unique; a
    person belongs to at most one household at a time (Membership). Disability follows
    the Regsosek/Washington-Group difficulty questions (1 cannot … 4 no difficulty).
    """

    # NULL, not "", for unknown: the partial unique constraint must ignore missing numbers.
    nik = models.CharField(_("NIK"), max_length=16, null=True, blank=True)  # noqa: DJ001
    nik_verified = models.BooleanField(_("padan Dukcapil"), null=True, blank=True)
    full_name = models.CharField(_("nama lengkap"), max_length=150)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=c.Sex.choices)
    birth_place = models.CharField(_("tempat lahir"), max_length=100, blank=True)
    birth_date = models.DateField(_("tanggal lahir"), null=True, blank=True)
    mother_name = models.CharField(_("nama ibu kandung"), max_length=150, blank=True)
    marital_status = models.CharField(
        _("status perkawinan"), max_length=12, choices=c.MaritalStatus.choices, blank=True
    )
    education = models.CharField(
        _("pendidikan tertinggi"), max_length=14, choices=c.Education.choices, blank=True
    )
    school_participation = models.CharField(
        _("partisipasi sekolah"), max_length=12, choices=c.SchoolParticipation.choices, blank=True
    )
    occupation = models.CharField(_("pekerjaan"), max_length=100, blank=True)
    is_working = models.BooleanField(_("bekerja seminggu terakhir"), null=True, blank=True)
    difficulty_seeing = difficulty_field(_("kesulitan melihat"))
    difficulty_hearing = difficulty_field(_("kesulitan mendengar"))
    difficulty_walking = difficulty_field(_("kesulitan berjalan/naik tangga"))
    difficulty_hands = difficulty_field(_("kesulitan menggunakan tangan/jari"))
    difficulty_learning = difficulty_field(_("kesulitan belajar/intelektual"))
    difficulty_behaviour = difficulty_field(_("kesulitan mengendalikan perilaku"))
    difficulty_communicating = difficulty_field(_("kesulitan berbicara/berkomunikasi"))
    difficulty_self_care = difficulty_field(_("kesulitan mengurus diri"))
    difficulty_remembering = difficulty_field(_("kesulitan mengingat/berkonsentrasi"))
    chronic_illness = models.CharField(
        _("penyakit kronis"), max_length=14, choices=c.ChronicIllness.choices, blank=True
    )
    is_pregnant = models.BooleanField(_("sedang hamil"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=c.PersonStatus.choices, default=c.PersonStatus.ACTIVE
    )
    death_date = models.DateField(_("tanggal meninggal"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("digabung ke"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("individu")
        verbose_name_plural = _("individu")
        indexes = [
            models.Index(fields=["nik"], name="person_nik"),
            models.Index(fields=["birth_date"], name="person_birth_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["nik"],
                condition=Q(status="aktif", nik__isnull=False),
                name="person_nik_unique_active",
                violation_error_message=_("NIK ini sudah dipakai individu aktif lain."),
            ),
            models.CheckConstraint(
                condition=Q(nik__isnull=True) | Q(nik__regex=r"^[0-9]{16}$"),
                name="person_nik_16_digits",
            ),
            models.CheckConstraint(condition=Q(sex__in=["L", "P"]), name="person_sex_l_p"),
            models.CheckConstraint(
                condition=Q(death_date__isnull=True) | Q(status="meninggal") | Q(status="digabung"),
                name="person_death_date_only_if_deceased",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status="digabung"),
                name="person_merged_into_only_if_merged",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def has_disability(self) -> bool:
        """Washington Group cut-off: a lot of difficulty, or cannot do at all, in any domain."""
        return any((getattr(self, name) or 4) <= 2 for name in DIFFICULTY_FIELDS)


class Membership(BaseModel):
    """A person's place in a household over time. `end_date` empty means current.

    Invariants: one current membership per person; one current head per household.
    Births, deaths, moves and pecah KK end a membership and/or start another; rows are
    never deleted, so the family's composition on any past date can be reconstructed.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    relationship = models.CharField(
        _("hubungan dengan kepala keluarga"), max_length=10, choices=c.Relationship.choices
    )
    start_date = models.DateField(_("mulai"))
    start_reason = models.CharField(
        _("alasan mulai"), max_length=14, choices=c.MembershipStart.choices
    )
    end_date = models.DateField(_("berakhir"), null=True, blank=True)
    end_reason = models.CharField(
        _("alasan berakhir"), max_length=14, choices=c.MembershipEnd.choices, blank=True
    )

    class Meta:
        verbose_name = _("keanggotaan keluarga")
        verbose_name_plural = _("keanggotaan keluarga")
        indexes = [models.Index(fields=["household", "end_date"], name="membership_household")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(end_date__isnull=True),
                name="membership_one_current_per_person",
                violation_error_message=_(
                    "Individu ini sudah tercatat sebagai anggota keluarga lain."
                ),
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(end_date__isnull=True, relationship="kepala"),
                name="membership_one_current_head",
                violation_error_message=_("Keluarga ini sudah memiliki kepala keluarga."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True, end_reason="")
                | Q(end_date__isnull=False) & ~Q(end_reason=""),
                name="membership_end_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ∈ {self.household_id} ({self.relationship})"


class PersonNameToken(models.Model):
    """One normalised word of a person's name, for indexed prefix search at a million rows."""

    # No database constraint: this is a search index rebuilt from `Person.full_name`, and a
    # per-row foreign-key check would double the cost of loading a million names.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="name_tokens", db_constraint=False
    )
    token = models.CharField(max_length=40)

    class Meta:
        indexes = [models.Index(fields=["token", "person"], name="name_token_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["person", "token"], name="name_token_unique")
        ]

    def __str__(self) -> str:
        return self.token


class WelfareRecord(BaseModel):
    """A household's welfare data as of a date from one source (DTSEN, P3KE, verval, ...).

    Records accumulate; `Household.current_welfare` points at the newest. Money in rupiah
    per person per month; `assets` maps `choices.Asset` codes (and livestock counts) to
    values.
    """

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="welfare_records"
    )
    as_of = models.DateField(_("data per tanggal"))
    source = models.CharField(_("sumber data"), max_length=10, choices=c.Source.choices)
    expenditure_per_capita = models.PositiveIntegerField(
        _("pengeluaran per kapita per bulan (Rp)"), null=True, blank=True
    )
    income_per_capita = models.PositiveIntegerField(
        _("pendapatan per kapita per bulan (Rp)"), null=True, blank=True
    )
    house_ownership = models.CharField(
        _("status kepemilikan rumah"), max_length=14, choices=c.HouseOwnership.choices, blank=True
    )
    floor_area_m2 = models.PositiveIntegerField(_("luas lantai (m²)"), null=True, blank=True)
    floor_type = models.CharField(
        _("jenis lantai terluas"), max_length=10, choices=c.FloorType.choices, blank=True
    )
    wall_type = models.CharField(
        _("jenis dinding terluas"), max_length=16, choices=c.WallType.choices, blank=True
    )
    roof_type = models.CharField(
        _("jenis atap terluas"), max_length=10, choices=c.RoofType.choices, blank=True
    )
    water_source = models.CharField(
        _("sumber air minum"), max_length=24, choices=c.WaterSource.choices, blank=True
    )
    lighting = models.CharField(
        _("sumber penerangan"), max_length=18, choices=c.Lighting.choices, blank=True
    )
    cooking_fuel = models.CharField(
        _("bahan bakar memasak"), max_length=14, choices=c.CookingFuel.choices, blank=True
    )
    toilet_facility = models.CharField(
        _("fasilitas BAB"), max_length=16, choices=c.ToiletFacility.choices, blank=True
    )
    assets = models.JSONField(_("aset"), default=dict, blank=True)
    desil = models.PositiveSmallIntegerField(_("desil"), null=True, blank=True)
    desil_source = models.CharField(
        _("sumber desil"), max_length=16, choices=c.DesilSource.choices, blank=True
    )

    class Meta:
        verbose_name = _("data kesejahteraan")
        verbose_name_plural = _("data kesejahteraan")
        indexes = [models.Index(fields=["household", "as_of"], name="welfare_household_as_of")]
        constraints = [
            models.CheckConstraint(
                condition=Q(desil__isnull=True) | Q(desil__gte=1, desil__lte=10),
                name="welfare_desil_1_10",
            ),
            models.UniqueConstraint(
                fields=["household", "source", "as_of"], name="welfare_one_per_source_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.source} {self.as_of}"


class ProgrammeReceipt(BaseModel):
    """A national programme a household (or one member) receives according to a source file."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="programme_receipts"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="programme_receipts"
    )
    programme = models.CharField(_("program"), max_length=16, choices=c.Programme.choices)
    source = models.CharField(_("sumber data"), max_length=10, choices=c.Source.choices)
    as_of = models.DateField(_("data per tanggal"))

    class Meta:
        verbose_name = _("penerimaan program")
        verbose_name_plural = _("penerimaan program")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "person", "programme", "source", "as_of"],
                name="programme_receipt_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.programme}"


class HouseholdGrant(BaseModel):
    """An organisation (OPD or partner) may see a household: it was referred to it, or a
    partner adopted it. Written by the interventions app, read by the registry's scope
    (ADR 0004): OPD officers and partners see only granted households. Revoked, never
    deleted, so who could see what stays on record."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="grants")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="household_grants"
    )
    reference = models.CharField(_("dasar"), max_length=40)  # e.g. "referral:12"
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        verbose_name = _("akses organisasi ke keluarga")
        verbose_name_plural = _("akses organisasi ke keluarga")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "organization", "reference"],
                condition=Q(revoked_at__isnull=True),
                name="grant_one_live_per_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "household"], name="grant_org_household"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} → {self.household_id} ({self.reference})"
