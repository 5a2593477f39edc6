"""How the registry's coded values are written in each source file.

DTSEN files use the numeric codes of the Regsosek 2022 questionnaire (question numbers in
comments; see reference/registry_formats.md §3); P3KE spreadsheets use words and Ya/Tidak.
Where the registry groups several questionnaire codes into one value, the first is used.
"""

YES, NO = "1", "2"  # BPS coding of Ya/Tidak

SEX = {"L": "1", "P": "2"}  # 405
MARITAL = {"belum_kawin": "1", "kawin": "2", "cerai_hidup": "3", "cerai_mati": "4"}  # 408
RELATIONSHIP = {  # 409
    "kepala": "1",
    "pasangan": "2",
    "anak": "3",
    "menantu": "4",
    "cucu": "5",
    "orang_tua": "6",
    "pembantu": "7",
    "lainnya": "8",
}
SCHOOLING = {"tidak_pernah": "1", "masih": "2", "tidak_lagi": "3"}  # 412
LEVEL = {  # 413, highest level attended
    "tidak_sekolah": "",
    "sd": "3",
    "smp": "8",
    "sma": "13",
    "diploma": "18",
    "s1": "19",
    "s2_s3": "21",
}
CHRONIC = {  # 430
    "tidak_ada": "1",
    "hipertensi": "2",
    "rematik": "3",
    "asma": "4",
    "jantung": "5",
    "diabetes": "6",
    "tbc": "7",
    "stroke": "8",
    "kanker": "9",
    "gagal_ginjal": "10",
    "hiv": "12",
    "gangguan_jiwa": "18",
    "lainnya": "18",
}
OWNERSHIP = {
    "milik_sendiri": "1",
    "kontrak_sewa": "2",
    "bebas_sewa": "3",
    "dinas": "4",
    "lainnya": "5",
}
FLOOR = {  # 303
    "marmer": "1",
    "keramik": "2",
    "parket": "3",
    "ubin": "4",
    "kayu": "5",
    "semen": "6",
    "bambu": "7",
    "tanah": "8",
    "lainnya": "9",
}
WALL = {  # 304
    "tembok": "1",
    "plesteran_bambu": "2",
    "kayu": "3",
    "anyaman_bambu": "4",
    "batang_kayu": "5",
    "bambu": "6",
    "lainnya": "7",
}
ROOF = {  # 305
    "beton": "1",
    "genteng": "2",
    "seng": "3",
    "asbes": "4",
    "kayu": "5",
    "bambu": "6",
    "jerami": "7",
    "lainnya": "8",
}
WATER = {  # 306a
    "kemasan": "1",
    "isi_ulang": "2",
    "leding": "3",
    "sumur_bor": "4",
    "sumur_terlindung": "5",
    "sumur_tak_terlindung": "6",
    "mata_air_terlindung": "7",
    "mata_air_tak_terlindung": "8",
    "air_permukaan": "9",
    "air_hujan": "10",
    "lainnya": "11",
}
LIGHTING = {
    "pln_meteran": "1",
    "pln_tanpa_meteran": "2",
    "non_pln": "3",
    "bukan_listrik": "4",
}  # 307a
COOKING = {  # 308
    "listrik": "1",
    "elpiji_besar": "3",
    "elpiji_3kg": "4",
    "gas_kota": "5",
    "minyak_tanah": "7",
    "arang": "9",
    "kayu_bakar": "10",
    "lainnya": "11",
    "tidak_memasak": "12",
}
TOILET = {  # 309a
    "sendiri": "1",
    "bersama": "2",
    "mck_komunal": "3",
    "mck_umum": "4",
    "tidak_digunakan": "5",
    "tidak_ada": "6",
}
# DTSEN asset columns, in file order, and the registry asset each one reports.
ASSET_COLUMNS = (
    ("aset_bergerak_tabung_gas", "tabung_gas"),
    ("aset_bergerak_lemari_es", "lemari_es"),
    ("aset_bergerak_ac", "ac"),
    ("aset_bergerak_pemanas_air", "pemanas_air"),
    ("aset_bergerak_telepon_rumah", "telepon_rumah"),
    ("aset_bergerak_tv_datar", "tv_datar"),
    ("aset_bergerak_emas_perhiasan", "emas"),
    ("aset_bergerak_komputer_laptop_tablet", "komputer"),
    ("aset_bergerak_sepeda_motor", "sepeda_motor"),
    ("aset_bergerak_sepeda", "sepeda"),
    ("aset_bergerak_mobil", "mobil"),
    ("aset_bergerak_perahu", "perahu"),
    ("aset_bergerak_kapal_perahu_motor", "perahu_motor"),
    ("aset_bergerak_smartphone", "smartphone"),
    ("aset_tidak_bergerak_lahan_lainnya", "lahan"),
    ("aset_tidak_bergerak_rumah_lainnya", "rumah_lain"),
)

# Dukcapil (KTP) wording of education, for DTSEN's `pendidikan_akhir_ktp`.
KTP_EDUCATION = {
    "tidak_sekolah": "TIDAK/BELUM SEKOLAH",
    "sd": "TAMAT SD/SEDERAJAT",
    "smp": "SLTP/SEDERAJAT",
    "sma": "SLTA/SEDERAJAT",
    "diploma": "AKADEMI/DIPLOMA III/S. MUDA",
    "s1": "DIPLOMA IV/STRATA I",
    "s2_s3": "STRATA II",
}

# P3KE wording.
P3KE_SEX = {"L": "Laki-laki", "P": "Perempuan"}
P3KE_MARITAL = {
    "belum_kawin": "Belum Kawin",
    "kawin": "Kawin",
    "cerai_hidup": "Cerai Hidup",
    "cerai_mati": "Cerai Mati",
}
P3KE_RELATIONSHIP = {
    "kepala": "Kepala Keluarga",
    "anak": "Anak",
    "menantu": "Menantu",
    "cucu": "Cucu",
    "orang_tua": "Orang Tua",
    "pembantu": "Pembantu",
    "lainnya": "Famili Lain",
}
P3KE_EDUCATION = {
    "tidak_sekolah": "Tidak/belum sekolah",
    "sd": "Tamat SD/sederajat",
    "smp": "SLTP/sederajat",
    "sma": "SLTA/sederajat",
    "diploma": "D1/D2/D3",
    "s1": "D4/S1",
    "s2_s3": "S2/S3",
}
P3KE_AGE_BANDS = ((0, 6), (7, 12), (13, 15), (16, 18), (19, 21), (22, 59), (60, 200))
YA, TIDAK = "Ya", "Tidak"


def p3ke_relationship(relationship: str, sex: str) -> str:
    if relationship == "pasangan":
        return "Istri" if sex == "P" else "Suami"
    return P3KE_RELATIONSHIP[relationship]
