"""Synthetic quarters (`entas synth_quarter`): a period comparison shows entries and exits."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from tests.factories import make_household

from entas.core.models import AuditEvent
from entas.registry.models import Household, WelfareRecord
from entas.synth.exceptions import SynthError
from entas.synth.quarters import synthetic_quarter_write
from entas.synth.services import synthetic_registry_load
from entas.targeting import selectors, services
from entas.targeting.models import Classification, Period

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 3000  # the extreme group is scaled down to 600 families (20 %)
EXTREME_LINE = 391_000
JANUARY = ("2025-01", "Januari 2025", dt.date(2025, 1, 1), dt.date(2025, 1, 31))
SECOND = ("2025-Q2", "Triwulan II 2025", dt.date(2025, 4, 1), dt.date(2025, 6, 30))
THIRD = ("2025-Q3", "Triwulan III 2025", dt.date(2025, 7, 1), dt.date(2025, 9, 30))
APRIL, JULY = dt.date(2025, 4, 15), dt.date(2025, 7, 15)


@pytest.fixture
def city(regions) -> None:
    synthetic_registry_load(households=HOUSEHOLDS, seed=11)


def classified(code: str, name: str, starts_on: dt.date, ends_on: dt.date) -> Period:
    period = Period.objects.filter(code=code).first() or services.period_create(
        actor=None, code=code, name=name, starts_on=starts_on, ends_on=ends_on
    )
    services.period_classify(actor=None, period=period)
    period.refresh_from_db()
    return period


def moves(first: Period, second: Period) -> dict[str, int]:
    total = selectors.period_compare(first=first, second=second).total
    return {
        "entered": total.entered,
        "came_back": total.came_back,
        "left": total.left,
        "stayed": total.stayed,
    }


def quarter_spending() -> list[tuple[str, int | None, int | None]]:
    """The quarter's records in the city's order (KK number), independent of database ids."""
    return list(
        WelfareRecord.objects.filter(as_of=APRIL)
        .order_by("household__kk_number", "household_id")
        .values_list("household__kk_number", "expenditure_per_capita", "desil")
    )


def test_a_quarter_later_some_families_left_extreme_poverty_and_some_fell_into_it(city):
    # given January classified
    january = classified(*JANUARY)
    # when a quarter is written and the second quarter classified
    result = synthetic_quarter_write(as_of=APRIL, seed=2)
    second = classified(*SECOND)
    # then the comparison shows plausible flows
    counts = moves(january, second)
    in_a = counts["left"] + counts["stayed"]
    assert counts["entered"] > 0
    assert counts["left"] > 0
    assert counts["stayed"] > 0
    assert counts["came_back"] == 0  # nobody was listed before January
    assert counts["left"] < in_a
    assert 0.15 <= counts["left"] / in_a <= 0.25
    assert counts["entered"] < counts["left"]  # the extreme group shrinks
    assert (counts["left"], counts["entered"]) == (result.risen, result.fallen)
    assert second.summary["counts"]["ekstrem"] == in_a - counts["left"] + counts["entered"]


def test_every_family_counted_as_left_is_not_extreme_in_the_second_quarter(city):
    january = classified(*JANUARY)
    synthetic_quarter_write(as_of=APRIL, seed=2)
    second = classified(*SECOND)

    extreme_in_january = set(
        Classification.objects.filter(period=january, status="ekstrem").values_list(
            "household_id", flat=True
        )
    )
    status_in_second = dict(
        Classification.objects.filter(period=second).values_list("household_id", "status")
    )
    left = {h for h in extreme_in_january if status_in_second.get(h) != "ekstrem"}
    assert len(left) == moves(january, second)["left"]
    assert {status_in_second[h] for h in left} <= {"miskin", "rentan", "tidak_miskin"}
    rows = Classification.objects.filter(period=second, household_id__in=left)
    assert all(row.expenditure >= EXTREME_LINE for row in rows)
    assert all(row.expenditure_as_of == APRIL for row in rows)


def test_the_same_seed_gives_the_same_quarter_and_the_same_comparison(city):
    # given a quarter written and compared
    january = classified(*JANUARY)
    synthetic_quarter_write(as_of=APRIL, seed=2)
    first_records, first_counts = quarter_spending(), moves(january, classified(*SECOND))
    # when it is written again with the same seed, and the period classified again
    replaced = synthetic_quarter_write(as_of=APRIL, seed=2, replace=True)
    second_records, second_counts = quarter_spending(), moves(january, classified(*SECOND))
    # then nothing differs; another seed gives another quarter
    assert replaced.replaced == len(first_records) == Household.objects.count()
    assert second_records == first_records
    assert second_counts == first_counts
    synthetic_quarter_write(as_of=APRIL, seed=3, replace=True)
    assert quarter_spending() != first_records


def test_a_third_quarter_shows_a_family_that_came_back(city):
    january = classified(*JANUARY)
    synthetic_quarter_write(as_of=APRIL, seed=2)
    second = classified(*SECOND)
    synthetic_quarter_write(as_of=JULY, seed=3)
    third = classified(*THIRD)

    counts = moves(second, third)
    assert counts["came_back"] > 0
    came_back = _came_back(january, second, third)
    assert len(came_back) == counts["came_back"]
    for household in came_back:
        history = dict(
            Classification.objects.filter(household_id=household).values_list(
                "period__code", "status"
            )
        )
        assert history["2025-01"] == "ekstrem"
        assert history["2025-Q2"] != "ekstrem"
        assert history["2025-Q3"] == "ekstrem"


def _came_back(*periods: Period) -> set[int]:
    january, second, third = (
        set(
            Classification.objects.filter(period=period, status="ekstrem").values_list(
                "household_id", flat=True
            )
        )
        for period in periods
    )
    return (third - second) & january


def test_households_point_at_the_new_record_and_keep_desil_and_housing_mostly(city):
    before = {
        household.pk: household.current_welfare
        for household in Household.objects.select_related("current_welfare")
    }

    synthetic_quarter_write(as_of=APRIL, seed=2)

    after = {
        household.pk: household.current_welfare
        for household in Household.objects.select_related("current_welfare")
    }
    assert {record.as_of for record in after.values()} == {APRIL}
    assert all(after[h].floor_type == before[h].floor_type for h in before)
    assert all(after[h].assets == before[h].assets for h in before)
    kept_desil = sum(after[h].desil == before[h].desil for h in before)
    assert 0.95 * len(before) <= kept_desil < len(before)
    assert all(abs(after[h].desil - before[h].desil) <= 1 for h in before)


def test_a_quarter_of_the_same_date_is_refused_without_replace_and_nothing_changes(city):
    synthetic_quarter_write(as_of=APRIL, seed=2)
    records, events = WelfareRecord.objects.count(), AuditEvent.objects.count()

    with pytest.raises(CommandError, match="Tambahkan --replace"):
        call_command("synth_quarter", "--as-of", "2025-04-15", "--seed", "2", stdout=io.StringIO())

    assert (WelfareRecord.objects.count(), AuditEvent.objects.count()) == (records, events)


def test_a_registry_with_real_families_is_refused(city):
    make_household()
    records = WelfareRecord.objects.count()

    with pytest.raises(SynthError) as raised:
        synthetic_quarter_write(as_of=APRIL, seed=2)

    assert raised.value.code == "registry_not_synthetic"
    assert WelfareRecord.objects.count() == records


def test_the_command_prints_the_flows(city):
    out = io.StringIO()

    call_command("synth_quarter", "--as-of", "2025-04-15", "--seed", "2", stdout=out)

    lines = out.getvalue().splitlines()
    households = f"{Household.objects.count():,}".replace(",", ".")
    audit = AuditEvent.objects.get(action="synth.quarter")
    assert lines[0] == f"Per 2025-04-15, seed 2: {households} keluarga mendapat data baru."
    assert lines[1] == (
        "Miskin ekstrem (pengeluaran di bawah garis):"
        f" {audit.changes['extreme_before']} → {audit.changes['extreme_after']} keluarga;"
        f" {audit.changes['risen']} keluar, {audit.changes['fallen']} jatuh."
    )
