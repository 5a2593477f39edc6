"""What the columns of registry files mean: headers, sources and coded values.

Every import column is matched to one `Field` of entas (the registry's own names) through
the header spellings seen in DTSEN, P3KE, DTKS/SIKS-NG and Regsosek files
(reference/registry_formats.md) and the entas template. Headers are compared after
`normalize_header` (case, spaces, `/`, `-`, `.`, doubled `_` and stray spaces inside words
like `usia _60_tahun_keatas` all fold away); coded cells after `normalize_value`, and are
mapped to the registry's slugs from the Regsosek numeric codes, the registry's own slugs
and labels, and the words P3KE and Dukcapil use.
"""

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from entas.registry import choices as c
from entas.registry import codes
from entas.registry.models import DIFFICULTY_FIELDS, Person

HOUSEHOLD, PERSON = "household", "person"

# Field kinds: how a cell is cleaned and checked (see pipeline).
TEXT, NAME, NIK, KK, DATE, INT, BOOL, CODE, REGION, DESIL, DIFFICULTY = (
    "text",
    "name",
    "nik",
    "kk",
    "date",
    "int",
    "bool",
    "code",
    "region",
    "desil",
    "difficulty",
)


@dataclass(frozen=True)
class Field:
    """One thing an import column can carry, at household or person level."""

    name: str
    level: str
    kind: str
    label: Any  # a lazy translation
    aliases: tuple[str, ...]
    values: Mapping[str, str] = field(default_factory=dict)
    max_length: int = 0


def normalize_header(header: object) -> str:
    """`" Nomor KK "` → `nomor_kk`; `"Penerima _BPNT"` → `penerima_bpnt`."""
    text = unicodedata.normalize("NFKC", str(header or "")).replace("\ufeff", "").lower()
    text = re.sub(r"[\s/\-.()]+", "_", text.strip())
    text = re.sub(r"_+", "_", text)
    return text.strip("_")


_DIGITS_WITH_ZEROS = re.compile(r"^0+(?=\d)")
_WHOLE_FLOAT = re.compile(r"^(\d+)\.0+$")


def normalize_value(value: object) -> str:
    """A coded cell as compared: lower case, single spaces, `"01"`/`"1.0"` → `"1"`."""
    text = " ".join(str(value or "").replace("_", " ").lower().split())
    text = _WHOLE_FLOAT.sub(r"\1", text)
    return _DIGITS_WITH_ZEROS.sub("", text)


# Normalisation as Polars expressions use it: the same steps, as regular expressions.
VALUE_NORMALIZATION = (
    (r"_", " "),
    (r"\s+", " "),
    (r"^(\d+)\.0+$", "${1}"),
    (r"^0+(\d)", "${1}"),
)


def _coded(
    choices: type[models.Choices], numeric: Mapping[str, str], *extra: tuple[str, str]
) -> dict[str, str]:
    """Cell value → slug: the slug, its label, the Regsosek code and extra words."""
    mapping: dict[str, str] = {}
    for slug, label in choices.choices:
        mapping[normalize_value(slug)] = str(slug)
        mapping[normalize_value(label)] = str(slug)
    for slug, code in numeric.items():
        if code:
            mapping.setdefault(normalize_value(code), slug)
    for word, slug in extra:
        mapping[normalize_value(word)] = slug
    return mapping


YES_NO = {
    **dict.fromkeys(("1", "ya", "y", "iya", "yes", "true", "benar", "ada"), "1"),
    **dict.fromkeys(("2", "0", "tidak", "t", "tdk", "no", "false", "n", "tidak ada"), "0"),
}

