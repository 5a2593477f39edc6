"""A period's classification: the rule that decides, the inputs it stores, the snapshot.

June 2025 (reference date 30 June) under rule set v1: extreme line Rp391.000, GK Rp609.160,
rentan below 1.2 × GK = Rp730.992; desil ≤ 1 / ≤ 2 / ≤ 4; findings observed after
30 June 2024 and not after the reference date override the data.
"""

import datetime as dt
from decimal import Decimal

import pytest
from tests.factories import make_household, member_inputs, members_of
from tests.targeting.builders import (
    EXTREME_LINE,
    POVERTY_LINE,
    VULNERABLE_LIMIT,
    finding,
    household,
    june,
    period,
    row,
    statuses,
)

from entas.core.models import AuditEvent
from entas.linkage.merging import merge_households
from entas.registry import choices as rc
from entas.registry.models import Household
from entas.registry.services import member_add, person_move_out, welfare_record
from entas.targeting import choices as c
from entas.targeting import defaults, selectors, services
from entas.targeting.exceptions import TargetingError
from entas.targeting.models import Classification, PovertyLine

pytestmark = pytest.mark.usefixtures("regions")


def classify(actor, target=None):
    target = target or june()
    services.period_classify(actor=actor, period=target)
    return target


def test_expenditure_is_compared_strictly_below_each_line(admin_dinsos):
    families = {
        amount: household(expenditure=amount)
        for amount in (
            EXTREME_LINE - 1, EXTREME_LINE, POVERTY_LINE - 1, POVERTY_LINE,
            VULNERABLE_LIMIT - 1, VULNERABLE_LIMIT,
        )
    }  # fmt: skip
    june_2025 = classify(admin_dinsos)
    found = statuses(june_2025)
    assert {amount: found[family.pk] for amount, family in families.items()} == {
        390_999: ("ekstrem", "pengeluaran"),
        391_000: ("miskin", "pengeluaran"),
        609_159: ("miskin", "pengeluaran"),
        609_160: ("rentan", "pengeluaran"),
        730_991: ("rentan", "pengeluaran"),
        730_992: ("tidak_miskin", "pengeluaran"),
    }


def test_desil_decides_without_expenditure_and_each_cut_is_inclusive(admin_dinsos):
    families = {desil: household(desil=desil) for desil in (1, 2, 3, 4, 5, 10)}
    with_both = household(expenditure=700_000, desil=1)
    june_2025 = classify(admin_dinsos)
    found = statuses(june_2025)
    assert {desil: found[family.pk] for desil, family in families.items()} == {
        1: ("ekstrem", "desil"),
        2: ("miskin", "desil"),
        3: ("rentan", "desil"),
        4: ("rentan", "desil"),
        5: ("tidak_miskin", "desil"),
        10: ("tidak_miskin", "desil"),
    }
    # expenditure comes before desil: Rp700.000 is rentan although desil 1 says ekstrem
    assert found[with_both.pk] == ("rentan", "pengeluaran")
    assert (row(june_2025, with_both).expenditure, row(june_2025, with_both).desil) == (
        700_000, 1
    )  # fmt: skip


