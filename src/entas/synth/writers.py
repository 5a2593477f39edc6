"""The synthetic city as the files a Dinsos receives, plus the ground truth.

- `dtsen_keluarga.csv`, `dtsen_anggota.csv`: DTSEN-like (reference/registry_formats.md §4),
  Regsosek numeric codes, names in capitals, dates `yyyy-mm-dd`. Beyond §4 they carry
  `tempat_lahir` and `nama_ibu_kandung` (as DTKS exports do), the family's
  `pengeluaran_per_kapita`/`pendapatan_per_kapita` and `penerima_pkh`/`penerima_bpnt`,
  so that everything the registry model holds can be imported from them.
- `p3ke_individu.csv`: P3KE-like (§1b), desil 1-4 families only, region names and the
  10-digit `kode_kemdagri`, Ya/Tidak, dates `dd/mm/yyyy`, its own spellings.
- `truth_persons.csv`: every person record of both files (`record_id` is the data row
  number in the DTSEN file, `id_individu` in P3KE) with the true person and household and
  the kinds of dirt it carries; `truth_households.csv` the same for family records.

Rows are written as households arrive; nothing is kept after a household is written.
"""

import csv
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from entas.registry import codes
from entas.synth.population import KkListing, Listing, SynthHousehold
from entas.synth.profile import CityFrame, Kelurahan

DTSEN_FAMILY_FILE = "dtsen_keluarga.csv"
DTSEN_MEMBER_FILE = "dtsen_anggota.csv"
P3KE_FILE = "p3ke_individu.csv"
TRUTH_PERSON_FILE = "truth_persons.csv"
TRUTH_HOUSEHOLD_FILE = "truth_households.csv"

DTSEN_FAMILY_COLUMNS = (
    "nomor_kartu_keluarga",
    "nama_anggota_keluarga",
    "jumlah_anggota_keluarga",
    "alamat",
    "kelurahan_desa",
    "kecamatan",
    "kabupaten_kota",
    "provinsi",
    "kode_kelurahan_desa",
    "kode_kecamatan",
    "kode_kabupaten_kota",
    "kode_provinsi",
    "desil_nasional",
    "desil_provinsi",
    "desil_kabupaten_kota",
    "status_kepemilikan_rumah",
    "luas_lantai",
    "jenis_lantai_terluas",
    "jenis_dinding_terluas",
    "jenis_atap_terluas",
    "sumber_air_minum_utama",
    "sumber_penerangan_utama",
    "daya_terpasang",
    "bahan_bakar_utama_memasak",
    "fasilitas_bab",
    "pbi_nas",
    "pbi_pemda",
    *(column for column, _asset in codes.ASSET_COLUMNS),
    "jumlah_ternak_sapi",
    "jumlah_ternak_kerbau",
    "jumlah_ternak_kuda",
    "jumlah_ternak_babi",
    "jumlah_ternak_kambing_domba",
    "penerima_pkh",
    "penerima_bpnt",
    "pengeluaran_per_kapita",
    "pendapatan_per_kapita",
)
DTSEN_MEMBER_COLUMNS = (
    "nomor_induk_kependudukan",
    "nomor_kartu_keluarga",
    "nama",
    "jenis_kelamin",
    "tanggal_lahir",
    "tempat_lahir",
    "nama_ibu_kandung",
    "status_kawin",
    "status_hubungan_keluarga",
    "alamat_ktp",
    "rt_ktp",
    "rw_ktp",
    "kelurahan_desa_ktp",
    "kecamatan_ktp",
    "kabupaten_kota_ktp",
    "provinsi_ktp",
    "kode_kelurahan_desa_ktp",
    "kode_kecamatan_ktp",
    "kode_kabupaten_kota_ktp",
    "kode_provinsi_ktp",
    "pekerjaan_ktp",
    "pendidikan_akhir_ktp",
    "partisipasi_sekolah",
    "jenjang_tertinggi_yang_diduduki",
    "status_bekerja",
    "penglihatan",
    "pendengaran",
    "berjalan_atau_naik_tangga",
    "menggunakan_tangan_jari",
    "belajar_kemampuan_intelektual",
    "pengendalian_perilaku",
    "berbicara_komunikasi",
    "mengurus_diri",
    "mengingat_berkonsentrasi",
    "penyakit_kronis",
    "pbi_nas",
    "pbi_pemda",
)
P3KE_COLUMNS = (
    "id_keluarga_p3ke",
    "provinsi",
    "kabupaten_kota",
    "kecamatan",
    "desa_kelurahan",
    "kode_kemdagri",
    "desil_kesejahteraan",
    "alamat",
    "id_individu",
    "nama",
    "nik",
    "padan_dukcapil",
    "jenis_kelamin",
    "hubungan_dengan_kepala_keluarga",
    "tanggal_lahir",
    "status_kawin",
    "pekerjaan",
    "pendidikan",
    "usia_dibawah_7_tahun",
    "usia_7_12",
    "usia_13_15",
    "usia_16_18",
    "usia_19_21",
    "usia_22_59",
    "usia_60_tahun_keatas",
    "penerima_bpnt",
    "penerima_bpum",
    "penerima_bst",
    "penerima_pkh",
    "penerima_sembako",
    "resiko_stunting",
)
TRUTH_PERSON_COLUMNS = (
    "file",
    "record_id",
    "person_id",
    "household_id",
    "dirt",
    "true_name",
    "true_nik",
    "true_sex",
    "true_birth_date",
)
TRUTH_HOUSEHOLD_COLUMNS = (
    "file",
    "record_id",
    "household_id",
    "kelurahan",
    "is_extreme_poor",
    "desil",
    "expenditure_per_capita",
    "income_per_capita",
    "members",
    "dirt",
)
FILES = (DTSEN_FAMILY_FILE, DTSEN_MEMBER_FILE, P3KE_FILE, TRUTH_PERSON_FILE, TRUTH_HOUSEHOLD_FILE)


