"""entas synth --out: the DTSEN-like and P3KE-like files, their dirt and their ground truth."""

import csv
import datetime as dt
import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from entas.synth.services import synthetic_files_write
from entas.synth.writers import FILES
from entas.wilayah.identity import parse_kk, parse_nik

pytestmark = pytest.mark.usefixtures("regions")
AS_OF = dt.date(2025, 1, 15)
TUGU = "33.74.16"
NIK_DIRT = ("nik_digit", "nik_transposed", "nik_excel", "nik_missing")


def digests(folder: Path) -> dict[str, str]:
    names = [*FILES, "manifest.json"]
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names}


def kinds(dirt: str) -> set[str]:
    return set(filter(None, dirt.split(";")))


def test_same_seed_gives_byte_identical_files(tmp_path):
    # given two runs with the same seed
    synthetic_files_write(households=1200, seed=7, out_dir=tmp_path / "first")
    synthetic_files_write(households=1200, seed=7, out_dir=tmp_path / "second")
    # when / then every file is the same, byte for byte
    assert digests(tmp_path / "first") == digests(tmp_path / "second")


def test_another_seed_gives_other_files(tmp_path):
    synthetic_files_write(households=1200, seed=7, out_dir=tmp_path / "first")
    synthetic_files_write(households=1200, seed=8, out_dir=tmp_path / "second")

    first, second = digests(tmp_path / "first"), digests(tmp_path / "second")

    assert all(first[name] != second[name] for name in FILES)


def test_the_extreme_poor_group_is_the_published_one(city_files):
    # given the households as they really are (original cards only)
    households = [
        row
        for row in city_files.rows("truth_households.csv")
        if row["file"] == "dtsen_keluarga.csv" and row["dirt"] == ""
    ]
    extreme = [row for row in households if row["is_extreme_poor"] == "1"]
    by_kecamatan = Counter(row["kelurahan"][:8] for row in extreme)
    # then the group is exactly 1,024 families with 5,519 people, none in Tugu, and the
    # three largest pockets are Semarang Utara, Tembalang and Pedurungan
    assert len(households) == 8000
    assert len(extreme) == 1024
    assert sum(int(row["members"]) for row in extreme) == 5519
    assert by_kecamatan[TUGU] == 0
    assert {code for code, _count in by_kecamatan.most_common(3)} == {
        "33.74.02",
        "33.74.10",
        "33.74.06",
    }
    assert city_files.manifest["extreme_poor"]["households"] == 1024
    assert city_files.manifest["extreme_poor"]["persons"] == 5519
    assert city_files.manifest["extreme_poor"]["scaled_down"] is False


def test_extreme_poor_spend_below_the_line_and_others_above(city_files):
    rows = [
        row
        for row in city_files.rows("truth_households.csv")
        if row["file"] == "dtsen_keluarga.csv"
    ]
    line = city_files.manifest["extreme_poor"]["line_per_capita_month"]

    extreme_spending = {
        int(row["expenditure_per_capita"]) < line for row in rows if row["is_extreme_poor"] == "1"
    }
    other_spending = {
        int(row["expenditure_per_capita"]) > line for row in rows if row["is_extreme_poor"] == "0"
    }

    assert extreme_spending == {True}
    assert other_spending == {True}


def test_a_small_city_gets_a_proportionally_smaller_extreme_group(tmp_path):
    result = synthetic_files_write(households=1000, seed=3, out_dir=tmp_path)

    assert result.plan.is_scaled is True
    assert (result.tally.extreme_households, result.tally.extreme_persons) == (200, 1078)


def test_kecamatan_sizes_follow_the_population_file(city_files):
    # Pedurungan and Tembalang have 3.6 times the people of Semarang Tengah (BPS 2022)
    households = Counter(
        row["kelurahan"][:8]
        for row in city_files.rows("truth_households.csv")
        if row["file"] == "dtsen_keluarga.csv"
        and row["dirt"] == ""
        and row["is_extreme_poor"] == "0"
    )

    assert households["33.74.06"] == pytest.approx(households["33.74.01"] * 193125 / 54338, abs=2)
    assert len(households) == 16


