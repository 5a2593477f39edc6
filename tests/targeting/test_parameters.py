"""Rule sets and score weights as data: the shipped defaults pass, and every bad input is
refused with its own Indonesian message before anything reaches SQL."""

import copy
import datetime as dt
from typing import Any

import pytest

from entas.targeting import defaults, services
from entas.targeting.exceptions import TargetingError
from entas.targeting.models import RuleSet
from entas.targeting.parameters import Graduation, LineChoice, Rules, rules_from, weights_from
from entas.targeting.selectors import line_in_force

STATUSES = "ekstrem, miskin, rentan, tidak_miskin, tanpa_data, keluar"
OUTCOMES = "layak, mampu, pindah, meninggal, tidak_ditemukan, ganda"
VARIABLES = (
    "floor_type, wall_type, roof_type, water_source, lighting, cooking_fuel, toilet_facility, "
    "house_ownership"
)
REMOVE = object()


def changed(data: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A deep copy of `data` with the value at `path` replaced (or removed)."""
    result = copy.deepcopy(data)
    target = result
    for key in path[:-1]:
        target = target[key]
    if value is REMOVE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return result


def refusal(check, data: object) -> str:
    with pytest.raises(TargetingError) as caught:
        check(data)
    assert caught.value.code == "parameters"
    return caught.value.message


def test_the_default_rule_set_passes_with_its_values():
    assert rules_from(defaults.rules()) == Rules(
        extreme_line=LineChoice(kind="ekstrem", basis="USD 2.15 PPP 2017"),
        poverty_line=LineChoice(kind="kemiskinan", basis=""),
        vulnerable_multiple=1.2,
        desil_ekstrem=1,
        desil_miskin=2,
        desil_rentan=4,
        finding_valid_days=365,
        finding_outcomes={
            "layak": "ekstrem",
            "mampu": "tidak_miskin",
            "pindah": "keluar",
            "meninggal": "keluar",
            "tidak_ditemukan": "keluar",
            "ganda": "keluar",
        },
        candidate_share=0.1,
        graduation=Graduation(periods=2, above="ekstrem", confirmed_by_finding=True),
        compare=("ekstrem",),
    )


def test_the_default_weights_pass_with_their_values():
    weights = weights_from(defaults.score_weights())
    assert (weights.intercept, weights.members_from, weights.members_points) == (60.0, 5, -3.0)
    assert (weights.area_below, weights.area_points) == (8.0, -6.0)
    assert weights.categorical["floor_type"] == {
        "tanah": -10.0,
        "bambu": -8.0,
        "kayu": -4.0,
        "semen": -2.0,
        "keramik": 3.0,
        "parket": 4.0,
        "marmer": 6.0,
    }
    assert sorted(weights.categorical) == sorted(VARIABLES.split(", "))
    assert weights.assets["mobil"] == 12.0
    assert len(weights.assets) == 16


def test_optional_parts_of_a_rule_set_have_defaults():
    data = changed(defaults.rules(), ("compare",), REMOVE)
    data = changed(data, ("graduation", "confirmed_by_finding"), REMOVE)
    data = changed(data, ("findings", "outcomes"), {"layak": "ekstrem", "mampu": ""})
    data = changed(data, ("extreme_line", "basis"), REMOVE)
    rules = rules_from(data)
    assert rules.compare == ("ekstrem",)
    assert rules.graduation.confirmed_by_finding is True
    assert rules.finding_outcomes == {"layak": "ekstrem"}
    assert rules.extreme_line == LineChoice(kind="ekstrem", basis="")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("desil",), REMOVE, "Bagian “desil” tidak ada atau bukan objek."),
        (("desil",), [1, 2, 4], "Bagian “desil” tidak ada atau bukan objek."),
        (("desil", "ekstrem"), "1", "Parameter “desil.ekstrem” harus berupa angka."),
        (("desil", "miskin"), True, "Parameter “desil.miskin” harus berupa angka."),
        (("desil", "rentan"), REMOVE, "Parameter “desil.rentan” harus berupa angka."),
        (("desil", "rentan"), 11, "Parameter “desil.rentan” harus antara 0 dan 10."),
        (("desil", "ekstrem"), 3, "Batas desil harus naik: ekstrem ≤ miskin ≤ rentan."),
        (("findings",), REMOVE, "Bagian “findings” tidak ada atau bukan objek."),
        (
            ("findings", "outcomes"),
            {"hilang": "keluar"},
            f"“findings.outcomes” hanya boleh memuat hasil: {OUTCOMES}.",
        ),
        (
            ("findings", "outcomes"),
            ["layak"],
            f"“findings.outcomes” hanya boleh memuat hasil: {OUTCOMES}.",
        ),
        (
            ("findings", "outcomes", "mampu"),
            "kaya",
            f"“findings.outcomes.mampu” harus salah satu status: {STATUSES}.",
        ),
        (("graduation",), REMOVE, "Bagian “graduation” tidak ada atau bukan objek."),
        (("compare",), [], "“compare” harus daftar status yang dibandingkan antarperiode."),
        (("compare",), "ekstrem", "“compare” harus daftar status yang dibandingkan antarperiode."),
        (("extreme_line",), REMOVE, "Bagian “extreme_line” tidak ada atau bukan objek."),
        (
            ("extreme_line", "kind"),
            "bps",
            "“extreme_line.kind” harus salah satu dari: ekstrem, kemiskinan, lokal.",
        ),
        (("poverty_line", "basis"), 2023, "“poverty_line.basis” harus teks (paling panjang 80)."),
        (
            ("poverty_line", "basis"),
            "x" * 81,
            "“poverty_line.basis” harus teks (paling panjang 80).",
        ),
        (
            ("vulnerable_multiple",),
            0.9,
            "Parameter “vulnerable_multiple” harus antara 1 dan 5.",
        ),
        (
            ("vulnerable_multiple",),
            float("nan"),
            "Parameter “vulnerable_multiple” harus antara 1 dan 5.",
        ),
        (
            ("findings", "valid_days"),
            0,
            "Parameter “findings.valid_days” harus antara 1 dan 3660.",
        ),
        (("candidates",), REMOVE, "Bagian “candidates” tidak ada atau bukan objek."),
        (("candidates", "share"), 1.5, "Parameter “candidates.share” harus antara 0 dan 1."),
        (
            ("graduation", "periods"),
            13,
            "Parameter “graduation.periods” harus antara 1 dan 12.",
        ),
        (
            ("graduation", "above"),
            "miskin sekali",
            f"“graduation.above” harus salah satu status: {STATUSES}.",
        ),
        (("compare",), ["ekstrem", "fakir"], f"“compare” harus salah satu status: {STATUSES}."),
    ],
)
def test_a_bad_rule_set_is_refused_with_its_message(path, value, message):
    assert refusal(rules_from, changed(defaults.rules(), path, value)) == message


@pytest.mark.parametrize("data", [None, [], "aturan", 1])
def test_a_rule_set_must_be_an_object(data):
    assert refusal(rules_from, data) == "Aturan harus berupa objek JSON."


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("members",), REMOVE, "Bagian “members” tidak ada atau bukan objek."),
        (
            ("floor_area_per_person",),
            8,
            "Bagian “floor_area_per_person” tidak ada atau bukan objek.",
        ),
        (("categorical",), REMOVE, "Bagian “categorical” tidak ada atau bukan objek."),
        (
            ("categorical", "income"),
            {"rendah": -5},
            f"Variabel “income” tidak dikenal; yang dikenal: {VARIABLES}.",
        ),
        (("intercept",), "60", "Parameter “intercept” harus berupa angka."),
        (("intercept",), 1001, "Parameter “intercept” harus antara -1000 dan 1000."),
        (("members", "from"), 0, "Parameter “members.from” harus antara 1 dan 30."),
        (
            ("members", "points_each"),
            -101,
            "Parameter “members.points_each” harus antara -100 dan 100.",
        ),
        (
            ("floor_area_per_person", "below"),
            -1,
            "Parameter “floor_area_per_person.below” harus antara 0 dan 1000.",
        ),
        (
            ("floor_area_per_person", "points"),
            None,
            "Parameter “floor_area_per_person.points” harus berupa angka.",
        ),
        (("categorical", "floor_type"), [], "Bagian “floor_type” tidak ada atau bukan objek."),
        (
            ("categorical", "floor_type", "emas"),
            5,
            "Kode “emas” di “floor_type” tidak dikenal.",
        ),
        (
            ("categorical", "floor_type", "Tanah; DROP"),
            5,
            "Kode “Tanah; DROP” di “floor_type” tidak dikenal.",
        ),
        (
            ("categorical", "floor_type", "tanah"),
            "-10",
            "Parameter “floor_type.tanah” harus berupa angka.",
        ),
        (("assets",), REMOVE, "Bagian “assets” tidak ada atau bukan objek."),
        (("assets", "kuda"), 4, "Kode “kuda” di “assets” tidak dikenal."),
        (("assets", "mobil"), 5000, "Parameter “assets.mobil” harus antara -1000 dan 1000."),
    ],
)
def test_bad_weights_are_refused_with_their_message(path, value, message):
    assert refusal(weights_from, changed(defaults.score_weights(), path, value)) == message


@pytest.mark.parametrize("data", [None, [], "bobot", 1.5])
def test_weights_must_be_an_object(data):
    assert refusal(weights_from, data) == "Bobot harus berupa objek JSON."


@pytest.mark.parametrize("region", ["3", "33.7", "33-74", "x", 33])
def test_a_pinned_line_region_must_be_a_region_code(region):
    data = changed(defaults.rules(), ("poverty_line", "region"), region)
    assert refusal(rules_from, data) == (
        "“poverty_line.region” harus kode wilayah seperti 00, 33 atau 33.74 (atau kosong)."
    )


@pytest.mark.django_db
def test_a_pinned_region_chooses_the_provincial_line_over_a_newer_national_one():
    rules = rules_from(changed(defaults.rules(), ("poverty_line", "region"), "33"))
    on = dt.date(2025, 6, 30)

    pinned = line_in_force(choice=rules.poverty_line, on=on)
    newest = line_in_force(choice=rules_from(defaults.rules()).poverty_line, on=on)

    assert (pinned.region_code, pinned.effective_from, pinned.amount) == (
        "33",
        dt.date(2024, 9, 1),
        521093,
    )
    assert (newest.region_code, newest.effective_from, newest.amount) == (
        "00",
        dt.date(2025, 3, 1),
        609160,
    )


@pytest.mark.django_db
def test_a_rule_set_with_a_nul_character_is_refused_before_the_database(admin_dinsos):
    data = changed(defaults.rules(), ("extreme_line", "basis"), "USD 2.15\x00")
    with pytest.raises(TargetingError, match="karakter NUL"):
        services.rules_load(actor=admin_dinsos, name="x", parameters=data)
    assert RuleSet.objects.count() == 1