def test_findings_override_the_data_within_their_validity(admin_dinsos):
    # the window is (30 June 2024, 30 June 2025]: 365 days before the reference date is out
    eligible_364_days = household(expenditure=700_000)
    finding(eligible_364_days, c.FindingOutcome.ELIGIBLE, dt.date(2024, 7, 1))
    eligible_365_days = household(expenditure=700_000)
    finding(eligible_365_days, c.FindingOutcome.ELIGIBLE, dt.date(2024, 6, 30))
    moved_on_reference_date = household(expenditure=300_000)
    finding(moved_on_reference_date, c.FindingOutcome.MOVED, dt.date(2025, 6, 30))
    died_after_reference_date = household(expenditure=300_000)
    finding(died_after_reference_date, c.FindingOutcome.DIED, dt.date(2025, 7, 1))
    now_able = household(expenditure=300_000)
    finding(now_able, c.FindingOutcome.NOW_ABLE, dt.date(2025, 3, 1))
    newest_wins = household(desil=1)
    finding(newest_wins, c.FindingOutcome.ELIGIBLE, dt.date(2025, 1, 10))
    finding(newest_wins, c.FindingOutcome.NOW_ABLE, dt.date(2025, 4, 1))
    duplicate_without_data = household()
    listed_twice = finding(duplicate_without_data, c.FindingOutcome.DUPLICATE, dt.date(2025, 5, 2))
    not_found = household(desil=5)
    finding(not_found, c.FindingOutcome.NOT_FOUND, dt.date(2025, 5, 2))

    june_2025 = classify(admin_dinsos)

    found = statuses(june_2025)
    assert found[eligible_364_days.pk] == ("ekstrem", "temuan")
    assert found[eligible_365_days.pk] == ("rentan", "pengeluaran")
    assert found[moved_on_reference_date.pk] == ("keluar", "temuan")
    assert found[died_after_reference_date.pk] == ("ekstrem", "pengeluaran")
    assert found[now_able.pk] == ("tidak_miskin", "temuan")
    assert found[newest_wins.pk] == ("tidak_miskin", "temuan")
    assert found[duplicate_without_data.pk] == ("keluar", "temuan")
    assert found[not_found.pk] == ("keluar", "temuan")
    stored = row(june_2025, duplicate_without_data)
    assert (stored.finding, stored.finding_outcome, stored.expenditure, stored.desil) == (
        listed_twice, "ganda", None, None
    )  # fmt: skip
    # a finding outside the window is not even stored as an input
    assert (row(june_2025, eligible_365_days).finding, row(june_2025, eligible_365_days)
            .finding_outcome) == (None, "")  # fmt: skip


def test_an_outcome_the_rule_set_does_not_map_leaves_the_data_to_decide(admin_dinsos):
    parameters = defaults.rules()
    del parameters["findings"]["outcomes"]["layak"]
    services.rules_load(
        actor=admin_dinsos, name="Tanpa layak", parameters=parameters, activate=True
    )
    family = household(expenditure=700_000)
    visit = finding(family, c.FindingOutcome.ELIGIBLE, dt.date(2025, 5, 1))
    june_2025 = classify(admin_dinsos)
    stored = row(june_2025, family)
    assert (stored.status, stored.rule, stored.finding, stored.finding_outcome) == (
        "rentan", "pengeluaran", visit, "layak"
    )  # fmt: skip
    assert june_2025.rules is not None
    assert (june_2025.rules.version, june_2025.rules.name) == (2, "Tanpa layak")


def test_no_welfare_data_and_no_finding_is_tanpa_data(admin_dinsos):
    family = household()
    june_2025 = classify(admin_dinsos)
    stored = row(june_2025, family)
    assert (stored.status, stored.rule, stored.expenditure, stored.desil, stored.score) == (
        "tanpa_data", "tanpa_data", None, None, None
    )  # fmt: skip
    assert (stored.score_rank, stored.is_candidate, stored.members) == (None, False, 3)


def test_the_stored_inputs_are_the_newest_as_of_the_reference_date(admin_dinsos):
    # expenditure and desil may come from different records; later records do not count
    family = household(expenditure=300_000, welfare_on=dt.date(2025, 2, 1))
    welfare_record(
        actor=None, household=family, as_of=dt.date(2025, 5, 1), source=rc.Source.P3KE,
        values={"desil": 2, "desil_source": rc.DesilSource.P3KE},
    )  # fmt: skip
    welfare_record(
        actor=None, household=family, as_of=dt.date(2025, 6, 30), source=rc.Source.CITY,
        values={"expenditure_per_capita": 650_000},
    )  # fmt: skip
    welfare_record(
        actor=None, household=family, as_of=dt.date(2025, 7, 1), source=rc.Source.VERVAL,
        values={"expenditure_per_capita": 100_000, "desil": 1, "desil_source": "dtks"},
    )  # fmt: skip
    june_2025 = classify(admin_dinsos)
    stored = row(june_2025, family)
    assert (stored.status, stored.rule) == ("rentan", "pengeluaran")
    assert (
        stored.expenditure, stored.expenditure_as_of, stored.expenditure_source,
        stored.desil, stored.desil_source, stored.kelurahan_id,
    ) == (650_000, dt.date(2025, 6, 30), "kota", 2, "p3ke", "33.74.10.1001")  # fmt: skip
    extreme = PovertyLine.objects.get(
        kind="ekstrem", basis="USD 2.15 PPP 2017", effective_from=dt.date(2025, 1, 1)
    )
    poverty = PovertyLine.objects.get(
        kind="kemiskinan", region_code="00", effective_from=dt.date(2025, 3, 1)
    )
    assert (stored.extreme_line, stored.poverty_line) == (extreme, poverty)
    assert (june_2025.extreme_line, june_2025.poverty_line) == (extreme, poverty)


