"""An import of registry files, staged before it touches the registry.

`ImportBatch` is one run (one or more files of one source); its rejected rows are
`ImportRowError`s and what it changed in the registry are `ImportChange`s, the change
list per kelurahan. `ColumnMapping` remembers how a user mapped a source's headers.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from entas.core.models import BaseModel
from entas.wilayah.models import Region


class ImportSource(models.TextChoices):
    AUTO = "auto", _("Deteksi otomatis")
    DTSEN = "dtsen", "DTSEN"
    P3KE = "p3ke", "P3KE"
    DTKS = "dtks", "DTKS/SIKS-NG"
    ENTAS = "entas", _("Templat entas (data kota)")


class ImportStatus(models.TextChoices):
    UPLOADED = "diunggah", _("Diunggah, menunggu diproses")
    STAGING = "diproses", _("Sedang dibaca dan diperiksa")
    PREVIEW = "pratinjau", _("Siap ditinjau")
    COMMITTING = "disimpan", _("Sedang disimpan")
    COMMITTED = "selesai", _("Selesai disimpan")
    DRY_RUN = "uji_coba", _("Selesai (uji coba, tidak disimpan)")
    FAILED = "gagal", _("Gagal")
    CANCELLED = "dibatalkan", _("Dibatalkan")


class ImportBatch(BaseModel):
    """One import: files, the column mapping used, progress, counts and outcome."""

    source = models.CharField(
        _("sumber"), max_length=8, choices=ImportSource.choices, default=ImportSource.AUTO
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    dry_run = models.BooleanField(_("uji coba"), default=False)
    as_of = models.DateField(_("data per tanggal"), null=True, blank=True)
    work_dir = models.CharField(_("folder kerja"), max_length=255, blank=True)
    files = models.JSONField(_("berkas"), default=list, blank=True)
    mapping = models.JSONField(_("pemetaan kolom"), default=dict, blank=True)
    counts = models.JSONField(_("jumlah"), default=dict, blank=True)
    phase = models.CharField(_("tahap"), max_length=40, blank=True)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(_("pesan kesalahan"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diimpor oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    committed_at = models.DateTimeField(_("disimpan pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("impor")
        verbose_name_plural = _("impor")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"impor #{self.pk} {self.source} {self.status}"

    @property
    def trail(self) -> str:
        return f"import:{self.pk}"

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class RowErrorKind(models.TextChoices):
    REJECTED = "ditolak", _("Ditolak")
    OUT_OF_AREA = "luar_wilayah", _("Di luar wilayah")
    WARNING = "peringatan", _("Peringatan (tetap diterima)")


class ImportRowError(models.Model):
    """Why one row (or one cell) of an import file was rejected or flagged."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    file_name = models.CharField(_("berkas"), max_length=255)
    row_number = models.BigIntegerField(_("baris"))
    column = models.CharField(_("kolom"), max_length=255, blank=True)
    value = models.CharField(_("isi"), max_length=200, blank=True)
    kind = models.CharField(_("jenis"), max_length=12, choices=RowErrorKind.choices)
    code = models.CharField(_("kode"), max_length=40)
    message = models.CharField(_("alasan"), max_length=300)

    class Meta:
        verbose_name = _("baris bermasalah")
        verbose_name_plural = _("baris bermasalah")
        indexes = [models.Index(fields=["batch", "kind", "row_number"], name="import_error_row")]

    def __str__(self) -> str:
        return f"{self.file_name}:{self.row_number} {self.code}"


class ChangeKind(models.TextChoices):
    HOUSEHOLD_NEW = "keluarga_baru", _("Keluarga baru")
    HOUSEHOLD_UPDATED = "keluarga_berubah", _("Data keluarga berubah")
    HOUSEHOLD_ABSENT = "keluarga_hilang", _("Keluarga tidak ada lagi di sumber")
    PERSON_ENTERED = "masuk", _("Anggota masuk")
    PERSON_UPDATED = "berubah", _("Data individu berubah")
    PERSON_LEFT = "keluar", _("Anggota keluar")
    PERSON_DIED = "meninggal", _("Anggota meninggal")


class ImportChange(models.Model):
    """One change an import made to the registry, for the change list per kelurahan."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("jenis perubahan"), max_length=16, choices=ChangeKind.choices)
    kelurahan = models.ForeignKey(
        Region, verbose_name=_("kelurahan"), on_delete=models.PROTECT, related_name="+"
    )
    household_id = models.BigIntegerField(_("ID keluarga"))
    person_id = models.BigIntegerField(_("ID individu"), null=True, blank=True)
    label = models.CharField(_("nama"), max_length=150, blank=True)
    changes = models.JSONField(_("perubahan"), default=dict, blank=True)

    class Meta:
        verbose_name = _("perubahan impor")
        verbose_name_plural = _("perubahan impor")
        indexes = [models.Index(fields=["batch", "kelurahan", "kind"], name="import_change_kel")]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.kind} {self.household_id}/{self.person_id}"


class ColumnMapping(BaseModel):
    """A header of a source's files mapped by a user to a field (empty field = ignore)."""

    source = models.CharField(_("sumber"), max_length=8, choices=ImportSource.choices)
    header = models.CharField(_("judul kolom"), max_length=255)
    field = models.CharField(_("kolom entas"), max_length=40, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pemetaan kolom")
        verbose_name_plural = _("pemetaan kolom")
        constraints = [
            models.UniqueConstraint(fields=["source", "header"], name="column_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.header} → {self.field or '-'}"