SEX_VALUES = _coded(
    c.Sex,
    codes.SEX,
    ("laki-laki", "L"),
    ("laki laki", "L"),
    ("laki", "L"),
    ("lk", "L"),
    ("pria", "L"),
    ("perempuan", "P"),
    ("pr", "P"),
    ("wanita", "P"),
)
RELATIONSHIP_VALUES = _coded(
    c.Relationship,
    codes.RELATIONSHIP,
    ("kepala keluarga", "kepala"),
    ("kk", "kepala"),
    ("istri", "pasangan"),
    ("suami", "pasangan"),
    ("istri/suami", "pasangan"),
    ("suami/istri", "pasangan"),
    ("anak kandung", "anak"),
    ("anak tiri", "anak"),
    ("anak angkat", "anak"),
    ("orang tua", "orang_tua"),
    ("mertua", "orang_tua"),
    ("ayah", "orang_tua"),
    ("ibu", "orang_tua"),
    ("pembantu", "pembantu"),
    ("famili lain", "lainnya"),
    ("lainnya", "lainnya"),
)
MARITAL_VALUES = _coded(
    c.MaritalStatus,
    codes.MARITAL,
    ("kawin tercatat", "kawin"),
    ("kawin belum tercatat", "kawin"),
    ("belum menikah", "belum_kawin"),
    ("menikah", "kawin"),
    ("janda", "cerai_mati"),
    ("duda", "cerai_mati"),
)
# Regsosek 413 (highest level attended) grouped as the registry keeps it; 23 = no diploma.
_LEVEL_CODES = {
    **{str(code): "sd" for code in range(1, 5)},
    **{str(code): "smp" for code in range(5, 9)},
    **{str(code): "sma" for code in range(9, 18)},
    "18": "diploma",
    "19": "s1",
    "20": "s1",
    "21": "s2_s3",
    "22": "s2_s3",
    "23": "tidak_sekolah",
}
EDUCATION_VALUES = _coded(
    c.Education,
    {},
    *((code, slug) for code, slug in _LEVEL_CODES.items()),
    *((words, slug) for slug, words in codes.KTP_EDUCATION.items()),
    *((words, slug) for slug, words in codes.P3KE_EDUCATION.items()),
    ("belum tamat sd/sederajat", "tidak_sekolah"),
    ("tidak sekolah", "tidak_sekolah"),
    ("belum sekolah", "tidak_sekolah"),
    ("diploma i/ii", "diploma"),
    ("d3", "diploma"),
    ("smk", "sma"),
    ("slta", "sma"),
    ("sltp", "smp"),
    ("strata iii", "s2_s3"),
    ("s2", "s2_s3"),
    ("s3", "s2_s3"),
    ("d4", "s1"),
)
SCHOOL_VALUES = _coded(
    c.SchoolParticipation,
    codes.SCHOOLING,
    ("tidak/belum pernah sekolah", "tidak_pernah"),
    ("belum pernah sekolah", "tidak_pernah"),
    ("masih sekolah", "masih"),
    ("tidak sekolah lagi", "tidak_lagi"),
)
# Regsosek 430: 11 and 13-17 are illnesses the registry groups as "lainnya".
CHRONIC_VALUES = _coded(
    c.ChronicIllness,
    {slug: code for slug, code in codes.CHRONIC.items() if slug not in ("gangguan_jiwa",)},
    *((str(code), "lainnya") for code in (11, 13, 14, 15, 16, 17, 18)),
    ("tidak ada", "tidak_ada"),
    ("tbc", "tbc"),
    ("jantung", "jantung"),
)
DIFFICULTY_VALUES = {
    **{str(value): str(value) for value in c.Difficulty.values},
    **{normalize_value(label): str(value) for value, label in c.Difficulty.choices},
}
PRESENCE_VALUES = {  # Regsosek 404 keberadaan anggota keluarga
    "1": "ada",
    "tinggal bersama": "ada",
    "ada": "ada",
    "5": "ada",
    "anggota baru": "ada",
    "2": "meninggal",
    "meninggal": "meninggal",
    "3": "pindah",
    "4": "pindah",
    "pindah": "pindah",
    "pindah dalam negeri": "pindah",
    "pindah luar negeri": "pindah",
    "6": "tidak_ditemukan",
    "tidak ditemukan": "tidak_ditemukan",
}
OWNERSHIP_VALUES = _coded(c.HouseOwnership, codes.OWNERSHIP, ("sewa", "kontrak_sewa"))
FLOOR_VALUES = _coded(c.FloorType, codes.FLOOR)
WALL_VALUES = _coded(c.WallType, codes.WALL)
ROOF_VALUES = _coded(c.RoofType, codes.ROOF)
WATER_VALUES = _coded(c.WaterSource, codes.WATER)
LIGHTING_VALUES = _coded(c.Lighting, codes.LIGHTING, ("listrik pln", "pln_meteran"))
COOKING_VALUES = _coded(
    c.CookingFuel,
    codes.COOKING,
    ("2", "elpiji_besar"),
    ("6", "gas_kota"),
    ("8", "arang"),
    ("elpiji 3 kg", "elpiji_3kg"),
    ("gas 3 kg", "elpiji_3kg"),
)
TOILET_VALUES = _coded(c.ToiletFacility, codes.TOILET, ("ya", "sendiri"), ("tidak", "tidak_ada"))


