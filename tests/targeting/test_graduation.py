"""Graduation out of extreme poverty and the alert when a graduated family is seen again.

Rule set v1: better than ekstrem in the last 2 classified periods, ekstrem in a period
before them, and a "sudah mampu" finding within those two periods. Quarters of 2025.
"""

import datetime as dt

import pytest
from tests.targeting.builders import finding, household, period, statuses

from entas.registry import choices as rc
from entas.registry.models import Household
from entas.registry.services import welfare_record
from entas.targeting import choices as c
from entas.targeting import defaults, graduation, services
from entas.targeting.models import Alert, Graduation, Period

pytestmark = pytest.mark.usefixtures("regions")


QUARTERS = {
    1: ((1, 1), (3, 31)),
    2: ((4, 1), (6, 30)),
    3: ((7, 1), (9, 30)),
    4: ((10, 1), (12, 31)),
}


def quarter(year: int, number: int) -> Period:
    (start_month, start_day), (end_month, end_day) = QUARTERS[number]
    return period(
        f"{year}-Q{number}",
        dt.date(year, start_month, start_day),
        dt.date(year, end_month, end_day),
    )


def spends(family: Household, amount: int, on: dt.date) -> None:
    welfare_record(
        actor=None, household=family, as_of=on, source=rc.Source.CITY,
        values={"expenditure_per_capita": amount},
    )  # fmt: skip


def climbing(finding_on: dt.date | None = None) -> Household:
    """Ekstrem in Q1 (Rp300.000), miskin from Q2 (Rp500.000 from 15 April)."""
    family = household(expenditure=300_000, welfare_on=dt.date(2025, 2, 1))
    spends(family, 500_000, dt.date(2025, 4, 15))
    if finding_on is not None:
        finding(family, c.FindingOutcome.NOW_ABLE, finding_on)
    return family


def classify(*periods: Period) -> None:
    for target in periods:
        services.period_classify(actor=None, period=target)


def graduated(target: Period) -> set[int]:
    return set(Graduation.objects.filter(period=target).values_list("household_id", flat=True))


def test_a_family_graduates_after_two_better_periods_confirmed_by_a_visit():
    confirmed = climbing(finding_on=dt.date(2025, 8, 1))
    unconfirmed = climbing()
    confirmed_too_early = climbing(finding_on=dt.date(2025, 3, 31))
    never_listed = household(expenditure=500_000)
    finding(never_listed, c.FindingOutcome.NOW_ABLE, dt.date(2025, 8, 1))
    fell_back = climbing(finding_on=dt.date(2025, 8, 1))
    spends(fell_back, 300_000, dt.date(2025, 9, 1))
    finding(fell_back, c.FindingOutcome.ELIGIBLE, dt.date(2025, 9, 2))
    q1, q2, q3 = quarter(2025, 1), quarter(2025, 2), quarter(2025, 3)

    classify(q1, q2)
    # after Q2 only one period is better: nobody graduates yet
    assert graduated(q2) == set()
    assert statuses(q2)[confirmed.pk] == ("miskin", "pengeluaran")
    # a "mampu" finding on 31 March decides Q1 itself: that family was never listed
    assert statuses(q1)[confirmed_too_early.pk] == ("tidak_miskin", "temuan")

    classify(q3)
    assert statuses(q3)[confirmed.pk] == ("tidak_miskin", "temuan")
    assert statuses(q3)[fell_back.pk] == ("ekstrem", "temuan")
    assert graduated(q3) == {confirmed.pk}
    record = Graduation.objects.get()
    assert (record.rules.version, record.basis) == (
        1, {"periods": ["2025-Q3", "2025-Q2"], "above": "ekstrem", "confirmed_by_finding": True}
    )  # fmt: skip
    q3.refresh_from_db()
    assert (q3.summary["graduated"], q3.summary["alerts"]) == (1, 0)
    assert unconfirmed.pk not in graduated(q3)


