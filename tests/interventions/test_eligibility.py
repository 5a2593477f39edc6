"""Eligibility as data: checking conditions, explaining them, and evaluating them in Polars."""

import polars as pl
import pytest

from entas.interventions.eligibility import (
    conditions_expression,
    eligibility_explain,
    eligibility_reasons,
    eligibility_validate,
    group_choice_expression,
    receipt_column,
)


def test_valid_conditions_have_no_errors():
    conditions = [
        {"field": "household.status", "op": "in", "value": ["ekstrem"]},
        {"field": "need.kind", "op": "in", "value": ["alat_bantu"]},
        {"field": "person.age", "op": "between", "value": [0, 4]},
        {"field": "person.sex", "op": "eq", "value": "P"},
        {"field": "person.disability", "op": "is", "value": True},
        {"field": "household.members", "op": "gte", "value": 4},
        {"field": "welfare.floor_type", "op": "in", "value": ["tanah"]},
        {"field": "household.receives", "op": "not_in", "value": ["pkh"]},
    ]

    assert eligibility_validate(conditions) == []


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({"field": "person.age"}, "Syarat harus berupa daftar (JSON list) kondisi."),
        (
            [{"field": "person.age", "op": "gte"}],
            'Syarat ke-1 harus berisi tepat "field", "op" dan "value".',
        ),
        (
            [{"field": "person.height", "op": "gte", "value": 1}],
            "Syarat ke-1: kolom person.height tidak dikenal.",
        ),
        (
            [{"field": "person.age", "op": "in", "value": [1]}],
            "Syarat ke-1: operator in tidak berlaku untuk person.age"
            " (pakai: eq, ne, lt, lte, gt, gte, between).",
        ),
        (
            [{"field": "person.age", "op": "gte", "value": "18"}],
            "Syarat ke-1 (person.age): nilainya harus angka.",
        ),
        (
            [{"field": "person.age", "op": "gte", "value": True}],
            "Syarat ke-1 (person.age): nilainya harus angka.",
        ),
        (
            [{"field": "person.age", "op": "between", "value": [5]}],
            "Syarat ke-1 (person.age): nilainya harus dua angka [dari, sampai].",
        ),
        (
            [{"field": "person.age", "op": "between", "value": [9, 4]}],
            "Syarat ke-1 (person.age): angka pertama harus ≤ angka kedua.",
        ),
        (
            [{"field": "person.disability", "op": "is", "value": "ya"}],
            "Syarat ke-1 (person.disability): nilainya harus true atau false.",
        ),
        (
            [{"field": "household.status", "op": "in", "value": ["sangat_miskin", "ekstrem"]}],
            "Syarat ke-1 (household.status): kode tidak dikenal: sangat_miskin.",
        ),
        (
            [{"field": "household.receives", "op": "not_in", "value": []}],
            "Syarat ke-1 (household.receives): nilainya harus daftar kode yang tidak kosong.",
        ),
        (
            [{"field": "person.sex", "op": "eq", "value": 1}],
            "Syarat ke-1 (person.sex): nilainya harus kode (teks).",
        ),
    ],
)
def test_invalid_conditions_are_explained_in_indonesian(conditions, message):
    assert eligibility_validate(conditions) == [message]


def test_every_bad_condition_is_reported_with_its_position():
    conditions = [
        {"field": "person.age", "op": "gte", "value": 18},
        {"field": "x", "op": "eq", "value": 1},
        {"field": "need.kind", "op": "eq", "value": "mobil"},
    ]

    assert eligibility_validate(conditions) == [
        "Syarat ke-2: kolom x tidak dikenal.",
        "Syarat ke-3 (need.kind): kode tidak dikenal: mobil.",
    ]


def test_conditions_are_explained_as_sentences():
    conditions = [
        {"field": "household.status", "op": "in", "value": ["ekstrem"]},
        {"field": "person.age", "op": "between", "value": [0, 4]},
        {"field": "person.age", "op": "gte", "value": 60},
        {"field": "person.is_working", "op": "is", "value": False},
        {"field": "need.kind", "op": "in", "value": ["alat_bantu", "pangan"]},
        {"field": "household.receives", "op": "not_in", "value": ["pkh", "blt"]},
        {"field": "household.receives", "op": "in", "value": ["pip"]},
        {"field": "welfare.floor_type", "op": "not_in", "value": ["keramik"]},
    ]

    assert eligibility_explain(conditions) == [
        "status keluarga pada periode: Miskin ekstrem",
        "usia anggota 0–4 tahun",
        "usia anggota ≥ 60 tahun",
        "bukan: anggota bekerja",
        "kebutuhan tercatat: Alat bantu disabilitas, Bantuan pangan",
        "program nasional yang diterima: bukan PKH (Program Keluarga Harapan), BLT",
        "program nasional yang diterima: salah satu dari PIP/KIP (Program Indonesia Pintar)",
        "jenis lantai: bukan Keramik",
    ]