def test_faithful_niks_are_valid_and_match_birth_date_and_sex(city_files):
    members = city_files.rows("dtsen_anggota.csv")
    truth = [
        row for row in city_files.rows("truth_persons.csv") if row["file"] == "dtsen_anggota.csv"
    ]
    checked = 0
    for member, true in zip(members, truth, strict=True):
        if kinds(true["dirt"]) & set(NIK_DIRT):
            continue
        result = parse_nik(member["nomor_induk_kependudukan"], today=AS_OF)
        born = dt.date.fromisoformat(member["tanggal_lahir"])
        assert result.valid, member
        assert (result.date.day, result.date.month, result.date.year % 100) == (
            born.day,
            born.month,
            born.year % 100,
        )
        assert result.sex == {"1": "L", "2": "P"}[member["jenis_kelamin"]]
        checked += 1
    assert checked > 0.95 * len(members)


def test_niks_are_unique_per_person_and_damaged_ones_are_named_in_the_truth(city_files):
    truth = city_files.rows("truth_persons.csv")
    owners = defaultdict(set)
    for row in truth:
        owners[row["true_nik"]].add(row["person_id"])
    members = city_files.rows("dtsen_anggota.csv")
    dtsen_truth = [row for row in truth if row["file"] == "dtsen_anggota.csv"]
    damaged = [
        (member, true)
        for member, true in zip(members, dtsen_truth, strict=True)
        if member["nomor_induk_kependudukan"] != true["true_nik"]
    ]

    assert {len(people) for people in owners.values()} == {1}
    assert damaged
    assert all(kinds(true["dirt"]) & set(NIK_DIRT) for _member, true in damaged)


def test_family_card_numbers_are_valid_and_issued_in_the_familys_kecamatan(city_files):
    for row in city_files.rows("dtsen_keluarga.csv"):
        result = parse_kk(row["nomor_kartu_keluarga"], today=AS_OF)
        assert result.valid, row
        assert (
            result.region_code
            == row["kode_kelurahan_desa"][:2]
            + "."
            + row["kode_kelurahan_desa"][2:4]
            + "."
            + row["kode_kelurahan_desa"][4:6]
        )
        assert result.date <= AS_OF


def test_every_family_card_has_exactly_one_head(city_files):
    heads = Counter(
        row["nomor_kartu_keluarga"]
        for row in city_files.rows("dtsen_anggota.csv")
        if row["status_hubungan_keluarga"] == "1"
    )
    cards = [row["nomor_kartu_keluarga"] for row in city_files.rows("dtsen_keluarga.csv")]

    assert len(cards) == len(set(cards))
    assert all(heads[card] == 1 for card in cards)
    assert sum(heads.values()) == len(cards)


def test_p3ke_lists_poor_families_of_the_registry_in_its_own_format(city_files):
    p3ke = city_files.rows("p3ke_individu.csv")

    assert {row["desil_kesejahteraan"] for row in p3ke} <= {"1", "2", "3", "4"}
    assert all(re.fullmatch(r"[0-9]{10}", row["kode_kemdagri"]) for row in p3ke)
    assert all(re.fullmatch(r"[0-9]{2}/[0-9]{2}/[0-9]{4}", row["tanggal_lahir"]) for row in p3ke)
    assert {row["padan_dukcapil"] for row in p3ke} == {"Ya", "Tidak"}
    assert {row["penerima_pkh"] for row in p3ke} == {"Ya", "Tidak"}
    assert {row["kabupaten_kota"] for row in p3ke} == {"KOTA SEMARANG"}


def test_p3ke_and_dtsen_describe_the_same_people_with_other_spellings(city_files):
    truth = city_files.rows("truth_persons.csv")
    dtsen_truth = [row for row in truth if row["file"] == "dtsen_anggota.csv"]
    p3ke_truth = [row for row in truth if row["file"] == "p3ke_individu.csv"]
    dtsen_names = {
        true["person_id"]: member["nama"]
        for member, true in zip(city_files.rows("dtsen_anggota.csv"), dtsen_truth, strict=True)
        if true["dirt"] == ""
    }
    p3ke_names = {row["id_individu"]: row["nama"] for row in city_files.rows("p3ke_individu.csv")}

    spelled_otherwise = [
        row
        for row in p3ke_truth
        if row["person_id"] in dtsen_names
        and p3ke_names[row["record_id"]].upper() != dtsen_names[row["person_id"]]
    ]

    assert {row["person_id"] for row in p3ke_truth} <= {row["person_id"] for row in dtsen_truth}
    assert len(spelled_otherwise) > 0.2 * len(p3ke_truth)
    assert all("name_" in row["dirt"] for row in spelled_otherwise)


