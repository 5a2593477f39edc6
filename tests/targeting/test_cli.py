"""`entas classify`: a period from the shell, its summary, comparison, freezing, files."""

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command
from tests.factories import make_household

from entas.registry.models import WelfareRecord
from entas.targeting import engine
from entas.targeting.models import Classification, Period


def _family(expenditure: int, *, as_of: dt.date = dt.date(2025, 1, 15)):
    household = make_household()
    WelfareRecord.objects.create(
        household=household, as_of=as_of, source="manual", expenditure_per_capita=expenditure
    )
    return household


def _classify(*arguments: str) -> str:
    out = io.StringIO()
    call_command("classify", *arguments, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_month_code_creates_the_period_and_prints_the_count_per_status(regions):
    poorest, poor, better_off = _family(300_000), _family(500_000), _family(900_000)

    printed = _classify("--period", "2025-01")

    period = Period.objects.get(code="2025-01")
    assert (period.name, period.starts_on, period.ends_on) == (
        "Januari 2025",
        dt.date(2025, 1, 1),
        dt.date(2025, 1, 31),
    )
    statuses = dict(Classification.objects.values_list("household_id", "status"))
    assert statuses == {poorest.pk: "ekstrem", poor.pk: "miskin", better_off.pk: "tidak_miskin"}
    lines = printed.splitlines()
    assert lines[0] == "Januari 2025 (2025-01-01 – 2025-01-31)"
    assert "  Miskin ekstrem                  1" in lines
    assert "  Tidak miskin                    1" in lines
    assert any(line.startswith("Garis kemiskinan ekstrem Rp391.000/orang/bulan") for line in lines)


@pytest.mark.django_db
def test_compare_prints_who_entered_and_left_since_an_earlier_period(regions):
    rising, falling = _family(300_000), _family(700_000)
    _classify("--period", "2025-01")
    WelfareRecord.objects.create(
        household=rising,
        as_of=dt.date(2025, 4, 15),
        source="manual",
        expenditure_per_capita=800_000,
    )
    WelfareRecord.objects.create(
        household=falling,
        as_of=dt.date(2025, 4, 15),
        source="manual",
        expenditure_per_capita=350_000,
    )

    printed = _classify("--period", "2025-Q2", "--compare", "2025-01")

    assert "Januari 2025 → Triwulan II 2025: masuk 1, kembali 0, keluar 1, tetap 0" in printed


@pytest.mark.django_db
def test_a_code_without_dates_is_refused_and_creates_nothing(regions):
    with pytest.raises(CommandError, match="belum ada. Buat dengan --from dan --to") as raised:
        _classify("--period", "musim-hujan")
    assert raised.value.returncode == 2
    assert not Period.objects.exists()


@pytest.mark.django_db
def test_a_period_without_a_line_in_force_is_not_kept(regions):
    _family(300_000)
    with pytest.raises(CommandError, match="Tidak ada garis kemiskinan ekstrem"):
        _classify("--period", "2024-06")  # the USD 2.15 line is in force from 2025 only
    assert not Period.objects.exists()


@pytest.mark.django_db
def test_a_frozen_period_refuses_a_second_classification(regions):
    _family(300_000)
    _classify("--period", "2025-01", "--freeze")
    before = list(Classification.objects.values_list("household_id", "status"))
    _family(200_000)

    with pytest.raises(CommandError, match="sudah dibekukan"):
        _classify("--period", "2025-01")
    assert list(Classification.objects.values_list("household_id", "status")) == before


def _input_rows(expenditures: list[int | None]) -> pl.DataFrame:
    rows = []
    for number, expenditure in enumerate(expenditures, start=1):
        row: dict[str, object] = dict.fromkeys(engine.INPUT_COLUMNS)
        row |= {
            "household_id": number,
            "kelurahan_id": "33.74.10.1001",
            "members": 4,
            "expenditure": expenditure,
            "expenditure_source": "dtsen",
            "desil": 3,
            "desil_source": "dtsen_nasional",
            "finding_outcome": "",
            "has_housing": 0,
        }
        rows.append(row)
    schema = {name: pl.Int64 for name in engine.INPUT_COLUMNS} | {
        name: pl.String
        for name in engine.INPUT_COLUMNS
        if name.endswith(("_id", "_source", "_outcome", "_type", "_as_of"))
        or name
        in {"water_source", "lighting", "cooking_fuel", "toilet_facility", "house_ownership"}
    }
    schema["household_id"] = pl.Int64
    schema["finding_id"] = pl.Int64
    return pl.DataFrame(rows, schema=schema)


@pytest.mark.django_db
def test_files_are_classified_with_duckdb_under_the_lines_in_force(regions, tmp_path: Path):
    source, result = tmp_path / "masukan.parquet", tmp_path / "hasil.parquet"
    _input_rows([390_999, 391_000, 609_159, None]).write_parquet(source)

    printed = _classify("--files", str(source), "--out", str(result), "--on", "2025-06-30")

    frame = pl.read_parquet(result).sort("household_id")
    assert frame["status"].to_list() == ["ekstrem", "miskin", "miskin", "rentan"]
    assert frame["rule"].to_list() == ["pengeluaran"] * 3 + ["desil"]
    assert "4 keluarga diklasifikasi" in printed


@pytest.mark.django_db
def test_files_missing_a_column_are_refused_by_name(regions, tmp_path: Path):
    source = tmp_path / "masukan.parquet"
    _input_rows([300_000]).drop("desil").write_parquet(source)

    with pytest.raises(CommandError, match="Kolom berikut tidak ada di berkas masukan: desil."):
        _classify(
            "--files", str(source), "--out", str(tmp_path / "x.parquet"), "--on", "2025-06-30"
        )