def test_only_active_households_known_by_the_reference_date_are_classified(admin_dinsos):
    kept = household(expenditure=300_000)
    duplicate = household(expenditure=300_000)
    merge_households(actor=admin_dinsos, survivor=kept, duplicate=duplicate)
    moved_away = household(expenditure=300_000)
    Household.objects.filter(pk=moved_away.pk).update(status=rc.HouseholdStatus.MOVED_OUT)
    dissolved = household(expenditure=300_000, members=1)
    person_move_out(actor=None, person=members_of(dissolved)[0], moved_on=dt.date(2025, 5, 1))
    registered_later = household(expenditure=300_000, registered=dt.date(2025, 7, 1))
    registered_on_the_day = household(expenditure=300_000, registered=dt.date(2025, 6, 30))
    june_2025 = classify(admin_dinsos)
    assert set(statuses(june_2025)) == {kept.pk, registered_on_the_day.pk}
    assert registered_later.pk not in statuses(june_2025)


def test_members_are_those_current_on_the_reference_date(admin_dinsos):
    family = make_household(members=4, as_of=dt.date(2025, 1, 15))
    slamet, siti, dwi, agus = members_of(family)
    for joined, name in ((dt.date(2025, 6, 30), "Bayi Juni"), (dt.date(2025, 7, 1), "Bayi Juli")):
        member = member_inputs(kelurahan_code="33.74.10.1001", members=5)[4]
        member.full_name = name
        member_add(
            actor=None, household=family, member=member, start_date=joined,
            start_reason=rc.MembershipStart.BIRTH,
        )  # fmt: skip
    person_move_out(actor=None, person=dwi, moved_on=dt.date(2025, 6, 30))
    person_move_out(actor=None, person=agus, moved_on=dt.date(2025, 7, 1))
    june_2025 = classify(admin_dinsos)
    # Slamet, Siti, Agus (leaves the day after) and the baby born on the reference date
    assert row(june_2025, family).members == 4


def test_a_day_line_is_compared_as_thirty_days(admin_dinsos):
    # a city extreme line of Rp13.100/day from 1 June 2025 is Rp393.000/month
    city_line = services.line_create(
        actor=admin_dinsos, kind="ekstrem", basis="USD 2.15 PPP 2017", region_code="33.74",
        region_name="Kota Semarang", effective_from=dt.date(2025, 6, 1),
        amount=Decimal("13100"), unit=c.LineUnit.PER_DAY,
    )  # fmt: skip
    below = household(expenditure=392_999)
    at = household(expenditure=393_000)
    june_2025 = classify(admin_dinsos)
    assert (row(june_2025, below).status, row(june_2025, at).status) == ("ekstrem", "miskin")
    assert row(june_2025, below).extreme_line == city_line


