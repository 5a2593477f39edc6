"""A classification in words: the rule that decided it, the inputs and the lines used.

Built only from what the snapshot row stores (and the versions it points at), so the
explanation of a past period never changes when data, lines or rules change later.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import TextChoices
from django.utils import formats
from django.utils.translation import gettext as _

from entas.registry import choices as registry_choices
from entas.targeting import choices as c
from entas.targeting.models import Classification, PovertyLine
from entas.targeting.parameters import rules_from


@dataclass(frozen=True)
class Explanation:
    status: str
    status_label: str
    rule_label: str
    steps: list[str]


def rupiah(amount: int | Decimal | float) -> str:
    """Rp391.000 — Indonesian thousands separator, no decimals."""
    return "Rp" + f"{Decimal(str(amount)):,.0f}".replace(",", ".")


def _source_label(choices: type[TextChoices], code: str) -> str:
    """The label an officer knows ("DTSEN desil nasional"), not the stored code."""
    return str(dict(choices.choices).get(code, code)) if code else "-"


def decimal(value: float, places: int | None = None) -> str:
    """1,2 in Indonesian, 1.2 in English: the active language's decimal mark."""
    return formats.number_format(value, places)


def line_label(line: PovertyLine) -> str:
    text = _(
        "%(kind)s %(amount)s/orang/bulan (%(basis)s, %(region)s, berlaku sejak %(since)s, "
        "versi %(version)s)"
    )
    return text % {
        "kind": line.get_kind_display(),
        "amount": rupiah(line.monthly_amount),
        "basis": line.basis,
        "region": line.region_name,
        "since": line.effective_from.isoformat(),
        "version": line.version,
    }


def _expenditure_steps(row: Classification, multiple: float) -> list[str]:
    assert row.extreme_line is not None
    assert row.poverty_line is not None
    spent = _(
        "Pengeluaran per kapita %(amount)s/bulan (sumber %(source)s, data per %(as_of)s)."
    ) % {
        "amount": rupiah(row.expenditure or 0),
        "source": _source_label(registry_choices.Source, row.expenditure_source),
        "as_of": row.expenditure_as_of.isoformat() if row.expenditure_as_of else "-",
    }
    extreme, poverty = row.extreme_line, row.poverty_line
    vulnerable = poverty.monthly_amount * Decimal(str(multiple))
    if row.status == c.Status.EXTREME:
        verdict = _("Di bawah %(line)s.") % {"line": line_label(extreme)}
    elif row.status == c.Status.POOR:
        verdict = _("Tidak di bawah %(extreme)s, tetapi di bawah %(poverty)s.") % {
            "extreme": line_label(extreme),
            "poverty": line_label(poverty),
        }
    elif row.status == c.Status.VULNERABLE:
        verdict = _(
            "Tidak di bawah %(poverty)s, tetapi di bawah %(multiple)s × garis itu = %(limit)s."
        ) % {
            "poverty": line_label(poverty),
            "multiple": decimal(multiple),
            "limit": rupiah(vulnerable),
        }
    else:
        verdict = _("Tidak di bawah %(multiple)s × %(poverty)s = %(limit)s.") % {
            "poverty": line_label(poverty),
            "multiple": decimal(multiple),
            "limit": rupiah(vulnerable),
        }
    return [spent, verdict]


def _desil_steps(row: Classification, cuts: dict[str, int]) -> list[str]:
    cut = cuts.get(row.status)
    ranked = _("Tidak ada data pengeluaran; desil %(desil)s (sumber %(source)s).") % {
        "desil": row.desil,
        "source": _source_label(registry_choices.DesilSource, row.desil_source),
    }
    if cut is None:
        return [
            ranked,
            _("Di atas semua batas desil aturan (rentan ≤ %(cut)s).")
            % {"cut": cuts[c.Status.VULNERABLE]},
        ]
    return [ranked, _("Batas desil untuk status ini: ≤ %(cut)s.") % {"cut": cut}]


def classification_explain(row: Classification) -> Explanation:
    """Why `row` has its status, step by step, in the user's language."""
    rules = rules_from(row.period.rules.parameters) if row.period.rules else None
    steps: list[str] = []
    if row.rule == c.Rule.FINDING and row.finding is not None:
        steps.append(
            _("Temuan lapangan “%(outcome)s” pada %(on)s (%(source)s) mengesampingkan data.")
            % {
                "outcome": row.finding.get_outcome_display(),
                "on": row.finding.observed_on.isoformat(),
                "source": row.finding.get_source_display(),
            }
        )
    elif row.rule == c.Rule.EXPENDITURE and rules is not None:
        steps.extend(_expenditure_steps(row, rules.vulnerable_multiple))
    elif row.rule == c.Rule.DESIL and rules is not None:
        cuts: dict[str, int] = {
            c.Status.EXTREME: rules.desil_ekstrem,
            c.Status.POOR: rules.desil_miskin,
            c.Status.VULNERABLE: rules.desil_rentan,
        }
        steps.extend(_desil_steps(row, cuts))
    else:
        steps.append(_("Tidak ada data pengeluaran, desil, maupun temuan lapangan."))
    if row.score is not None:
        score = _("Skor proksi %(score)s; %(share).0f%% keluarga lain lebih rendah.") % {
            "score": decimal(row.score, 1),
            "share": (row.score_rank or 0) * 100,
        }
        if row.is_candidate:
            score += " " + _("Termasuk kandidat verval (skor rendah, belum berstatus ekstrem).")
        steps.append(score)
    if row.period.rules is not None:
        steps.append(
            _("Aturan: %(name)s versi %(version)s; periode %(period)s (acuan %(on)s).")
            % {
                "name": row.period.rules.name,
                "version": row.period.rules.version,
                "period": row.period.name,
                "on": row.period.ends_on.isoformat(),
            }
        )
    return Explanation(
        status=row.status,
        status_label=row.get_status_display(),
        rule_label=row.get_rule_display(),
        steps=steps,
    )