def _f(
    name: str,
    level: str,
    kind: str,
    label: Any,
    *aliases: str,
    values: Mapping[str, str] | None = None,
    max_length: int = 0,
) -> Field:
    return Field(name, level, kind, label, (name, *aliases), values or {}, max_length)


DIFFICULTY_ALIASES = {
    "difficulty_seeing": ("kesulitan_melihat", "penglihatan", "kd_sulit_penglihatan"),
    "difficulty_hearing": ("kesulitan_mendengar", "pendengaran", "kd_sulit_pendengaran"),
    "difficulty_walking": (
        "kesulitan_berjalan",
        "berjalan_atau_naik_tangga",
        "kd_sulit_jalan_naiktangga",
    ),
    "difficulty_hands": (
        "kesulitan_tangan",
        "menggunakan_tangan_jari",
        "kd_sulit_gerak_tangan_jari",
    ),
    "difficulty_learning": (
        "kesulitan_belajar",
        "belajar_kemampuan_intelektual",
        "kd_sulit_belajar_intelektual",
    ),
    "difficulty_behaviour": (
        "kesulitan_perilaku",
        "pengendalian_perilaku",
        "kd_sulit_perilaku_emosi",
    ),
    "difficulty_communicating": (
        "kesulitan_komunikasi",
        "berbicara_komunikasi",
        "kd_sulit_paham_bicara_kom",
    ),
    "difficulty_self_care": ("kesulitan_mengurus_diri", "mengurus_diri", "kd_sulit_mandiri"),
    "difficulty_remembering": (
        "kesulitan_mengingat",
        "mengingat_berkonsentrasi",
        "kd_sulit_ingat_konsentrasi",
    ),
}
PROGRAMME_ALIASES = {
    "pkh": ("penerima_pkh", "pkh", "kd_pkh"),
    "bpnt": ("penerima_bpnt", "penerima_sembako", "bpnt", "sembako", "kd_bss_bnpt"),
    "bst": ("penerima_bst", "bst"),
    "bpum": ("penerima_bpum", "bpum"),
    "pbi_jkn": ("penerima_pbi_jkn", "pbi_nas", "pbi", "pbi_jk", "kis"),
    "pbi_pemda": ("penerima_pbi_pemda", "pbi_pemda"),
    "blt": ("penerima_blt", "blt", "kd_blt_dana_desa"),
    "pip": ("penerima_pip", "pip", "kip", "kd_ikut_pip"),
}
ASSET_ALIASES = {
    asset: (f"aset_{asset}", column, f"kd_{asset}") for column, asset in codes.ASSET_COLUMNS
}