def test_without_confirmation_two_better_periods_suffice_and_a_family_graduates_once(
    admin_dinsos,
):
    parameters = defaults.rules()
    parameters["graduation"]["confirmed_by_finding"] = False
    services.rules_load(actor=admin_dinsos, name="Tanpa kunjungan", parameters=parameters,
                        activate=True)  # fmt: skip
    family = climbing()
    q1, q2, q3, q4 = (quarter(2025, n) for n in (1, 2, 3, 4))
    classify(q1, q2, q3)
    assert graduated(q3) == {family.pk}
    # classifying Q3 again replaces its graduations; Q4 does not graduate the family again
    classify(q3, q4)
    assert (graduated(q3), graduated(q4)) == ({family.pk}, set())
    assert Graduation.objects.count() == 1


def test_a_graduated_family_on_the_list_again_raises_one_alert():
    family = climbing(finding_on=dt.date(2025, 8, 1))
    q1, q2, q3, q4 = (quarter(2025, n) for n in (1, 2, 3, 4))
    classify(q1, q2, q3)
    # a visit in November finds the family poor again (the newest finding overrides)
    finding(family, c.FindingOutcome.ELIGIBLE, dt.date(2025, 11, 1))

    classify(q4)
    alert = Alert.objects.get()
    assert (alert.household, alert.kind, alert.source, alert.reference, alert.message) == (
        family,
        "muncul_kembali",
        "klasifikasi",
        "periode:2025-Q4",
        "Keluarga ini graduasi pada periode 2025 Q3, tetapi muncul lagi di klasifikasi "
        "periode 2025 Q4.",
    )
    q4.refresh_from_db()
    assert q4.summary["alerts"] == 1
    # classifying Q4 again, the next quarter, or an import listing the family: no second alert
    classify(q4, quarter(2026, 1))
    seen = graduation.reappearance_check(
        household_ids=[family.pk], source=c.AlertSource.IMPORT, reference="impor:7",
        seen_in="impor DTSEN #7",
    )  # fmt: skip
    assert seen == 0
    assert Alert.objects.count() == 1
    # not even once the alert was handled
    services.alert_resolve(actor=None, alert=alert, note="Dikunjungi, memang jatuh miskin lagi")
    classify(q4)
    assert Alert.objects.count() == 1


def test_reappearance_check_alerts_graduated_families_only_once():
    family = climbing(finding_on=dt.date(2025, 8, 1))
    other = household(expenditure=300_000)
    classify(quarter(2025, 1), quarter(2025, 2), quarter(2025, 3))
    check = {
        "household_ids": [family.pk, other.pk],
        "source": c.AlertSource.IMPORT,
        "reference": "impor:12",
        "seen_in": "impor DTSEN #12",
    }
    assert graduation.reappearance_check(**check) == 1
    assert graduation.reappearance_check(**check) == 0
    assert graduation.reappearance_check(**(check | {"reference": "impor:13"})) == 0
    alert = Alert.objects.get()
    assert (alert.household, alert.source, alert.reference, alert.message) == (
        family,
        "impor",
        "impor:12",
        "Keluarga ini graduasi pada periode 2025 Q3, tetapi muncul lagi di impor DTSEN #12.",
    )


def test_a_new_graduation_makes_a_new_reappearance_worth_an_alert(admin_dinsos):
    # one better period suffices and no visit is needed under this rule set
    parameters = defaults.rules()
    parameters["graduation"] = {"periods": 1, "above": "ekstrem", "confirmed_by_finding": False}
    services.rules_load(actor=admin_dinsos, name="Cepat", parameters=parameters, activate=True)
    family = household(expenditure=300_000, welfare_on=dt.date(2025, 2, 1))
    for amount, on in (
        (500_000, dt.date(2025, 4, 15)), (300_000, dt.date(2025, 7, 15)),
        (500_000, dt.date(2025, 10, 15)), (300_000, dt.date(2026, 1, 15)),
    ):  # fmt: skip
        spends(family, amount, on)
    quarters = [quarter(2025, n) for n in (1, 2, 3, 4)] + [quarter(2026, 1)]
    classify(*quarters)
    assert [graduated(q) for q in quarters] == [set(), {family.pk}, set(), {family.pk}, set()]
    assert list(Alert.objects.order_by("id").values_list("reference", flat=True)) == [
        "periode:2025-Q3", "periode:2026-Q1"
    ]  # fmt: skip