def test_dirty_records_differ_from_the_truth(city_files):
    truth = city_files.rows("truth_persons.csv")
    written = {
        ("dtsen_anggota.csv", str(number)): (row["nama"], row["nomor_induk_kependudukan"])
        for number, row in enumerate(city_files.rows("dtsen_anggota.csv"), start=1)
    }
    written |= {
        ("p3ke_individu.csv", row["id_individu"]): (row["nama"], row["nik"])
        for row in city_files.rows("p3ke_individu.csv")
    }
    seen = Counter()
    for row in truth:
        name, nik = written[(row["file"], row["record_id"])]
        for kind in kinds(row["dirt"]):
            seen[kind] += 1
            if kind.startswith("name_"):
                assert name.upper() != row["true_name"].upper(), row
            if kind.startswith("nik_"):
                assert nik != row["true_nik"], row
        if not kinds(row["dirt"]) & set(NIK_DIRT):
            assert nik == row["true_nik"], row

    expected = {
        "duplicate",
        "deceased",
        "moved",
        "name_old_spelling",
        "name_title",
        "name_honorific",
        "name_abbreviation",
        "name_order",
        "name_patronym",
        "name_typo",
        *NIK_DIRT,
    }
    assert set(seen) == expected


def test_duplicates_are_second_records_of_listed_people(city_files):
    truth = [
        row for row in city_files.rows("truth_persons.csv") if row["file"] == "dtsen_anggota.csv"
    ]
    records = Counter(row["person_id"] for row in truth)
    duplicates = [row for row in truth if "duplicate" in kinds(row["dirt"])]

    assert len(duplicates) == city_files.manifest["counts"]["duplicate_persons"]
    assert all(records[row["person_id"]] >= 2 for row in duplicates)
    assert sum(count - 1 for count in records.values()) == len(duplicates)


def test_truth_rows_point_at_real_file_rows(city_files):
    files = city_files.manifest["files"]
    truth = city_files.rows("truth_persons.csv")
    households = city_files.rows("truth_households.csv")
    p3ke_ids = {row["id_individu"] for row in city_files.rows("p3ke_individu.csv")}
    p3ke_families = {row["id_keluarga_p3ke"] for row in city_files.rows("p3ke_individu.csv")}

    dtsen_records = [int(row["record_id"]) for row in truth if row["file"] == "dtsen_anggota.csv"]
    family_records = [
        int(row["record_id"]) for row in households if row["file"] == "dtsen_keluarga.csv"
    ]

    assert dtsen_records == list(range(1, files["dtsen_anggota.csv"] + 1))
    assert family_records == list(range(1, files["dtsen_keluarga.csv"] + 1))
    assert {row["record_id"] for row in truth if row["file"] == "p3ke_individu.csv"} == p3ke_ids
    assert {
        row["record_id"] for row in households if row["file"] == "p3ke_individu.csv"
    } == p3ke_families
    assert len(truth) == files["truth_persons.csv"]


def test_manifest_counts_match_the_files(city_files):
    manifest = city_files.manifest

    assert manifest["seed"] == 2025
    assert manifest["households_requested"] == 8000
    assert manifest["region"] == {
        "code": "33.74",
        "name": "Kota Semarang",
        "province": "Jawa Tengah",
        "profile": True,
    }
    assert manifest["counts"]["registry_households"] == manifest["files"]["dtsen_keluarga.csv"]
    assert manifest["counts"]["registry_persons"] == manifest["files"]["dtsen_anggota.csv"]
    assert manifest["counts"]["p3ke_persons"] == manifest["files"]["p3ke_individu.csv"]
    for name in FILES:
        with (city_files.folder / name).open(encoding="utf-8", newline="") as file:
            assert sum(1 for _row in csv.reader(file)) - 1 == manifest["files"][name]


def test_a_region_without_a_profile_is_spread_evenly_over_its_kelurahan(tmp_path):
    # given Kota Surakarta, for which entas ships no profile
    result = synthetic_files_write(households=540, seed=1, out_dir=tmp_path, region_code="33.72")

    with (tmp_path / "truth_households.csv").open(encoding="utf-8", newline="") as file:
        cards = [row for row in csv.DictReader(file) if row["file"] == "dtsen_keluarga.csv"]
    per_kelurahan = Counter(row["kelurahan"] for row in cards if row["dirt"] == "")
    # then every kelurahan of the region tree gets the same share and 1 % are extreme poor
    assert result.frame.name == "Kota Surakarta"
    assert result.frame.has_profile is False
    assert sum(per_kelurahan.values()) == 540
    assert max(per_kelurahan.values()) - min(per_kelurahan.values()) <= 2
    assert all(code.startswith("33.72.") for code in per_kelurahan)
    assert (result.tally.extreme_households, result.tally.extreme_persons) == (5, 22)
