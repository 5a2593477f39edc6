"""Coded values of record linkage."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunKind(models.TextChoices):
    DEDUPE = "dedupe", _("Deduplikasi registri")
    IMPORT = "impor", _("Pencocokan impor")
    REPORT = "laporan", _("Pencocokan laporan warga")
    RECONCILE = "rekonsiliasi", _("Rekonsiliasi dua sumber")


class RunStatus(models.TextChoices):
    QUEUED = "antri", _("Menunggu")
    RUNNING = "berjalan", _("Berjalan")
    DONE = "selesai", _("Selesai")
    FAILED = "gagal", _("Gagal")


class PairRule(models.TextChoices):
    SAME_NIK = "nik_sama", _("NIK sama")
    NIK_CONFLICT = "nik_konflik", _("NIK sama, tanggal lahir atau jenis kelamin berbeda")
    PROBABILISTIC = "probabilistik", _("Kemiripan (model probabilistik)")


class PairStatus(models.TextChoices):
    PENDING = "menunggu", _("Menunggu keputusan")
    ACCEPTED = "diterima", _("Diterima: orang yang sama")
    REJECTED = "ditolak", _("Ditolak: orang berbeda")
    UNSURE = "ragu", _("Ragu-ragu")
    AUTO_MERGED = "otomatis", _("Digabung otomatis")
    STALE = "usang", _("Usang (salah satu sudah tidak aktif)")


class MergeKind(models.TextChoices):
    PERSON = "individu", _("Individu")
    HOUSEHOLD = "keluarga", _("Keluarga")
