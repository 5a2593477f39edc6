"""The linkage engine on files: normalised records, the Indonesian-aware model against the
synthetic ground truth, the deterministic NIK rules, the warm path against Splink's own
predict, clusters, and `entas linkage dedupe`."""

import io
import json
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from entas.linkage import engine, preparing, warm
from entas.linkage.clusters import clusters
from entas.linkage.commands import dedupe as dedupe_command
from entas.synth.linkage_files import linkage_persons


def records(*rows: dict) -> pl.DataFrame:
    return preparing.prepare(
        pl.DataFrame(list(rows), schema=dict.fromkeys(preparing.COLUMNS, pl.Utf8))
    )


def person(record_id: str, **fields) -> dict:
    return {"record_id": record_id} | fields


SITI = {
    "full_name": "Siti Aminah",
    "birth_date": "1972-08-02",
    "sex": "P",
    "kelurahan_code": "33.74.10.1001",
    "address": "Jl. Mulawarman Raya No. 5 RT 003 RW 002",
    "mother_name": "Tukiyem",
}


@pytest.fixture(scope="module")
def city(tmp_path_factory, django_db_blocker) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A synthetic city of 1,000 families: DTSEN and P3KE person records with ground truth."""
    out = tmp_path_factory.mktemp("city")
    with django_db_blocker.unblock():
        call_command("synth", households=1000, seed=5, out=out, verbosity=0)
    return linkage_persons(out)


def truth_pairs(truth: pl.DataFrame) -> set[tuple[str, str]]:
    joined = truth.join(truth, on="person_id").filter(
        pl.col("record_id") < pl.col("record_id_right")
    )
    return set(zip(joined["record_id"], joined["record_id_right"], strict=True))


def found_pairs(pairs: pl.DataFrame) -> set[tuple[str, str]]:
    return {
        (min(a, b), max(a, b))
        for a, b in zip(pairs["record_id_l"], pairs["record_id_r"], strict=True)
    }


def test_prepare_normalises_and_allows_missing_columns():
    prepared = preparing.prepare(
        pl.DataFrame(
            {
                "record_id": ["a", "b"],
                "full_name": ["Hj. Sitti Aminah binti Karto, S.Pd.", "  "],
                "nik": ["3374104208720001", "3.37410E+15"],
                "birth_date": ["1972-08-02", "02/08/1972"],
                "sex": ["Perempuan", "x"],
                "address": ["Jl. Mulawarman No. 5 RT.003/RW.002", None],
            }
        )
    )
    first, second = prepared.to_dicts()
    assert first["name"] == "siti amina"  # a final -ah is spelt both ways
    assert first["name_tokens"] == ["siti", "amina"]
    assert first["nik"] == "3374104208720001"
    assert first["sex"] == "P"
    assert first["rt_rw"] == "3/2"
    assert first["street"].startswith("jalan mulawarman")
    assert first["kelurahan_code"] is None  # the column was missing
    # Excel-mangled NIK, a date in another format, an unknown sex: all unknown, not wrong.
    assert second["nik"] is None
    assert second["birth_date"] is None
    assert second["sex"] is None
    assert second["name"] is None


def test_prepare_refuses_missing_or_repeated_record_ids():
    with pytest.raises(preparing.LinkageInputError, match="record_id"):
        preparing.prepare(pl.DataFrame({"full_name": ["Siti"]}))
    with pytest.raises(preparing.LinkageInputError, match="unik"):
        records(person("x", **SITI), person("x", **SITI))
    with pytest.raises(preparing.LinkageInputError, match="tanpa record_id"):
        records(person("", **SITI))


def test_indonesian_variants_of_one_person_match_and_a_neighbour_does_not():
    frame = records(
        person("dtsen", **SITI, nik="3374104208720001"),
        person(
            "kota",
            **(
                SITI
                | {
                    "full_name": "Bu Sitti Aminah binti Karto",
                    "address": "JL MULAWARMAN RAYA RT 3 RW 2",
                }
            ),
        ),
        person(
            "tetangga",
            **(
                SITI
                | {"full_name": "Siti Rahayu", "birth_date": "1975-01-30", "mother_name": "Painem"}
            ),
        ),
    )
    pairs = engine.default_matcher().dedupe(frame, threshold=0.5)
    assert found_pairs(pairs) == {("dtsen", "kota")}
    assert pairs["match_probability"][0] > 0.99


def test_same_nik_is_always_a_pair_and_a_conflict_when_birth_dates_differ():
    frame = records(
        person("a", **SITI, nik="3374104208720001"),
        person("b", full_name="Bambang", birth_date="1990-01-01", sex="L", nik="3374104208720001"),
        person(
            "c",
            **(SITI | {"full_name": "Dewi Rahmawati", "mother_name": "Sumiyati"}),
            nik="3374104208720002",
        ),
    )
    pairs = engine.default_matcher().dedupe(frame, threshold=0.99)
    rules = {(row["record_id_l"], row["record_id_r"]): row["rule"] for row in pairs.to_dicts()}
    assert rules[("a", "b")] == "nik_konflik"  # kept although improbable
    assert ("a", "c") not in rules  # born the same day on the same street: two people


def test_model_finds_the_synthetic_duplicates(city):
    persons, truth = city
    prepared = preparing.prepare(persons)
    pairs = engine.default_matcher().dedupe(prepared, threshold=0.9)
    expected, found = truth_pairs(truth), found_pairs(pairs)
    precision = len(found & expected) / len(found)
    recall = len(found & expected) / len(expected)
    assert precision >= 0.99
    assert recall >= 0.97


def test_warm_path_scores_exactly_as_splink_predicts(city):
    persons, _truth = city
    prepared = preparing.prepare(persons)
    matcher = engine.default_matcher()
    splink = matcher.dedupe(prepared, threshold=0.0)
    new = prepared.sample(200, seed=2)
    found = warm.WarmIndex(matcher, prepared).match(new, threshold=0.0)
    found = found.filter(pl.col("record_id_l") != pl.col("record_id_r"))
    theirs = {
        (min(a, b), max(a, b)): p
        for a, b, p in zip(
            splink["record_id_l"], splink["record_id_r"], splink["match_probability"], strict=True
        )
    }
    ours = {
        (min(a, b), max(a, b)): p
        for a, b, p in zip(
            found["record_id_l"], found["record_id_r"], found["match_probability"], strict=True
        )
    }
    assert set(ours) == {pair for pair in theirs if set(pair) & set(new["record_id"])}
    assert max(abs(ours[pair] - theirs[pair]) for pair in ours) < 1e-9


def test_explanation_names_each_field_and_its_weight():
    frame = records(
        person("a", **SITI, nik="3374104208720001"),
        person("b", **(SITI | {"full_name": "Aminah Siti"})),
    )
    rows = frame.to_dicts()
    explanation = engine.default_matcher().explain(rows[0], rows[1])
    by_field = {item["field"]: item for item in explanation}
    assert by_field["name"]["level"] == "Urutan kata berbeda"
    assert by_field["name"]["weight"] > 5
    assert by_field["birth_date"]["weight"] > 10
    assert by_field["birth_date"]["level"] == "Sama persis"
    assert by_field["kelurahan_code"]["level"] == "Sama persis"
    assert by_field["nik"]["weight"] == 0  # one side has none
    assert by_field["nik"]["left"] == "3374104208720001"


def test_clusters_are_connected_components():
    pairs = pl.DataFrame(
        {
            "record_id_l": ["a", "b", "x"],
            "record_id_r": ["b", "c", "y"],
            "match_probability": [0.99, 0.95, 0.2],
        }
    )
    grouped = clusters(pairs, ["a", "b", "c", "x", "y", "z"], threshold=0.9)
    assigned = dict(zip(grouped["record_id"], grouped["cluster_id"], strict=True))
    assert assigned == {"a": "a", "b": "a", "c": "a", "x": "x", "y": "y", "z": "z"}


def test_cli_file_mode_writes_pairs_and_clusters(tmp_path: Path, city):
    persons, truth = city
    source = tmp_path / "persons.csv"
    persons.write_csv(source)
    pairs_path, clusters_path = tmp_path / "pairs.csv", tmp_path / "clusters.csv"
    out = io.StringIO()
    status = dedupe_command.run(
        {
            "input": source,
            "output": pairs_path,
            "threshold": 0.95,
            "clusters": clusters_path,
            "model": None,
            "train": False,
        },
        out,
    )
    assert status == 0
    summary = json.loads(out.getvalue())
    pairs = pl.read_csv(pairs_path, infer_schema=False)
    assert pairs.columns == ["record_id_l", "record_id_r", "match_probability"]
    assert summary["pairs"] == pairs.height > 0
    probabilities = pairs["match_probability"].cast(pl.Float64)
    # Pairs under the threshold are only the deterministic same-NIK ones.
    low = pairs.filter(probabilities < 0.95)
    assert low.height <= summary["pairs"] // 10
    clusters = pl.read_csv(clusters_path, infer_schema=False)
    assert clusters.height == persons.height
    # Records of one synthetic person end up in one cluster, nearly always.
    joined = clusters.join(truth, on="record_id")
    split = joined.group_by("person_id").agg(pl.col("cluster_id").n_unique().alias("n"))
    assert (split["n"] > 1).sum() / split.height < 0.02


def test_cli_refuses_bad_input_with_exit_2(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("nama,nik\nSiti,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="record_id") as raised:
        call_command("linkage", "dedupe", "--input", str(bad), "--output", str(tmp_path / "p.csv"))
    assert raised.value.returncode == 2
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(CommandError, match="tidak dapat dibaca") as raised:
        call_command(
            "linkage", "dedupe", "--input", str(missing), "--output", str(tmp_path / "p.csv")
        )
    assert raised.value.returncode == 2
    with pytest.raises(CommandError, match="antara 0 dan 1"):
        call_command(
            "linkage",
            "dedupe",
            "--input",
            str(bad),
            "--output",
            str(tmp_path / "p.csv"),
            "--threshold",
            "2",
        )
    assert not (tmp_path / "p.csv").exists()


def test_training_on_too_little_data_says_so():
    frame = records(person("a", **SITI), person("b", **(SITI | {"full_name": "Bambang"})))
    with pytest.raises(preparing.LinkageInputError, match="terlalu sedikit"):
        engine.train(frame)


def test_address_from_separate_columns_leaves_blank_parts_out():
    frame = pl.DataFrame(
        {
            "address": ["Jl. Melati No. 5", None, "", "Gg. Mawar"],
            "rt": ["003", "", "4", None],
            "rw": ["002", None, "", "1"],
        }
    )
    joined = frame.select(
        preparing.address_with_rt_rw(pl.col("address"), pl.col("rt"), pl.col("rw"))
    ).to_series()
    assert joined.to_list() == ["Jl. Melati No. 5 RT 003 RW 002", None, "RT 4", "Gg. Mawar RW 1"]
    # Read back as the model reads it: the street and the RT/RW apart.
    prepared = records(person("a", address=joined[0]), person("b", address=joined[3]))
    assert prepared["rt_rw"].to_list() == ["3/2", "/1"]  # RT unknown, RW 1
    assert prepared["street"].to_list()[1] == "gang mawar"