def _yes(flag: bool) -> str:
    return codes.YES if flag else codes.NO


def _ya(flag: bool) -> str:
    return codes.YA if flag else codes.TIDAK


class FileSink:
    """Writes households to the five CSV files of `out_dir`; use as a context manager."""

    def __init__(self, out_dir: Path, frame: CityFrame, *, p3ke_as_of_year: int) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self._frame = frame
        self._p3ke_year = p3ke_as_of_year
        self._files: list[IO[str]] = []
        self._family = self._open(out_dir / DTSEN_FAMILY_FILE, DTSEN_FAMILY_COLUMNS)
        self._member = self._open(out_dir / DTSEN_MEMBER_FILE, DTSEN_MEMBER_COLUMNS)
        self._p3ke = self._open(out_dir / P3KE_FILE, P3KE_COLUMNS)
        self._truth_person = self._open(out_dir / TRUTH_PERSON_FILE, TRUTH_PERSON_COLUMNS)
        self._truth_household = self._open(out_dir / TRUTH_HOUSEHOLD_FILE, TRUTH_HOUSEHOLD_COLUMNS)
        self.rows = dict.fromkeys(FILES, 0)
        self._regions: dict[str, tuple[list[str], list[str]]] = {}

    def __enter__(self) -> "FileSink":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for file in self._files:
            file.close()

    def _open(self, path: Path, columns: tuple[str, ...]) -> Any:
        file = path.open("w", encoding="utf-8", newline="")
        self._files.append(file)
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(columns)
        return writer

    def write(self, household: SynthHousehold) -> None:
        dtsen_region, p3ke_region = self._region_columns(household.kelurahan)
        for card in household.registry:
            self._write_card(household, card, dtsen_region)
        if household.p3ke is not None:
            self._write_p3ke(household, p3ke_region)

    def _write_card(self, household: SynthHousehold, card: KkListing, region: list[str]) -> None:
        welfare = household.welfare
        programmes = welfare.programmes
        pbi = [_yes("pbi_jkn" in programmes), _yes("pbi_pemda" in programmes)]
        address = household.address.upper()
        self.rows[DTSEN_FAMILY_FILE] += 1
        family_row = self.rows[DTSEN_FAMILY_FILE]
        self._family.writerow(
            [
                card.kk_number,
                card.listings[0].name.upper(),
                len(card.listings),
                address,
                *region,
                welfare.desil,
                welfare.desil_province,
                welfare.desil_regency,
                codes.OWNERSHIP[welfare.house_ownership],
                welfare.floor_area_m2,
                codes.FLOOR[welfare.floor_type],
                codes.WALL[welfare.wall_type],
                codes.ROOF[welfare.roof_type],
                codes.WATER[welfare.water_source],
                codes.LIGHTING[welfare.lighting],
                welfare.power or "",
                codes.COOKING[welfare.cooking_fuel],
                codes.TOILET[welfare.toilet_facility],
                *pbi,
                *[_yes(asset in welfare.assets) for _column, asset in codes.ASSET_COLUMNS],
                0,
                0,
                0,
                0,
                welfare.goats,
                _yes("pkh" in programmes),
                _yes("bpnt" in programmes),
                welfare.expenditure_per_capita,
                welfare.income_per_capita,
            ]
        )
        self._truth_household.writerow(
            self._truth_household_row(household, DTSEN_FAMILY_FILE, family_row, card.dirt)
        )
        self.rows[TRUTH_HOUSEHOLD_FILE] += 1
        address_columns = [address, household.rt, household.rw, *region[:8]]
        for listing in card.listings:
            self._write_member(listing, card.kk_number, address_columns, pbi)

    def _write_member(
        self, listing: Listing, kk_number: str, address: list[Any], pbi: list[str]
    ) -> None:
        person = listing.person
        difficulties = person.difficulties
        self._member.writerow(
            [
                listing.nik,
                kk_number,
                listing.name.upper(),
                codes.SEX[person.sex],
                person.birth_date.isoformat(),
                person.birth_place.upper(),
                person.mother_name.upper(),
                codes.MARITAL[person.marital_status],
                codes.RELATIONSHIP[listing.relationship],
                *address,
                person.occupation.upper(),
                codes.KTP_EDUCATION[person.education],
                codes.SCHOOLING[person.school_participation],
                codes.LEVEL[person.education],
                "" if person.is_working is None else _yes(person.is_working),
                *(difficulties if difficulties else ("",) * 9),
                codes.CHRONIC[person.chronic_illness],
                *pbi,
            ]
        )
        self.rows[DTSEN_MEMBER_FILE] += 1
        self._truth_person.writerow(
            self._truth_person_row(listing, DTSEN_MEMBER_FILE, self.rows[DTSEN_MEMBER_FILE])
        )
        self.rows[TRUTH_PERSON_FILE] += 1

    def _write_p3ke(self, household: SynthHousehold, region: list[str]) -> None:
        p3ke = household.p3ke
        assert p3ke is not None
        programmes = household.welfare.programmes
        family = [p3ke.family_id, *region, p3ke.desil, p3ke.address]
        flags = [
            _ya("bpnt" in programmes),
            _ya("bpum" in programmes),
            _ya("bst" in programmes),
            _ya("pkh" in programmes),
            _ya("bpnt" in programmes),
            _ya(household.welfare.stunting_risk),
        ]
        for number, listing in enumerate(p3ke.listings, start=1):
            person = listing.person
            record_id = f"{p3ke.family_id}{number:02d}"
            age = self._p3ke_year - person.birth_date.year
            self._p3ke.writerow(
                [
                    *family,
                    record_id,
                    listing.name,
                    listing.nik,
                    _ya(bool(listing.verified)),
                    codes.P3KE_SEX[person.sex],
                    codes.p3ke_relationship(listing.relationship, person.sex),
                    person.birth_date.strftime("%d/%m/%Y"),
                    codes.P3KE_MARITAL[person.marital_status],
                    person.occupation,
                    codes.P3KE_EDUCATION[person.education],
                    *[_ya(low <= age <= high) for low, high in codes.P3KE_AGE_BANDS],
                    *flags,
                ]
            )
            self._truth_person.writerow(self._truth_person_row(listing, P3KE_FILE, record_id))
        self.rows[P3KE_FILE] += len(p3ke.listings)
        self.rows[TRUTH_PERSON_FILE] += len(p3ke.listings)
        self._truth_household.writerow(
            self._truth_household_row(household, P3KE_FILE, p3ke.family_id, "")
        )
        self.rows[TRUTH_HOUSEHOLD_FILE] += 1

    @staticmethod
    def _truth_person_row(listing: Listing, file: str, record_id: object) -> list[Any]:
        person = listing.person
        return [
            file,
            record_id,
            person.key,
            listing.household_key,
            listing.dirt,
            person.name,
            person.nik,
            person.sex,
            person.birth_date.isoformat(),
        ]

    @staticmethod
    def _truth_household_row(
        household: SynthHousehold, file: str, record_id: object, dirt: str
    ) -> list[Any]:
        welfare = household.welfare
        return [
            file,
            record_id,
            household.key,
            household.kelurahan.code,
            int(household.is_extreme_poor),
            welfare.desil,
            welfare.expenditure_per_capita,
            welfare.income_per_capita,
            sum(1 for person in household.members if person.is_current),
            dirt,
        ]

    def _region_columns(self, kelurahan: Kelurahan) -> tuple[list[str], list[str]]:
        cached = self._regions.get(kelurahan.code)
        if cached is None:
            frame = self._frame
            plain = kelurahan.plain_code
            dtsen = [
                kelurahan.name.upper(),
                kelurahan.kecamatan_name.upper(),
                frame.name.upper(),
                frame.province_name.upper(),
                plain,
                plain[:6],
                plain[:4],
                plain[:2],
            ]
            p3ke = [
                frame.province_name.upper(),
                frame.name.upper(),
                kelurahan.kecamatan_name.upper(),
                kelurahan.name.upper(),
                plain,
            ]
            cached = self._regions[kelurahan.code] = (dtsen, p3ke)
        return cached