def test_no_conditions_is_explained():
    assert eligibility_explain([]) == ["tanpa syarat khusus (semua keluarga sasaran periode)"]


PERSONS = pl.DataFrame(
    {
        "person_id": [1, 2, 3, 4],
        "age": [3, 30, None, 70],
        "sex": ["P", "L", "P", None],
        "disability": [False, True, False, True],
        "is_working": [None, True, False, False],
    }
)


def matching(frame: pl.DataFrame, conditions: list[dict]) -> list[int]:
    return frame.filter(conditions_expression(conditions))["person_id"].to_list()


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "person.age", "op": "between", "value": [0, 4]}, [1]),
        ({"field": "person.age", "op": "lt", "value": 30}, [1]),
        ({"field": "person.age", "op": "lte", "value": 30}, [1, 2]),
        ({"field": "person.age", "op": "gt", "value": 30}, [4]),
        ({"field": "person.age", "op": "gte", "value": 30}, [2, 4]),
        ({"field": "person.age", "op": "eq", "value": 70}, [4]),
        ({"field": "person.age", "op": "ne", "value": 70}, [1, 2]),  # unknown age never fits
        ({"field": "person.sex", "op": "eq", "value": "P"}, [1, 3]),
        ({"field": "person.sex", "op": "ne", "value": "P"}, [2]),
        ({"field": "person.sex", "op": "in", "value": ["P", "L"]}, [1, 2, 3]),
        ({"field": "person.sex", "op": "not_in", "value": ["P"]}, [2]),
        ({"field": "person.disability", "op": "is", "value": True}, [2, 4]),
        ({"field": "person.is_working", "op": "is", "value": False}, [3, 4]),
    ],
)
def test_conditions_evaluate_in_polars_and_unknown_values_never_fit(condition, expected):
    assert matching(PERSONS, [condition]) == expected


def test_all_conditions_must_hold_and_none_means_everyone():
    both = [
        {"field": "person.disability", "op": "is", "value": True},
        {"field": "person.age", "op": "gte", "value": 60},
    ]

    assert matching(PERSONS, both) == [4]
    assert matching(PERSONS, []) == [1, 2, 3, 4]


def test_national_receipts_match_any_or_none_of_the_listed_programmes():
    households = pl.DataFrame(
        {
            "person_id": [1, 2, 3],
            receipt_column("pkh"): [True, False, False],
            receipt_column("blt"): [False, True, False],
        }
    )

    assert matching(
        households, [{"field": "household.receives", "op": "in", "value": ["pkh", "blt"]}]
    ) == [1, 2]
    assert matching(
        households, [{"field": "household.receives", "op": "not_in", "value": ["pkh", "blt"]}]
    ) == [3]


# --- "any of" groups ---------------------------------------------------------------------

ELDERLY = {"field": "person.age", "op": "gte", "value": 60}
DISABLED = {"field": "person.disability", "op": "is", "value": True}
EARTH_FLOOR = {"field": "welfare.floor_type", "op": "in", "value": ["tanah"]}
BAMBOO_WALLS = {"field": "welfare.wall_type", "op": "in", "value": ["bambu", "anyaman_bambu"]}
SOMEONE_OLD = {"field": "household.elderly", "op": "gte", "value": 1}
FOOD = {"field": "need.kind", "op": "eq", "value": "pangan"}
RICE = {"field": "need.detail", "op": "eq", "value": "beras"}


