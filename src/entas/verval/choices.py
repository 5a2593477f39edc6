"""Lifecycles and vocabularies of verval: campaigns, assignments, visits, needs, plans.

Each lifecycle is a `TextChoices` with its `TRANSITIONS` table; one service enforces it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from entas.targeting.choices import FindingOutcome

Outcome = FindingOutcome  # the visit's outcome is the finding the classification reads


class CampaignStatus(models.TextChoices):
    """draf → berjalan → selesai. Officers see a campaign's households only while it runs."""

    DRAFT = "draf", _("Draf")
    ACTIVE = "berjalan", _("Berjalan")
    CLOSED = "selesai", _("Selesai")


CAMPAIGN_TRANSITIONS = {
    CampaignStatus.DRAFT: {CampaignStatus.ACTIVE},
    CampaignStatus.ACTIVE: {CampaignStatus.CLOSED},
    CampaignStatus.CLOSED: set(),
}


class ScopeReason(models.TextChoices):
    """Why a household is in a campaign."""

    EXTREME = "ekstrem", _("Miskin ekstrem pada periode")
    CANDIDATE = "kandidat", _("Kandidat verval (desil 1 / skor)")
    UPLOADED = "unggahan", _("Daftar unggahan")
    ADDED = "tambahan", _("Ditambahkan petugas Dinsos")


class AssignmentStatus(models.TextChoices):
    """belum → menunggu (visit sent) → disetujui | dikembalikan → menunggu (sent again)."""

    PENDING = "belum", _("Belum dikunjungi")
    SUBMITTED = "menunggu", _("Menunggu pemeriksaan")
    RETURNED = "dikembalikan", _("Dikembalikan untuk diperbaiki")
    APPROVED = "disetujui", _("Disetujui")


ASSIGNMENT_TRANSITIONS = {
    AssignmentStatus.PENDING: {AssignmentStatus.SUBMITTED},
    AssignmentStatus.SUBMITTED: {AssignmentStatus.APPROVED, AssignmentStatus.RETURNED},
    AssignmentStatus.RETURNED: {AssignmentStatus.SUBMITTED},
    AssignmentStatus.APPROVED: set(),
}
OPEN_ASSIGNMENT = (AssignmentStatus.PENDING, AssignmentStatus.RETURNED)


class VisitStatus(models.TextChoices):
    """menunggu → disetujui | dikembalikan. A returned visit stays as it was sent; the
    officer's correction is a new visit of the same assignment."""

    SUBMITTED = "menunggu", _("Menunggu pemeriksaan")
    APPROVED = "disetujui", _("Disetujui")
    RETURNED = "dikembalikan", _("Dikembalikan")


VISIT_TRANSITIONS = {
    VisitStatus.SUBMITTED: {VisitStatus.APPROVED, VisitStatus.RETURNED},
    VisitStatus.APPROVED: set(),
    VisitStatus.RETURNED: set(),
}

# Outcomes where the family was met at home: consent is asked and the full form applies.
MET_OUTCOMES = (Outcome.ELIGIBLE, Outcome.NOW_ABLE)


class Consent(models.TextChoices):
    GIVEN = "setuju", _("Bersedia didata")
    REFUSED = "menolak", _("Menolak didata")
    NOT_APPLICABLE = "tidak_berlaku", _("Tidak berlaku (keluarga tidak ditemui)")


class MemberChange(models.TextChoices):
    """A change to the family's members seen on the visit; applied to the registry only
    when the visit is approved."""

    DEATH = "meninggal", _("Meninggal")
    MOVED_OUT = "pindah", _("Pindah keluar")
    BIRTH = "lahir", _("Kelahiran")
    NEW_MEMBER = "anggota_baru", _("Anggota baru (pindah masuk)")


LEAVING_CHANGES = (MemberChange.DEATH, MemberChange.MOVED_OUT)
JOINING_CHANGES = (MemberChange.BIRTH, MemberChange.NEW_MEMBER)


