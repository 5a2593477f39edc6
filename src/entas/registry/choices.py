"""Coded fields of the registry, named after the Regsosek 2022 / DTSEN questionnaire.

Values are stable slugs stored in the database. The questionnaire's numeric codes (as
found in DTSEN/Regsosek files) map to them in `entas.registry.codes` for now; the import
pipeline will share that mapping from here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class Relationship(models.TextChoices):  # Regsosek 409
    HEAD = "kepala", _("Kepala keluarga")
    SPOUSE = "pasangan", _("Istri/suami")
    CHILD = "anak", _("Anak")
    CHILD_IN_LAW = "menantu", _("Menantu")
    GRANDCHILD = "cucu", _("Cucu")
    PARENT = "orang_tua", _("Orang tua/mertua")
    HELPER = "pembantu", _("Pembantu/sopir")
    OTHER = "lainnya", _("Lainnya")


class MaritalStatus(models.TextChoices):  # Regsosek 408
    SINGLE = "belum_kawin", _("Belum kawin")
    MARRIED = "kawin", _("Kawin")
    DIVORCED = "cerai_hidup", _("Cerai hidup")
    WIDOWED = "cerai_mati", _("Cerai mati")


class Education(models.TextChoices):  # highest level attended, Regsosek 413 grouped
    NONE = "tidak_sekolah", _("Tidak/belum sekolah")
    SD = "sd", _("SD/sederajat")
    SMP = "smp", _("SMP/sederajat")
    SMA = "sma", _("SMA/SMK/sederajat")
    DIPLOMA = "diploma", _("D1–D3")
    BACHELOR = "s1", _("D4/S1")
    POSTGRADUATE = "s2_s3", _("S2/S3")


class SchoolParticipation(models.TextChoices):  # Regsosek 412
    NEVER = "tidak_pernah", _("Tidak/belum pernah sekolah")
    ENROLLED = "masih", _("Masih sekolah")
    LEFT = "tidak_lagi", _("Tidak bersekolah lagi")


class Difficulty(models.IntegerChoices):  # Regsosek 428a–i
    CANNOT = 1, _("Sama sekali tidak bisa")
    MUCH = 2, _("Banyak kesulitan")
    SOME = 3, _("Sedikit kesulitan")
    NONE = 4, _("Tidak kesulitan")


class ChronicIllness(models.TextChoices):  # Regsosek 430, grouped
    NONE = "tidak_ada", _("Tidak ada")
    HYPERTENSION = "hipertensi", _("Hipertensi")
    RHEUMATISM = "rematik", _("Rematik")
    ASTHMA = "asma", _("Asma")
    HEART = "jantung", _("Masalah jantung")
    DIABETES = "diabetes", _("Diabetes")
    TUBERCULOSIS = "tbc", _("Tuberkulosis")
    STROKE = "stroke", _("Stroke")
    CANCER = "kanker", _("Kanker/tumor")
    KIDNEY = "gagal_ginjal", _("Gagal ginjal")
    HIV = "hiv", _("HIV/AIDS")
    MENTAL = "gangguan_jiwa", _("Gangguan jiwa")
    OTHER = "lainnya", _("Lainnya")


class PersonStatus(models.TextChoices):
    """Lifecycle: active → deceased | moved_out | merged; moved_out → active (returns).

    `merged` means the record was a duplicate of `merged_into`; undoing a merge returns it
    to active. Only active persons hold their NIK exclusively.
    """

    ACTIVE = "aktif", _("Aktif")
    DECEASED = "meninggal", _("Meninggal")
    MOVED_OUT = "pindah", _("Pindah keluar wilayah")
    MERGED = "digabung", _("Digabung (duplikat)")


class HouseholdStatus(models.TextChoices):
    """Lifecycle: active → moved_out | dissolved | merged; moved_out → active."""

    ACTIVE = "aktif", _("Aktif")
    MOVED_OUT = "pindah", _("Pindah keluar wilayah")
    DISSOLVED = "bubar", _("Bubar (tidak ada anggota)")
    MERGED = "digabung", _("Digabung (duplikat)")


class Source(models.TextChoices):
    DTSEN = "dtsen", "DTSEN"
    P3KE = "p3ke", "P3KE"
    DTKS = "dtks", "DTKS"
    CITY = "kota", _("Data kota")
    REPORT = "laporan", _("Laporan warga")
    VERVAL = "verval", _("Verval lapangan")
    MANUAL = "manual", _("Input manual")
    SYNTHETIC = "sintetis", _("Data sintetis")


class MembershipStart(models.TextChoices):
    LISTED = "terdaftar", _("Tercatat di data sumber")
    BIRTH = "lahir", _("Kelahiran")
    MOVED_IN = "pindah_masuk", _("Pindah masuk")
    MARRIAGE = "perkawinan", _("Perkawinan")
    SPLIT = "pecah_kk", _("Pecah KK")
    CORRECTION = "koreksi", _("Koreksi data")


class MembershipEnd(models.TextChoices):
    DEATH = "meninggal", _("Meninggal")
    MOVED_OUT = "pindah", _("Pindah")
    SPLIT = "pecah_kk", _("Pecah KK")
    MARRIAGE = "perkawinan", _("Perkawinan")
    MERGED = "digabung", _("Digabung (duplikat)")
    CORRECTION = "koreksi", _("Koreksi data")


class HouseOwnership(models.TextChoices):  # Regsosek 301a
    OWN = "milik_sendiri", _("Milik sendiri")
    RENT = "kontrak_sewa", _("Kontrak/sewa")
    RENT_FREE = "bebas_sewa", _("Bebas sewa")
    OFFICIAL = "dinas", _("Dinas")
    OTHER = "lainnya", _("Lainnya")


class FloorType(models.TextChoices):  # Regsosek 303
    MARBLE = "marmer", _("Marmer/granit")
    CERAMIC = "keramik", _("Keramik")
    PARQUET = "parket", _("Parket/vinil/karpet")
    TILE = "ubin", _("Ubin/tegel/teraso")
    WOOD = "kayu", _("Kayu/papan")
    CEMENT = "semen", _("Semen/bata merah")
    BAMBOO = "bambu", _("Bambu")
    EARTH = "tanah", _("Tanah")
    OTHER = "lainnya", _("Lainnya")


class WallType(models.TextChoices):  # Regsosek 304
    MASONRY = "tembok", _("Tembok")
    PLASTERED_BAMBOO = "plesteran_bambu", _("Plesteran anyaman bambu/kawat")
    WOOD = "kayu", _("Kayu/papan/gypsum/GRC")
    WOVEN_BAMBOO = "anyaman_bambu", _("Anyaman bambu")
    LOG = "batang_kayu", _("Batang kayu")
    BAMBOO = "bambu", _("Bambu")
    OTHER = "lainnya", _("Lainnya")


class RoofType(models.TextChoices):  # Regsosek 305
    CONCRETE = "beton", _("Beton")
    CLAY_TILE = "genteng", _("Genteng")
    ZINC = "seng", _("Seng")
    ASBESTOS = "asbes", _("Asbes")
    WOOD = "kayu", _("Kayu/sirap")
    BAMBOO = "bambu", _("Bambu")
    THATCH = "jerami", _("Jerami/ijuk/daun/rumbia")
    OTHER = "lainnya", _("Lainnya")


class WaterSource(models.TextChoices):  # Regsosek 306a
    BOTTLED = "kemasan", _("Air kemasan bermerk")
    REFILL = "isi_ulang", _("Air isi ulang")
    PIPED = "leding", _("Leding")
    BOREHOLE = "sumur_bor", _("Sumur bor/pompa")
    PROTECTED_WELL = "sumur_terlindung", _("Sumur terlindung")
    UNPROTECTED_WELL = "sumur_tak_terlindung", _("Sumur tak terlindung")
    PROTECTED_SPRING = "mata_air_terlindung", _("Mata air terlindung")
    UNPROTECTED_SPRING = "mata_air_tak_terlindung", _("Mata air tak terlindung")
    SURFACE = "air_permukaan", _("Air permukaan")
    RAIN = "air_hujan", _("Air hujan")
    OTHER = "lainnya", _("Lainnya")


class Lighting(models.TextChoices):  # Regsosek 307a
    PLN_METERED = "pln_meteran", _("PLN dengan meteran")
    PLN_UNMETERED = "pln_tanpa_meteran", _("PLN tanpa meteran")
    NON_PLN = "non_pln", _("Listrik non-PLN")
    NONE = "bukan_listrik", _("Bukan listrik")


class CookingFuel(models.TextChoices):  # Regsosek 308, grouped
    ELECTRIC = "listrik", _("Listrik")
    LPG_LARGE = "elpiji_besar", _("Elpiji 5,5 kg/12 kg")
    LPG_3KG = "elpiji_3kg", _("Elpiji 3 kg")
    CITY_GAS = "gas_kota", _("Gas kota/biogas")
    KEROSENE = "minyak_tanah", _("Minyak tanah")
    CHARCOAL = "arang", _("Arang/briket")
    FIREWOOD = "kayu_bakar", _("Kayu bakar")
    OTHER = "lainnya", _("Lainnya")
    NO_COOKING = "tidak_memasak", _("Tidak memasak di rumah")


class ToiletFacility(models.TextChoices):  # Regsosek 309a
    PRIVATE = "sendiri", _("Ada, milik sendiri")
    SHARED = "bersama", _("Ada, bersama keluarga tertentu")
    COMMUNAL = "mck_komunal", _("MCK komunal")
    PUBLIC = "mck_umum", _("MCK umum")
    UNUSED = "tidak_digunakan", _("Ada tapi tidak digunakan")
    NONE = "tidak_ada", _("Tidak ada")


class Asset(models.TextChoices):  # Regsosek Blok V / DTSEN aset_bergerak_*
    GAS_CYLINDER = "tabung_gas", _("Tabung gas 5,5 kg atau lebih")
    REFRIGERATOR = "lemari_es", _("Lemari es")
    AIR_CONDITIONER = "ac", _("AC")
    WATER_HEATER = "pemanas_air", _("Pemanas air")
    LANDLINE = "telepon_rumah", _("Telepon rumah")
    TELEVISION = "tv_datar", _("TV layar datar")
    GOLD = "emas", _("Emas/perhiasan ≥10 gram")
    COMPUTER = "komputer", _("Komputer/laptop/tablet")
    MOTORCYCLE = "sepeda_motor", _("Sepeda motor")
    BICYCLE = "sepeda", _("Sepeda")
    CAR = "mobil", _("Mobil")
    BOAT = "perahu", _("Perahu")
    MOTORBOAT = "perahu_motor", _("Kapal/perahu motor")
    SMARTPHONE = "smartphone", _("Smartphone")
    LAND = "lahan", _("Lahan lain")
    OTHER_HOUSE = "rumah_lain", _("Rumah di tempat lain")


class DesilSource(models.TextChoices):
    DTSEN_NATIONAL = "dtsen_nasional", _("DTSEN desil nasional")
    DTSEN_PROVINCE = "dtsen_provinsi", _("DTSEN desil provinsi")
    DTSEN_REGENCY = "dtsen_kabkota", _("DTSEN desil kab/kota")
    P3KE = "p3ke", _("P3KE desil kesejahteraan")
    DTKS = "dtks", _("DTKS")


class Programme(models.TextChoices):
    """National programmes a household or person receives according to national data."""

    PKH = "pkh", _("PKH (Program Keluarga Harapan)")
    BPNT = "bpnt", _("BPNT/Sembako")
    PBI_JKN = "pbi_jkn", _("PBI JKN (iuran BPJS Kesehatan dibayar negara)")
    PBI_PEMDA = "pbi_pemda", _("PBI JKN daerah")
    BST = "bst", _("BST (Bantuan Sosial Tunai)")
    BPUM = "bpum", _("BPUM (Banpres produktif usaha mikro)")
    BLT = "blt", _("BLT")
    PIP = "pip", _("PIP/KIP (Program Indonesia Pintar)")
    ELECTRICITY_SUBSIDY = "subsidi_listrik", _("Subsidi listrik")
    LPG_SUBSIDY = "subsidi_lpg", _("Subsidi elpiji 3 kg")
    RASTRA = "rastra", _("Rastra/Raskin")
    PRAKERJA = "prakerja", _("Kartu Prakerja")
    KUR = "kur", _("KUR (Kredit Usaha Rakyat)")
    UMI = "umi", _("UMi (Ultra Mikro)")


# The lifecycle graphs of PersonStatus and HouseholdStatus, enforced by registry.services.
PERSON_TRANSITIONS: dict[PersonStatus, frozenset[str]] = {
    PersonStatus.ACTIVE: frozenset(
        {PersonStatus.DECEASED, PersonStatus.MOVED_OUT, PersonStatus.MERGED}
    ),
    PersonStatus.MOVED_OUT: frozenset({PersonStatus.ACTIVE}),
    PersonStatus.MERGED: frozenset({PersonStatus.ACTIVE}),
    PersonStatus.DECEASED: frozenset(),
}
HOUSEHOLD_TRANSITIONS: dict[HouseholdStatus, frozenset[str]] = {
    HouseholdStatus.ACTIVE: frozenset(
        {HouseholdStatus.MOVED_OUT, HouseholdStatus.DISSOLVED, HouseholdStatus.MERGED}
    ),
    HouseholdStatus.MOVED_OUT: frozenset({HouseholdStatus.ACTIVE}),
    HouseholdStatus.DISSOLVED: frozenset({HouseholdStatus.ACTIVE}),
    HouseholdStatus.MERGED: frozenset({HouseholdStatus.ACTIVE}),
}