def test_groups_of_one_subject_are_valid_and_household_and_welfare_count_as_one():
    conditions = [
        {"field": "household.status", "op": "in", "value": ["ekstrem"]},
        {"any": [ELDERLY, DISABLED]},
        {"any": [EARTH_FLOOR, BAMBOO_WALLS, SOMEONE_OLD]},
        {"any": [FOOD, RICE]},
    ]

    assert eligibility_validate(conditions) == []


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ({"any": []}, 'Syarat ke-2: kelompok "any" kosong; isi paling sedikit dua kondisi.'),
        (
            {"any": [ELDERLY]},
            'Syarat ke-2: kelompok "any" hanya berisi satu kondisi; tulis kondisi itu tanpa'
            " kelompok.",
        ),
        ({"any": ELDERLY}, 'Syarat ke-2: isi "any" harus berupa daftar kondisi.'),
        (
            {"any": [ELDERLY, DISABLED], "field": "person.age", "note": "lansia"},
            'Syarat ke-2: kelompok hanya boleh berisi kunci "any" (kunci lain: field, note).',
        ),
        (
            {"any": [ELDERLY, {"any": [DISABLED, ELDERLY]}]},
            "Syarat ke-2, pilihan ke-2: kelompok tidak boleh berada di dalam kelompok lain.",
        ),
        (
            {"any": [ELDERLY, EARTH_FLOOR]},
            "Syarat ke-2: semua pilihan dalam satu kelompok harus tentang hal yang sama"
            " (keluarga, satu anggota, atau satu kebutuhan), bukan campuran anggota dan"
            " keluarga.",
        ),
        (
            {"any": [FOOD, DISABLED]},
            "Syarat ke-2: semua pilihan dalam satu kelompok harus tentang hal yang sama"
            " (keluarga, satu anggota, atau satu kebutuhan), bukan campuran kebutuhan dan"
            " anggota.",
        ),
        (
            {"any": [ELDERLY, {"field": "person.age", "op": "gte"}]},
            'Syarat ke-2, pilihan ke-2 harus berisi tepat "field", "op" dan "value".',
        ),
    ],
)
def test_a_bad_group_is_refused_with_its_position(group, message):
    assert eligibility_validate([DISABLED, group]) == [message]


def test_every_bad_condition_in_a_group_is_reported_with_both_positions():
    group = {
        "any": [
            ELDERLY,
            {"field": "person.age", "op": "gte", "value": "enam puluh"},
            {"field": "person.height", "op": "gte", "value": 150},
            {"field": "person.sex", "op": "is", "value": "P"},
        ]
    }

    assert eligibility_validate([ELDERLY, group, {"field": "x", "op": "eq", "value": 1}]) == [
        "Syarat ke-2, pilihan ke-2 (person.age): nilainya harus angka.",
        "Syarat ke-2, pilihan ke-3: kolom person.height tidak dikenal.",
        "Syarat ke-2, pilihan ke-4: operator is tidak berlaku untuk person.sex"
        " (pakai: eq, ne, in, not_in).",
        "Syarat ke-3: kolom x tidak dikenal.",
    ]


def test_a_group_reads_as_one_sentence():
    conditions = [
        {"field": "household.status", "op": "in", "value": ["ekstrem"]},
        {"any": [ELDERLY, DISABLED]},
        {"any": [EARTH_FLOOR, BAMBOO_WALLS, SOMEONE_OLD]},
    ]

    assert eligibility_explain(conditions) == [
        "status keluarga pada periode: Miskin ekstrem",
        "salah satu: usia anggota ≥ 60 tahun; atau anggota penyandang disabilitas",
        "salah satu: jenis lantai: Tanah; jenis dinding: Bambu, Anyaman bambu; atau jumlah"
        " anggota berusia 60 tahun ke atas ≥ 1",
    ]


def test_reasons_name_the_one_alternative_that_held_else_the_group():
    conditions = [{"field": "person.sex", "op": "eq", "value": "P"}, {"any": [ELDERLY, DISABLED]}]

    assert eligibility_reasons(conditions, {1: 1}) == [
        "jenis kelamin anggota: Perempuan",
        "anggota penyandang disabilitas",
    ]
    assert eligibility_reasons(conditions, {1: None}) == [
        "jenis kelamin anggota: Perempuan",
        "salah satu: usia anggota ≥ 60 tahun; atau anggota penyandang disabilitas",
    ]


# Every pairing of an age at least 60 (true, false, unknown) with a disability (the same).
TRUTH = pl.DataFrame(
    {
        "person_id": [1, 2, 3, 4, 5, 6, 7, 8, 9],
        "age": [65, 65, 65, 30, 30, 30, None, None, None],
        "disability": [True, False, None, True, False, None, True, False, None],
        "sex": ["P", "L", "P", "P", "P", "P", "L", "P", "P"],
    }
)


def test_a_group_is_the_or_of_its_conditions_and_unknown_never_satisfies():
    assert matching(TRUTH, [{"any": [ELDERLY, DISABLED]}]) == [1, 2, 3, 4, 7]


def test_a_group_and_plain_conditions_must_all_hold():
    women = {"field": "person.sex", "op": "eq", "value": "P"}

    assert matching(TRUTH, [women, {"any": [ELDERLY, DISABLED]}]) == [1, 3, 4]


def test_the_choice_of_a_group_is_its_one_alternative_that_held():
    chosen = TRUTH.select(group_choice_expression({"any": [ELDERLY, DISABLED]}).alias("choice"))

    assert chosen["choice"].to_list() == [None, 0, 0, 1, None, None, 1, None, None]
