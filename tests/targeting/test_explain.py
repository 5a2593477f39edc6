"""The explanations, sentence by sentence, for every rule and status.

June 2025 under rule set v1 and the sourced lines: these are the sentences an officer reads
on a family's page, so they are pinned exactly.
"""

import datetime as dt
from decimal import Decimal

import pytest
from tests.targeting.builders import finding, household, june, row

from entas.targeting import choices as c
from entas.targeting import selectors, services
from entas.targeting.explain import classification_explain, rupiah
from entas.targeting.models import Period
from entas.targeting.parameters import LineChoice

pytestmark = pytest.mark.usefixtures("regions")

EXTREME = (
    "Garis kemiskinan ekstrem Rp391.000/orang/bulan (USD 2.15 PPP 2017, Indonesia, "
    "berlaku sejak 2025-01-01, versi 1)"
)
POVERTY = (
    "Garis kemiskinan (GK) Rp609.160/orang/bulan (Garis kemiskinan BPS, Indonesia, "
    "berlaku sejak 2025-03-01, versi 1)"
)
RULES = "Aturan: Aturan bawaan versi 1; periode 2025 06 (acuan 2025-06-30)."


@pytest.fixture
def june_2025(admin_dinsos) -> Period:
    return june(admin_dinsos)


def explained(period: Period, family, actor=None) -> tuple[str, str, list[str]]:
    services.period_classify(actor=actor, period=period)
    explanation = classification_explain(row(period, family))
    assert explanation.status == row(period, family).status
    return explanation.status_label, explanation.rule_label, explanation.steps


def test_rupiah_uses_indonesian_thousands():
    assert rupiah(Decimal("730992.000")) == "Rp730.992"
    assert rupiah(1_288_680) == "Rp1.288.680"
    assert rupiah(0) == "Rp0"


@pytest.mark.parametrize(
    ("amount", "status_label", "verdict"),
    [
        (390_999, "Miskin ekstrem", f"Di bawah {EXTREME}."),
        (391_000, "Miskin", f"Tidak di bawah {EXTREME}, tetapi di bawah {POVERTY}."),
        (
            609_160,
            "Rentan miskin",
            f"Tidak di bawah {POVERTY}, tetapi di bawah 1,2 × garis itu = Rp730.992.",
        ),
        (730_992, "Tidak miskin", f"Tidak di bawah 1,2 × {POVERTY} = Rp730.992."),
    ],
)
def test_expenditure_explanations(june_2025, amount, status_label, verdict):
    family = household(expenditure=amount, welfare_on=dt.date(2025, 2, 1))
    assert explained(june_2025, family) == (
        status_label,
        "Pengeluaran per kapita dibanding garis",
        [
            f"Pengeluaran per kapita {rupiah(amount)}/bulan (sumber DTSEN, data per 2025-02-01).",
            verdict,
            RULES,
        ],
    )


@pytest.mark.parametrize(
    ("desil", "status_label", "verdict"),
    [
        (1, "Miskin ekstrem", "Batas desil untuk status ini: ≤ 1."),
        (2, "Miskin", "Batas desil untuk status ini: ≤ 2."),
        (3, "Rentan miskin", "Batas desil untuk status ini: ≤ 4."),
        (5, "Tidak miskin", "Di atas semua batas desil aturan (rentan ≤ 4)."),
    ],
)
def test_desil_explanations(june_2025, desil, status_label, verdict):
    family = household(desil=desil)
    assert explained(june_2025, family) == (
        status_label,
        "Desil kesejahteraan",
        [
            f"Tidak ada data pengeluaran; desil {desil} (sumber DTSEN desil nasional).",
            verdict,
            RULES,
        ],
    )


@pytest.mark.parametrize(
    ("outcome", "status_label", "outcome_label"),
    [
        (c.FindingOutcome.ELIGIBLE, "Miskin ekstrem", "Ditemukan dan masih layak"),
        (c.FindingOutcome.NOW_ABLE, "Tidak miskin", "Sudah mampu"),
        (c.FindingOutcome.DIED, "Keluar dari daftar", "Meninggal (keluarga tunggal)"),
    ],
)
def test_finding_explanations(june_2025, outcome, status_label, outcome_label):
    family = household(expenditure=650_000)
    finding(family, outcome, dt.date(2025, 5, 1))
    assert explained(june_2025, family) == (
        status_label,
        "Temuan verval",
        [
            f"Temuan lapangan “{outcome_label}” pada 2025-05-01 (Dicatat petugas Dinsos) "
            "mengesampingkan data.",
            RULES,
        ],
    )


def test_no_data_explanation(june_2025):
    family = household()
    assert explained(june_2025, family) == (
        "Belum dapat dinilai",
        "Tidak ada data",
        ["Tidak ada data pengeluaran, desil, maupun temuan lapangan.", RULES],
    )


def test_score_and_candidate_sentences(june_2025):
    # two scored families: the poorer (score 50, rank 0) is miskin, so a candidate for verval
    poorer = household(expenditure=500_000, floor_type="tanah", welfare_on=dt.date(2025, 2, 1))
    better = household(expenditure=800_000, floor_type="keramik", welfare_on=dt.date(2025, 2, 1))
    assert explained(june_2025, poorer)[2] == [
        "Pengeluaran per kapita Rp500.000/bulan (sumber DTSEN, data per 2025-02-01).",
        f"Tidak di bawah {EXTREME}, tetapi di bawah {POVERTY}.",
        "Skor proksi 50,0; 0% keluarga lain lebih rendah. "
        "Termasuk kandidat verval (skor rendah, belum berstatus ekstrem).",
        RULES,
    ]
    assert (
        explained(june_2025, better)[2][2] == "Skor proksi 63,0; 100% keluarga lain lebih rendah."
    )


def test_the_explanation_of_a_frozen_period_does_not_drift(admin_dinsos, june_2025):
    # given June explained on GK version 1, then frozen
    family = household(expenditure=609_159, welfare_on=dt.date(2025, 2, 1))
    before = explained(june_2025, family)
    services.period_freeze(actor=admin_dinsos, period=june_2025)
    # when the GK is revised, new data arrives and another rule set becomes active
    line = selectors.line_in_force(
        choice=LineChoice(kind="kemiskinan", basis=""), on=june_2025.ends_on
    )
    services.line_revise(actor=admin_dinsos, line=line, reason="Koreksi", amount=Decimal("600000"))
    household(expenditure=100_000)
    services.rules_load(
        actor=admin_dinsos, name="Lain", parameters=selectors.rules_active().parameters,
        activate=True,
    )  # fmt: skip
    # then the frozen row explains itself exactly as before
    after = classification_explain(row(june_2025, family))
    assert (after.status_label, after.rule_label, after.steps) == before
    assert before[2][1] == f"Tidak di bawah {EXTREME}, tetapi di bawah {POVERTY}."