def test_the_proxy_means_score_adds_the_weights(admin_dinsos):
    housing = {
        "floor_type": "keramik", "wall_type": "tembok", "roof_type": "genteng",
        "water_source": "leding", "lighting": "pln_meteran", "cooking_fuel": "listrik",
        "toilet_facility": "sendiri", "house_ownership": "milik_sendiri",
    }  # fmt: skip
    assets = {"mobil": True, "ac": 1, "lemari_es": False, "tv_datar": 0, "emas": None, "sapi": 3}
    # 60 + keramik 3 + leding 2 + listrik 4 + milik sendiri 2 + mobil 12 + ac 8 = 91
    owner = household(expenditure=800_000, floor_area_m2=24, assets=assets, **housing)
    # 60 − 10 (tanah) − 6 (23 m² for 3 people is under 8 m² each) = 44
    cramped = household(expenditure=800_000, floor_area_m2=23, floor_type="tanah")
    # six members: 60 − 3 × 2 (the fifth and sixth) + semen −2 = 52
    large = household(expenditure=800_000, members=6, floor_area_m2=48, floor_type="semen")
    # only money and a desil, no house: no score
    no_house = household(expenditure=800_000, desil=3)
    june_2025 = classify(admin_dinsos)
    assert {
        name: row(june_2025, family).score
        for name, family in {
            "owner": owner,
            "cramped": cramped,
            "large": large,
            "no_house": no_house,
        }.items()
    } == {"owner": 91.0, "cramped": 44.0, "large": 52.0, "no_house": None}
    assert [row(june_2025, f).score_rank for f in (cramped, large, owner, no_house)] == [
        0.0, 0.5, 1.0, None
    ]  # fmt: skip


def test_a_newer_record_without_housing_does_not_hide_the_house(admin_dinsos):
    family = household(expenditure=500_000, floor_type="tanah", welfare_on=dt.date(2025, 2, 1))
    welfare_record(
        actor=None, household=family, as_of=dt.date(2025, 5, 1), source=rc.Source.P3KE,
        values={"desil": 1, "desil_source": rc.DesilSource.P3KE},
    )  # fmt: skip
    june_2025 = classify(admin_dinsos)
    assert row(june_2025, family).score == 50.0


def test_candidates_are_the_lowest_share_not_ekstrem_nor_off_the_list(admin_dinsos):
    # eleven scored families ranked 0, 0.1 … 1.0; share 0.25 takes ranks 0, 0.1 and 0.2
    parameters = defaults.rules()
    parameters["candidates"]["share"] = 0.25
    services.rules_load(
        actor=admin_dinsos, name="Kandidat 25%", parameters=parameters, activate=True
    )
    floors_and_bicycles = [
        ("tanah", False), ("tanah", True), ("bambu", False), ("bambu", True), ("kayu", False),
        ("kayu", True), ("semen", False), ("semen", True), ("ubin", False), ("ubin", True),
        ("keramik", False),
    ]  # fmt: skip
    families = [
        household(expenditure=700_000, floor_type=floor, assets={"sepeda": bicycle})
        for floor, bicycle in floors_and_bicycles
    ]
    welfare_record(
        actor=None, household=families[0], as_of=dt.date(2025, 3, 1), source=rc.Source.CITY,
        values={"expenditure_per_capita": 300_000, "floor_type": "tanah"},
    )  # fmt: skip
    finding(families[1], c.FindingOutcome.MOVED, dt.date(2025, 6, 1))
    unscored = household(desil=1)
    june_2025 = classify(admin_dinsos)
    rows = [row(june_2025, family) for family in families]
    assert [r.score for r in rows] == [50, 51, 52, 53, 56, 57, 58, 59, 60, 61, 63]
    assert [r.score_rank for r in rows] == [k / 10 for k in range(11)]
    assert [r.status for r in rows[:3]] == ["ekstrem", "keluar", "rentan"]
    assert [r.is_candidate for r in rows] == [False, False, True] + [False] * 8
    assert row(june_2025, unscored).is_candidate is False


# --- periods: snapshot, replace, freeze ---------------------------------------------------


def snapshot_rows(target) -> list[tuple]:
    return sorted(
        Classification.objects.filter(period=target).values_list(
            "household_id", "status", "rule", "members", "expenditure", "desil", "finding_id",
            "score", "score_rank", "is_candidate", "extreme_line_id", "poverty_line_id",
        )
    )  # fmt: skip


