"""Coded values of targeting: statuses, the rule that decided one, lines, findings, causes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """A household's welfare status in a period, poorest first.

    `tanpa_data` means nothing could be judged (no expenditure, no desil, no finding);
    `keluar` means a field finding took the family off the list (moved, died, not found,
    a duplicate). Neither is counted as poor or as not poor.
    """

    EXTREME = "ekstrem", _("Miskin ekstrem")
    POOR = "miskin", _("Miskin")
    VULNERABLE = "rentan", _("Rentan miskin")
    NOT_POOR = "tidak_miskin", _("Tidak miskin")
    NO_DATA = "tanpa_data", _("Belum dapat dinilai")
    OFF_LIST = "keluar", _("Keluar dari daftar")


RANKED_STATUSES = (Status.EXTREME, Status.POOR, Status.VULNERABLE, Status.NOT_POOR)


class Rule(models.TextChoices):
    """Which rule of the rule set decided the status: the first that applies wins."""

    FINDING = "temuan", _("Temuan verval")
    EXPENDITURE = "pengeluaran", _("Pengeluaran per kapita dibanding garis")
    DESIL = "desil", _("Desil kesejahteraan")
    NO_DATA = "tanpa_data", _("Tidak ada data")


class LineKind(models.TextChoices):
    EXTREME = "ekstrem", _("Garis kemiskinan ekstrem")
    POVERTY = "kemiskinan", _("Garis kemiskinan (GK)")
    LOCAL = "lokal", _("Garis lokal")


class LineUnit(models.TextChoices):
    PER_MONTH = "bulan", _("per orang per bulan")
    PER_DAY = "hari", _("per orang per hari")


DAYS_PER_MONTH = 30  # BPS: Rp10.739/day × 30 = Rp322.170/month (P3KE, 2022)


class FindingOutcome(models.TextChoices):
    """What a field visit found (verval); the newest valid finding overrides the data."""

    ELIGIBLE = "layak", _("Ditemukan dan masih layak")
    NOW_ABLE = "mampu", _("Sudah mampu")
    MOVED = "pindah", _("Pindah")
    DIED = "meninggal", _("Meninggal (keluarga tunggal)")
    NOT_FOUND = "tidak_ditemukan", _("Tidak ditemukan")
    DUPLICATE = "ganda", _("Data ganda")


class FindingSource(models.TextChoices):
    VERVAL = "verval", _("Kunjungan verval")
    MANUAL = "manual", _("Dicatat petugas Dinsos")


class Cause(models.TextChoices):
    """Why a family is poor (penyebab); a family may have several."""

    DISABILITY = "disabilitas_tidak_bekerja", _("Penyandang disabilitas tidak bekerja")
    ELDERLY = "lansia_tanpa_penghasilan", _("Lansia tanpa penghasilan")
    JOB_LOSS = "phk", _("Kehilangan pekerjaan (PHK)")
    CHRONIC = "sakit_kronis", _("Anggota sakit kronis")
    WOMAN_HEADED = "kepala_keluarga_perempuan", _("Kepala keluarga perempuan")
    NO_WORKER = "tanpa_pekerja", _("Tidak ada anggota yang bekerja")
    OUT_OF_SCHOOL = "anak_tidak_sekolah", _("Anak usia sekolah tidak bersekolah")
    POOR_HOUSING = "rumah_tidak_layak", _("Rumah tidak layak huni")
    OTHER = "lainnya", _("Lainnya")


class CauseSource(models.TextChoices):
    DERIVED = "turunan", _("Diturunkan dari data registri")
    VERVAL = "verval", _("Temuan verval")
    MANUAL = "manual", _("Diubah petugas")


class PeriodState(models.TextChoices):
    """open → frozen. A frozen period's snapshot never changes."""

    OPEN = "terbuka", _("Terbuka")
    FROZEN = "dibekukan", _("Dibekukan")


class AlertKind(models.TextChoices):
    REAPPEARED = "muncul_kembali", _("Keluarga yang sudah graduasi muncul kembali")


class AlertSource(models.TextChoices):
    CLASSIFICATION = "klasifikasi", _("Klasifikasi periode")
    IMPORT = "impor", _("Impor data")
    REPORT = "laporan", _("Laporan warga")
    VERVAL = "verval", _("Verval")