class NeedKind(models.TextChoices):
    """The needs assessment: what would help the family out of poverty."""

    ASSISTIVE_DEVICE = "alat_bantu", _("Alat bantu disabilitas")
    BUSINESS_CAPITAL = "modal_usaha", _("Modal usaha")
    SKILLS_TRAINING = "pelatihan", _("Pelatihan keterampilan")
    HOUSE_REPAIR = "rtlh", _("Perbaikan rumah (RTLH)")
    FOOD = "pangan", _("Bantuan pangan")
    HEALTH_INSURANCE = "pbi_jkn", _("Jaminan kesehatan (PBI JKN)")
    CHRONIC_CARE = "perawatan_kronis", _("Perawatan penyakit kronis")
    STUNTING_RISK = "balita_stunting", _("Balita berisiko stunting")
    PREGNANT_MOTHER = "ibu_hamil", _("Pendampingan ibu hamil")
    FAMILY_PLANNING = "kb", _("Keluarga berencana (KB)")
    SCHOOL_SUPPORT = "sekolah", _("Bantuan sekolah anak")
    CLEAN_WATER = "air_bersih", _("Air bersih")
    SANITATION = "sanitasi", _("Sanitasi (jamban)")
    ELECTRICITY = "listrik", _("Sambungan listrik")
    DOCUMENTS = "dokumen", _("Dokumen kependudukan")


class AssistiveDevice(models.TextChoices):
    WHEELCHAIR = "kursi_roda", _("Kursi roda")
    CRUTCHES = "kruk", _("Kruk")
    WALKING_STICK = "tongkat", _("Tongkat")
    WALKER = "walker", _("Alat bantu jalan (walker)")
    HEARING_AID = "alat_dengar", _("Alat bantu dengar")
    PROSTHESIS = "kaki_tangan_palsu", _("Kaki/tangan palsu")
    GLASSES = "kacamata", _("Kacamata")
    OTHER = "lainnya", _("Lainnya")


class MissingDocument(models.TextChoices):
    KTP = "ktp", _("KTP-el")
    KK = "kk", _("Kartu Keluarga")
    BIRTH_CERTIFICATE = "akta_lahir", _("Akta kelahiran")


# Needs whose detail is chosen from a list; the others take free text (optional).
NEED_DETAILS = {
    NeedKind.ASSISTIVE_DEVICE: AssistiveDevice,
    NeedKind.DOCUMENTS: MissingDocument,
}


def need_detail_label(kind: str, detail: str) -> str:
    """A need's detail as people read it ("kursi_roda" → "Kursi roda"); free text as it is."""
    details = NEED_DETAILS.get(NeedKind(kind)) if kind in NeedKind.values else None
    if details is None or detail not in details.values:
        return detail
    return str(details(detail).label)


class NeedStatus(models.TextChoices):
    """terbuka → terpenuhi | tidak_berlaku. Interventions (issue 7) mark needs met."""

    OPEN = "terbuka", _("Belum terpenuhi")
    MET = "terpenuhi", _("Terpenuhi")
    CLOSED = "tidak_berlaku", _("Tidak berlaku lagi")


NEED_TRANSITIONS = {
    NeedStatus.OPEN: {NeedStatus.MET, NeedStatus.CLOSED},
    NeedStatus.MET: set(),
    NeedStatus.CLOSED: set(),
}


class PlanStatus(models.TextChoices):
    ACTIVE = "aktif", _("Aktif")
    COMPLETED = "selesai", _("Selesai")


class GoalStatus(models.TextChoices):
    IN_PROGRESS = "berjalan", _("Berjalan")
    ACHIEVED = "tercapai", _("Tercapai")
    DROPPED = "batal", _("Dibatalkan")


class StepOwner(models.TextChoices):
    """Who agreed to take a step of the family plan."""

    FAMILY = "keluarga", _("Keluarga")
    COMPANION = "pendamping", _("Pendamping")
    DINSOS = "dinsos", _("Dinas Sosial")
    OPD = "opd", _("OPD lain")
    PARTNER = "mitra", _("Mitra")