def test_the_same_data_gives_the_same_snapshot_and_summary(admin_dinsos):
    household(expenditure=390_000, floor_type="tanah")
    household(desil=2, floor_type="semen")
    household()
    june_2025 = classify(admin_dinsos)
    first = snapshot_rows(june_2025)
    counts = services.period_classify(actor=admin_dinsos, period=june_2025)
    assert snapshot_rows(june_2025) == first
    assert counts == {
        "ekstrem": 1, "miskin": 1, "rentan": 0, "tidak_miskin": 0, "tanpa_data": 1, "keluar": 0
    }  # fmt: skip
    assert june_2025.summary == {"counts": counts, "graduated": 0, "alerts": 0}
    event = AuditEvent.objects.filter(action="targeting.period_classify").latest("id")
    assert (event.actor, event.summary) == (
        admin_dinsos,
        "2025 06: 1 keluarga miskin ekstrem dari 3",
    )
    assert event.changes == {"rules": 1, "score": 1, **counts}


def test_classifying_an_open_period_again_replaces_its_snapshot(admin_dinsos):
    family = household(expenditure=390_000)
    june_2025 = classify(admin_dinsos)
    old_ids = set(Classification.objects.filter(period=june_2025).values_list("id", flat=True))
    welfare_record(
        actor=None, household=family, as_of=dt.date(2025, 6, 1), source=rc.Source.CITY,
        values={"expenditure_per_capita": 800_000},
    )  # fmt: skip
    newcomer = household(desil=1)
    services.period_classify(actor=admin_dinsos, period=june_2025)
    assert statuses(june_2025) == {
        family.pk: ("tidak_miskin", "pengeluaran"), newcomer.pk: ("ekstrem", "desil")
    }  # fmt: skip
    assert Classification.objects.filter(id__in=old_ids).count() == 0


def test_a_frozen_period_refuses_to_be_classified_and_nothing_changes(admin_dinsos):
    family = household(expenditure=390_000)
    june_2025 = classify(admin_dinsos)
    services.period_freeze(actor=admin_dinsos, period=june_2025)
    welfare_record(
        actor=None, household=family, as_of=dt.date(2025, 6, 1), source=rc.Source.CITY,
        values={"expenditure_per_capita": 800_000},
    )  # fmt: skip
    before = (snapshot_rows(june_2025), AuditEvent.objects.count())
    with pytest.raises(TargetingError) as error:
        services.period_classify(actor=admin_dinsos, period=june_2025)
    assert (error.value.code, error.value.message) == (
        "frozen", "Periode 2025 06 sudah dibekukan; hasilnya tidak dapat diubah."
    )  # fmt: skip
    assert (snapshot_rows(june_2025), AuditEvent.objects.count()) == before
    assert statuses(june_2025) == {family.pk: ("ekstrem", "pengeluaran")}


def test_a_period_is_frozen_only_once_and_only_after_classification(admin_dinsos):
    june_2025 = june()
    with pytest.raises(TargetingError) as error:
        services.period_freeze(actor=admin_dinsos, period=june_2025)
    assert error.value.code == "not_classified"
    services.period_classify(actor=admin_dinsos, period=june_2025)
    services.period_freeze(actor=admin_dinsos, period=june_2025)
    june_2025.refresh_from_db()
    assert (june_2025.state, june_2025.is_frozen) == ("dibekukan", True)
    with pytest.raises(TargetingError) as error:
        services.period_freeze(actor=admin_dinsos, period=june_2025)
    assert error.value.code == "frozen"
    assert AuditEvent.objects.filter(action="targeting.period_freeze").count() == 1


def test_a_period_without_a_line_in_force_is_refused_and_nothing_is_written(admin_dinsos):
    household(expenditure=300_000)
    december_2024 = period("2024-12", dt.date(2024, 12, 1), dt.date(2024, 12, 31))
    with pytest.raises(TargetingError) as error:
        services.period_classify(actor=admin_dinsos, period=december_2024)
    assert error.value.code == "no_line"
    december_2024.refresh_from_db()
    assert (december_2024.classified_at, december_2024.rules) == (None, None)
    assert Classification.objects.count() == 0


def test_period_counts_lists_every_status(admin_dinsos):
    household(expenditure=300_000)
    household(expenditure=300_001)
    june_2025 = classify(admin_dinsos)
    assert selectors.period_counts(june_2025) == {
        "ekstrem": 2, "miskin": 0, "rentan": 0, "tidak_miskin": 0, "tanpa_data": 0, "keluar": 0
    }  # fmt: skip
