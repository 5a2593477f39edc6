"""Vocabularies and lifecycles of interventions: programmes, referrals, pledges."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeKind(models.TextChoices):
    CASH = "tunai", _("Bantuan tunai")
    IN_KIND = "barang", _("Bantuan barang")
    SERVICE = "layanan", _("Layanan")
    TRAINING = "pelatihan", _("Pelatihan")
    CAPITAL = "modal", _("Modal usaha")
    HOUSING = "perumahan", _("Perumahan")
    INSURANCE = "jaminan", _("Jaminan/asuransi")


class Strategy(models.TextChoices):
    """The three strategies of Inpres 4/2022 (continued by Inpres 8/2025)."""

    REDUCE_BURDEN = "kurangi_beban", _("Mengurangi beban pengeluaran")
    RAISE_INCOME = "tingkatkan_pendapatan", _("Meningkatkan pendapatan")
    REDUCE_POCKETS = "kurangi_kantong", _("Menurunkan kantong kemiskinan")


class Target(models.TextChoices):
    """Whether a programme is given to a family or to one member."""

    HOUSEHOLD = "keluarga", _("Keluarga")
    PERSON = "individu", _("Individu")


class ReferralStatus(models.TextChoices):
    """diusulkan → diterima | ditolak | dibatalkan; diterima → dijadwalkan | tersalurkan |
    dibatalkan; dijadwalkan → tersalurkan | dibatalkan; tersalurkan → selesai (outcome)."""

    PROPOSED = "diusulkan", _("Diusulkan")
    ACCEPTED = "diterima", _("Diterima OPD")
    DECLINED = "ditolak", _("Ditolak OPD")
    SCHEDULED = "dijadwalkan", _("Dijadwalkan")
    DELIVERED = "tersalurkan", _("Tersalurkan")
    CLOSED = "selesai", _("Selesai (hasil dicatat)")
    CANCELLED = "dibatalkan", _("Dibatalkan")


REFERRAL_TRANSITIONS = {
    ReferralStatus.PROPOSED: {
        ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.CANCELLED,
    },
    ReferralStatus.ACCEPTED: {
        ReferralStatus.SCHEDULED, ReferralStatus.DELIVERED, ReferralStatus.CANCELLED,
    },
    ReferralStatus.SCHEDULED: {ReferralStatus.DELIVERED, ReferralStatus.CANCELLED},
    ReferralStatus.DELIVERED: {ReferralStatus.DELIVERED, ReferralStatus.CLOSED},
    ReferralStatus.DECLINED: set(),
    ReferralStatus.CLOSED: set(),
    ReferralStatus.CANCELLED: set(),
}  # fmt: skip
# Referrals that hold a place in a programme's quota and budget, and count as help.
COMMITTED = (
    ReferralStatus.ACCEPTED, ReferralStatus.SCHEDULED, ReferralStatus.DELIVERED,
    ReferralStatus.CLOSED,
)  # fmt: skip
LIVE = (ReferralStatus.PROPOSED, *COMMITTED)


class Outcome(models.TextChoices):
    """What the help changed, recorded after delivery."""

    HELPED = "membantu", _("Membantu: kebutuhan terpenuhi")
    PARTLY = "sebagian", _("Membantu sebagian")
    NOT_USED = "tidak_dipakai", _("Tidak dimanfaatkan")
    NO_CHANGE = "tidak_berubah", _("Belum ada perubahan")


class RecommendationStatus(models.TextChoices):
    OPEN = "baru", _("Baru")
    REFERRED = "diusulkan", _("Sudah diusulkan")
    DISMISSED = "diabaikan", _("Diabaikan")


class PledgeStatus(models.TextChoices):
    OPEN = "terbuka", _("Terbuka")
    FULL = "penuh", _("Terpenuhi")
    WITHDRAWN = "ditarik", _("Ditarik")