FIELDS: tuple[Field, ...] = (
    # household
    _f(
        "kk_number",
        HOUSEHOLD,
        KK,
        _("No. KK"),
        "no_kk",
        "nomor_kartu_keluarga",
        "nomor_kk",
        "no_kartu_keluarga",
        "nkk",
        "kk",
        "nokk",
    ),
    _f(
        "family_id",
        HOUSEHOLD,
        TEXT,
        _("ID keluarga di sumber"),
        "id_keluarga_p3ke",
        "id_keluarga",
        "id_kel",
        max_length=40,
    ),
    _f(
        "head_name",
        HOUSEHOLD,
        TEXT,
        _("nama kepala keluarga"),
        "nama_kepala_keluarga",
        "kepala_keluarga",
        "nama_anggota_keluarga",
        max_length=150,
    ),
    _f("address", HOUSEHOLD, TEXT, _("alamat"), "alamat", "alamat_ktp", max_length=255),
    _f("rt", HOUSEHOLD, TEXT, _("RT"), "rt_ktp", max_length=3),
    _f("rw", HOUSEHOLD, TEXT, _("RW"), "rw_ktp", max_length=3),
    _f(
        "kelurahan_code",
        HOUSEHOLD,
        REGION,
        _("kode kelurahan (Kemendagri)"),
        "kode_kelurahan",
        "kode_kelurahan_desa",
        "kode_kemdagri",
        "kode_kemendagri",
        "kemendagri_kode_desa",
        "kode_desa",
        "kode_wilayah",
        "kode_kelurahan_desa_ktp",
    ),
    _f(
        "kelurahan_name",
        HOUSEHOLD,
        TEXT,
        _("nama kelurahan"),
        "kelurahan",
        "kelurahan_desa",
        "desa_kelurahan",
        "desa",
        "nama_kelurahan",
        "kelurahan_desa_ktp",
        max_length=100,
    ),
    _f(
        "kecamatan_name",
        HOUSEHOLD,
        TEXT,
        _("nama kecamatan"),
        "kecamatan",
        "nama_kecamatan",
        "kecamatan_ktp",
        max_length=100,
    ),
    _f("desil", HOUSEHOLD, DESIL, _("desil"), "desil_nasional", "desil_kesejahteraan"),
    _f(
        "house_ownership",
        HOUSEHOLD,
        CODE,
        _("status kepemilikan rumah"),
        "status_kepemilikan_rumah",
        "kepemilikan_rumah",
        "kd_stat_bangunan_tinggal",
        "status_bangunan",
        values=OWNERSHIP_VALUES,
    ),
    _f("floor_area_m2", HOUSEHOLD, INT, _("luas lantai (m²)"), "luas_lantai"),
    _f(
        "floor_type",
        HOUSEHOLD,
        CODE,
        _("jenis lantai"),
        "jenis_lantai",
        "jenis_lantai_terluas",
        "kd_jenis_lantai_terluas",
        values=FLOOR_VALUES,
    ),
    _f(
        "wall_type",
        HOUSEHOLD,
        CODE,
        _("jenis dinding"),
        "jenis_dinding",
        "jenis_dinding_terluas",
        "kd_jenis_dinding",
        values=WALL_VALUES,
    ),
    _f(
        "roof_type",
        HOUSEHOLD,
        CODE,
        _("jenis atap"),
        "jenis_atap",
        "jenis_atap_terluas",
        "kd_jenis_atap",
        values=ROOF_VALUES,
    ),
    _f(
        "water_source",
        HOUSEHOLD,
        CODE,
        _("sumber air minum"),
        "sumber_air_minum",
        "sumber_air_minum_utama",
        "kd_sumber_air_minum",
        values=WATER_VALUES,
    ),
    _f(
        "lighting",
        HOUSEHOLD,
        CODE,
        _("sumber penerangan"),
        "sumber_penerangan",
        "sumber_penerangan_utama",
        "kd_sumber_penerangan_utama",
        values=LIGHTING_VALUES,
    ),
    _f(
        "cooking_fuel",
        HOUSEHOLD,
        CODE,
        _("bahan bakar memasak"),
        "bahan_bakar_memasak",
        "bahan_bakar_utama_memasak",
        "kd_bahan_bakar_memasak",
        values=COOKING_VALUES,
    ),
    _f(
        "toilet_facility",
        HOUSEHOLD,
        CODE,
        _("fasilitas BAB"),
        "fasilitas_bab",
        "memiliki_fasilitas_buang_air_besar",
        "kd_fasilitas_tempat_bab",
        values=TOILET_VALUES,
    ),
    _f(
        "expenditure_per_capita",
        HOUSEHOLD,
        INT,
        _("pengeluaran per kapita per bulan (Rp)"),
        "pengeluaran_per_kapita",
    ),
    _f(
        "income_per_capita",
        HOUSEHOLD,
        INT,
        _("pendapatan per kapita per bulan (Rp)"),
        "pendapatan_per_kapita",
        "pendapatan",
    ),
    *(
        _f(f"asset_{asset}", HOUSEHOLD, BOOL, c.Asset(asset).label, *aliases)
        for asset, aliases in ASSET_ALIASES.items()
    ),
    *(
        _f(f"programme_{programme}", HOUSEHOLD, BOOL, c.Programme(programme).label, *aliases)
        for programme, aliases in PROGRAMME_ALIASES.items()
    ),
    # person
    _f(
        "nik",
        PERSON,
        NIK,
        _("NIK"),
        "nomor_induk_kependudukan",
        "no_nik",
        "nomor_nik",
        "nik_ktp",
    ),
    _f(
        "full_name",
        PERSON,
        NAME,
        _("nama lengkap"),
        "nama",
        "nama_lengkap",
        "nama_anggota",
        "nama_art",
        max_length=150,
    ),
    _f("sex", PERSON, CODE, _("jenis kelamin"), "jenis_kelamin", "jk", values=SEX_VALUES),
    _f("birth_date", PERSON, DATE, _("tanggal lahir"), "tanggal_lahir", "tgl_lahir"),
    _f("birth_place", PERSON, TEXT, _("tempat lahir"), "tempat_lahir", max_length=100),
    _f(
        "mother_name",
        PERSON,
        TEXT,
        _("nama ibu kandung"),
        "nama_ibu_kandung",
        "nama_ibu",
        max_length=150,
    ),
    _f(
        "relationship",
        PERSON,
        CODE,
        _("hubungan dengan kepala keluarga"),
        "hubungan",
        "status_hubungan_keluarga",
        "hubungan_dengan_kepala_keluarga",
        "hubungan_keluarga",
        "shdk",
        "kd_hubungan_dg_kk",
        values=RELATIONSHIP_VALUES,
    ),
    _f(
        "marital_status",
        PERSON,
        CODE,
        _("status perkawinan"),
        "status_kawin",
        "status_perkawinan",
        values=MARITAL_VALUES,
    ),
    _f(
        "education",
        PERSON,
        CODE,
        _("pendidikan tertinggi"),
        "pendidikan",
        "jenjang_tertinggi_yang_diduduki",
        "kd_pendidikan_tertinggi",
        "pendidikan_akhir_ktp",
        "pendidikan_terakhir",
        values=EDUCATION_VALUES,
    ),
    _f(
        "school_participation",
        PERSON,
        CODE,
        _("partisipasi sekolah"),
        "partisipasi_sekolah",
        "kd_partisipasi_sekolah",
        values=SCHOOL_VALUES,
    ),
    _f("occupation", PERSON, TEXT, _("pekerjaan"), "pekerjaan", "pekerjaan_ktp", max_length=100),
    _f(
        "is_working",
        PERSON,
        BOOL,
        _("bekerja seminggu terakhir"),
        "bekerja",
        "status_bekerja",
        "kd_bekerja_seminggu_lalu",
    ),
    *(
        _f(
            name,
            PERSON,
            DIFFICULTY,
            getattr(Person._meta.get_field(name), "verbose_name", name),
            *DIFFICULTY_ALIASES[name],
        )
        for name in DIFFICULTY_FIELDS
    ),
    _f(
        "chronic_illness",
        PERSON,
        CODE,
        _("penyakit kronis"),
        "penyakit_kronis",
        "kd_penyakit_kronis_menahun",
        values=CHRONIC_VALUES,
    ),
    _f("is_pregnant", PERSON, BOOL, _("sedang hamil"), "hamil", "sedang_hamil"),
    _f("nik_verified", PERSON, BOOL, _("padan Dukcapil"), "padan_dukcapil", "padan"),
    _f(
        "presence",
        PERSON,
        CODE,
        _("keberadaan anggota keluarga"),
        "keberadaan",
        "kd_ket_keberadaan_art",
        "keberadaan_art",
        "status_keberadaan",
        values=PRESENCE_VALUES,
    ),
    _f(
        "record_id",
        PERSON,
        TEXT,
        _("ID individu di sumber"),
        "id_individu",
        "iddtks",
        "id_dtks",
        max_length=40,
    ),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
# Columns seen in the sources that entas does not keep: reported as "tidak dipakai",
# never as unknown.
KNOWN_UNUSED = frozenset(
    {
        "no",
        "nomor",
        "provinsi",
        "kabupaten_kota",
        "kode_provinsi",
        "kode_kabupaten_kota",
        "kode_kecamatan",
        "kemendagri_kode_kabupaten_kota",
        "id_kecamatan",
        "id_desa",
        "dusun",
        "dusun_ktp",
        "provinsi_ktp",
        "kabupaten_kota_ktp",
        "kode_provinsi_ktp",
        "kode_kabupaten_kota_ktp",
        "kode_kecamatan_ktp",
        "jumlah_anggota_keluarga",
        "desil_provinsi",
        "desil_kabupaten_kota",
        "daya_terpasang",
        "id_pelanggan_pln",
        "kepemilikan_aset",
        "jumlah_ternak_sapi",
        "jumlah_ternak_kerbau",
        "jumlah_ternak_kuda",
        "jumlah_ternak_babi",
        "jumlah_ternak_kambing_domba",
        "jenis_kloset",
        "pembuangan_akhir_tinja",
        "memiliki_simpanan_uang_perhiasan_ternak_lainnya",
        "memiliki_simpananuang_perhiasan_ternak_lainnya",
        "resiko_stunting",
        "usia_dibawah_7_tahun",
        "usia_7_12",
        "usia_13_15",
        "usia_16_18",
        "usia_19_21",
        "usia_22_59",
        "usia_60_tahun_keatas",
        "kepesertaan_dtks",
        "verifikasi_lapangan",
        "tahun_data",
        "jenis_pmks",
        "kelas_tertinggi_yang_diduduki",
        "ijazah_tertinggi_yang_dimiliki",
        "status_dalam_pekerjaan_utama",
        "lapangan_usaha_dari_pekerjaan_utama",
        "kepemilikan_usaha",
        "jumlah_usaha",
        "lapangan_usaha_dari_usaha_utama",
        "jumlah_pekerja_yang_dibayar_dari_usaha_utama",
        "jumlah_pekerja_yang_tidak_dibayar_dari_usaha_utama",
        "omzet_usaha_utama",
        "kesedihan_depresi",
        "kondisi_gizi",
        "penerima_bpum_umkm",
    }
)

SOURCES = ("dtsen", "p3ke", "dtks", "entas")
# Headers that only one source writes, strongest first.
SOURCE_SIGNATURES = {
    "p3ke": ("id_keluarga_p3ke", "desil_kesejahteraan", "padan_dukcapil", "id_individu"),
    "dtsen": (
        "nomor_induk_kependudukan",
        "desil_nasional",
        "nomor_kartu_keluarga",
        "status_hubungan_keluarga",
        "jenjang_tertinggi_yang_diduduki",
    ),
    "dtks": ("iddtks", "id_dtks", "nomor_nik", "hubungan_keluarga"),
    "entas": ("no_kk", "kode_kelurahan", "hubungan", "nama_ibu"),
}


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for item in FIELDS:
        for alias in item.aliases:
            index.setdefault(alias, item.name)
    return index


def field_for_header(header: str) -> str | None:
    return _alias_index().get(normalize_header(header))


def header_score(cells: Sequence[object]) -> int:
    """How many cells of a row are column names entas knows: finds the header row."""
    index = _alias_index()
    return sum(
        1
        for cell in cells
        if (name := normalize_header(cell)) and (name in index or name in KNOWN_UNUSED)
    )


def detect_source(headers: Iterable[str]) -> str:
    """The source whose signature headers the file has most of; `entas` when none."""
    names = {normalize_header(header) for header in headers}
    scores = {
        source: sum(1 for header in signature if header in names)
        for source, signature in SOURCE_SIGNATURES.items()
    }
    best = max(scores, key=lambda source: scores[source])
    return best if scores[best] else "entas"


@dataclass
class HeaderMatch:
    """How the columns of one file map to fields.

    `columns[i]` is the field of column i or None; `unknown` headers entas does not know
    (with a `suggestions` field when one looks like a typo of a known header), `unused`
    headers it knows but does not keep, `duplicates` columns ignored because an earlier
    (or better-ranked) column already gives the field.
    """

    columns: list[str | None]
    unknown: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    suggestions: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> set[str]:
        return {name for name in self.columns if name}


def match_headers(
    headers: Sequence[str], remembered: Mapping[str, str] | None = None
) -> HeaderMatch:
    """Map each header to a field: remembered choices first, then aliases, then typos.

    `remembered` maps normalised headers to a field name ("" = ignore), as a user confirmed
    them for this source. When two columns give the same field the one whose alias ranks
    first for that field wins (DTSEN's surveyed `jenjang_tertinggi…` before the KTP's
    `pendidikan_akhir_ktp`); the other is listed in `duplicates`.
    """
    remembered = remembered or {}
    index = _alias_index()
    known = sorted(set(index) | KNOWN_UNUSED)
    candidates: list[tuple[int, str | None, str]] = []  # (rank, field, header) per column
    result = HeaderMatch(columns=[None] * len(headers))
    for header in headers:
        name = normalize_header(header)
        if name in remembered:
            chosen = remembered[name] or None
            candidates.append((-1, chosen, header))
            continue
        if name in index:
            target = index[name]
            candidates.append((FIELDS_BY_NAME[target].aliases.index(name), target, header))
            continue
        candidates.append((0, None, header))
        if not name:
            continue
        if name in KNOWN_UNUSED:
            result.unused.append(header)
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.88)
        if close and close[0] in index:
            result.suggestions[header] = index[close[0]]
        result.unknown.append(str(header))
    best: dict[str, tuple[int, int]] = {}
    for position, (rank, wanted, _header) in enumerate(candidates):
        if wanted and (wanted not in best or rank < best[wanted][0]):
            best[wanted] = (rank, position)
    for chosen, (_rank, position) in best.items():
        result.columns[position] = chosen
    for position, (_rank, wanted, header) in enumerate(candidates):
        if wanted and result.columns[position] is None:
            result.duplicates.append(str(header))
    return result


# --- the entas import template ----------------------------------------------------------


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    label: Any  # a lazy translation; str() it when writing
    required: bool
    choices: tuple[tuple[str, Any], ...]
    example: str
    text: bool


def _choices(choices: type[models.Choices]) -> tuple[tuple[str, Any], ...]:
    return tuple((str(value), label) for value, label in choices.choices)


_YES_NO_CHOICES = (("ya", "Ya"), ("tidak", "Tidak"))
_DIFFICULTY_CHOICES = tuple((str(value), label) for value, label in c.Difficulty.choices)


def _template_columns() -> tuple[TemplateColumn, ...]:
    def col(
        header: str,
        name: str,
        example: str,
        *,
        required: bool = False,
        choices: tuple[tuple[str, Any], ...] = (),
        text: bool = False,
    ) -> TemplateColumn:
        return TemplateColumn(header, FIELDS_BY_NAME[name].label, required, choices, example, text)

    return (
        col("no_kk", "kk_number", "3374101201230001", required=True, text=True),
        col("nik", "nik", "3374104506850003", text=True),
        col("nama", "full_name", "SITI AMINAH", required=True),
        col("hubungan", "relationship", "kepala", required=True, choices=_choices(c.Relationship)),
        col("jenis_kelamin", "sex", "P", required=True, choices=_choices(c.Sex)),
        col("tanggal_lahir", "birth_date", "1985-06-05"),
        col("tempat_lahir", "birth_place", "SEMARANG"),
        col("nama_ibu", "mother_name", "SUPARMI"),
        col("status_kawin", "marital_status", "kawin", choices=_choices(c.MaritalStatus)),
        col("pendidikan", "education", "sd", choices=_choices(c.Education)),
        col(
            "partisipasi_sekolah",
            "school_participation",
            "tidak_lagi",
            choices=_choices(c.SchoolParticipation),
        ),
        col("pekerjaan", "occupation", "BURUH HARIAN LEPAS"),
        col("bekerja", "is_working", "ya", choices=_YES_NO_CHOICES),
        *(
            col(DIFFICULTY_ALIASES[name][0], name, "4", choices=_DIFFICULTY_CHOICES)
            for name in DIFFICULTY_FIELDS
        ),
        col("penyakit_kronis", "chronic_illness", "tidak_ada", choices=_choices(c.ChronicIllness)),
        col("hamil", "is_pregnant", "tidak", choices=_YES_NO_CHOICES),
        col("alamat", "address", "JL. KEDUNGMUNDU RAYA NO. 12", required=True),
        col("rt", "rt", "003", text=True),
        col("rw", "rw", "005", text=True),
        col("kode_kelurahan", "kelurahan_code", "33.74.10.1001", required=True, text=True),
        col("desil", "desil", "1", choices=tuple((str(d), f"Desil {d}") for d in range(1, 11))),
        col(
            "status_kepemilikan_rumah",
            "house_ownership",
            "kontrak_sewa",
            choices=_choices(c.HouseOwnership),
        ),
        col("luas_lantai", "floor_area_m2", "24"),
        col("jenis_lantai", "floor_type", "semen", choices=_choices(c.FloorType)),
        col("jenis_dinding", "wall_type", "tembok", choices=_choices(c.WallType)),
        col("jenis_atap", "roof_type", "genteng", choices=_choices(c.RoofType)),
        col("sumber_air_minum", "water_source", "isi_ulang", choices=_choices(c.WaterSource)),
        col("sumber_penerangan", "lighting", "pln_meteran", choices=_choices(c.Lighting)),
        col("bahan_bakar_memasak", "cooking_fuel", "elpiji_3kg", choices=_choices(c.CookingFuel)),
        col("fasilitas_bab", "toilet_facility", "sendiri", choices=_choices(c.ToiletFacility)),
        col("pengeluaran_per_kapita", "expenditure_per_capita", "450000"),
        col("pendapatan_per_kapita", "income_per_capita", "400000"),
        *(
            col(
                PROGRAMME_ALIASES[programme][0],
                f"programme_{programme}",
                "tidak",
                choices=_YES_NO_CHOICES,
            )
            for programme in PROGRAMME_ALIASES
        ),
    )


TEMPLATE_COLUMNS: tuple[TemplateColumn, ...] = _template_columns()
