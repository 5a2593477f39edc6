"""Writes of targeting: periods and their classification, lines, rule sets, findings.

Every change writes its audit event in the same transaction. Classification is one
INSERT … SELECT (see `engine`): the database does the work, Python only chooses the rule
set, the weights and the lines.
"""

import datetime as dt
import json
import re
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.core.bulk import refresh_statistics
from entas.core.services import audit_record
from entas.registry.models import Household
from entas.targeting import choices as c
from entas.targeting import engine, selectors
from entas.targeting.exceptions import TargetingError
from entas.targeting.models import (
    Alert,
    Classification,
    FieldFinding,
    Period,
    PovertyLine,
    RuleSet,
    ScoreModel,
)
from entas.targeting.parameters import rules_from, weights_from

# One statement sorts and ranks a whole city: let it sort in memory (for this transaction
# only) and skip JIT compilation, which costs more than it saves on a single pass.
SESSION_SETTINGS = {"postgresql": ("SET LOCAL jit = off", "SET LOCAL work_mem = '256MB'")}
PERIOD_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,19}$")


def period_create(
    *, actor: Any, code: str, name: str, starts_on: dt.date, ends_on: dt.date
) -> Period:
    code, name = code.strip(), name.strip()
    if not PERIOD_CODE.match(code):
        raise TargetingError(
            _("Kode periode hanya boleh huruf, angka, “-” dan “_” (paling panjang 20)."),
            code="bad_code",
            field="code",
        )
    if len(name) > 60:
        raise TargetingError(
            _("Nama periode paling panjang 60 karakter."), code="bad_name", field="name"
        )
    if ends_on < starts_on:
        raise TargetingError(
            _("Tanggal akhir periode tidak boleh sebelum tanggal mulai."), field="ends_on"
        )
    if Period.objects.filter(code=code).exists():
        raise TargetingError(
            _("Periode dengan kode “%(code)s” sudah ada.") % {"code": code},
            code="duplicate",
            field="code",
        )
    with transaction.atomic():
        period = Period.objects.create(
            code=code, name=name or code, starts_on=starts_on, ends_on=ends_on
        )
        audit_record(
            actor=actor,
            action="targeting.period_create",
            target=period,
            summary=f"{period.name} ({starts_on} – {ends_on})",
        )
    return period


def period_classify(*, actor: Any, period: Period) -> dict[str, int]:
    """Classify every active household as of the period's reference date; replace the snapshot.

    Uses the active rule set and score weights; the lines in force on the reference date.
    Then derives causes, graduates families that meet the criteria and raises alerts for
    graduated families that are extremely poor again. Returns the count per status.
    """
    from entas.targeting import causes, graduation

    if period.is_frozen:
        raise TargetingError(
            _("Periode %(name)s sudah dibekukan; hasilnya tidak dapat diubah.")
            % {"name": period.name},
            code="frozen",
        )
    rule_set, score_model = selectors.rules_active(), selectors.score_model_active()
    rules, weights = rules_from(rule_set.parameters), weights_from(score_model.parameters)
    extreme = selectors.line_in_force(choice=rules.extreme_line, on=period.ends_on)
    poverty = selectors.line_in_force(choice=rules.poverty_line, on=period.ends_on)
    sql, params = engine.insert_sql(
        connection.vendor,
        period_id=period.pk,
        line_ids=(extreme.pk, poverty.pk),
        rules=rules,
        lines=engine.Lines(extreme=extreme.monthly_amount, poverty=poverty.monthly_amount),
        weights=weights,
        on=period.ends_on,
        findings_from=period.ends_on - dt.timedelta(days=rules.finding_valid_days),
    )
    with transaction.atomic():
        locked = Period.objects.select_for_update().get(pk=period.pk)
        locked.classifications.all().delete()
        locked.graduations.all().delete()
        with connection.cursor() as cursor:
            for setting in SESSION_SETTINGS.get(connection.vendor, ()):
                cursor.execute(setting)
            cursor.execute(sql, params)
        refresh_statistics(Classification)  # the queries below plan on the new rows
        counts = selectors.period_counts(locked)
        locked.rules, locked.score_model = rule_set, score_model
        locked.extreme_line, locked.poverty_line = extreme, poverty
        locked.classified_at = timezone.now()
        locked.summary = {"counts": counts}
        locked.save(
            update_fields=[
                "rules", "score_model", "extreme_line", "poverty_line", "classified_at",
                "summary", "updated_at",
            ]
        )  # fmt: skip
        causes.causes_derive(period=locked)
        graduated = graduation.period_graduate(period=locked)
        alerts = graduation.reappearance_from_period(period=locked)
        locked.summary = {"counts": counts, "graduated": graduated, "alerts": alerts}
        locked.save(update_fields=["summary", "updated_at"])
        audit_record(
            actor=actor,
            action="targeting.period_classify",
            target=locked,
            summary=_("%(name)s: %(extreme)s keluarga miskin ekstrem dari %(total)s")
            % {
                "name": locked.name,
                "extreme": counts[c.Status.EXTREME],
                "total": sum(counts.values()),
            },
            changes={"rules": rule_set.version, "score": score_model.version, **counts},
        )
    period.refresh_from_db()
    return counts


def period_freeze(*, actor: Any, period: Period) -> Period:
    if period.is_frozen:
        raise TargetingError(_("Periode ini sudah dibekukan."), code="frozen")
    if period.classified_at is None:
        raise TargetingError(
            _("Periode yang belum diklasifikasi tidak dapat dibekukan."), code="not_classified"
        )
    with transaction.atomic():
        period.state, period.frozen_at = c.PeriodState.FROZEN, timezone.now()
        period.save(update_fields=["state", "frozen_at", "updated_at"])
        audit_record(
            actor=actor, action="targeting.period_freeze", target=period, summary=period.name
        )
    return period


# --- poverty lines -----------------------------------------------------------------------

LINE_FIELDS = (
    "kind", "basis", "region_code", "region_name", "effective_from", "amount", "unit",
    "source_url", "note",
)  # fmt: skip


def line_create(*, actor: Any, **values: Any) -> PovertyLine:
    """A new poverty line (version 1)."""
    _refuse_duplicate(values)
    with transaction.atomic():
        line = PovertyLine.objects.create(created_by=_user(actor), **_line_values(values))
        audit_record(
            actor=actor, action="targeting.line_create", target=line, summary=str(line),
            changes={k: str(getattr(line, k)) for k in LINE_FIELDS},
        )  # fmt: skip
    return line


def line_revise(*, actor: Any, line: PovertyLine, reason: str, **values: Any) -> PovertyLine:
    """A new version of `line` with `values` changed; the old version stays for history."""
    if not line.is_current:
        raise TargetingError(_("Hanya versi terbaru sebuah garis yang dapat diubah."))
    if not reason.strip():
        raise TargetingError(_("Tuliskan alasan perubahan garis."), field="reason")
    merged = {name: getattr(line, name) for name in LINE_FIELDS} | values
    changed = {
        k: [str(getattr(line, k)), str(merged[k])]
        for k in LINE_FIELDS
        if merged[k] != getattr(line, k)
    }
    if not changed:
        raise TargetingError(_("Tidak ada yang berubah."), code="unchanged")
    _refuse_duplicate(merged, revising=line)
    with transaction.atomic():
        line.is_current = False
        line.save(update_fields=["is_current", "updated_at"])
        revised = PovertyLine.objects.create(
            created_by=_user(actor), version=line.version + 1, replaces=line, **_line_values(merged)
        )
        audit_record(
            actor=actor, action="targeting.line_revise", target=revised, summary=str(revised),
            changes=changed, reason=reason,
        )  # fmt: skip
    return revised


def _refuse_duplicate(values: dict[str, Any], revising: PovertyLine | None = None) -> None:
    """One current line per kind, basis, region and date (the database constraint too)."""
    same = PovertyLine.objects.filter(
        is_current=True,
        **{k: values[k] for k in ("kind", "basis", "region_code", "effective_from")},
    )
    if revising is not None:
        same = same.exclude(pk=revising.pk)
    if same.exists():
        raise TargetingError(
            _(
                "Garis yang sama (jenis, dasar, wilayah, tanggal berlaku) sudah ada; "
                "ubah garis itu."
            ),
            code="duplicate",
        )


def _line_values(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("kind") not in c.LineKind.values or values.get("unit") not in c.LineUnit.values:
        raise TargetingError(_("Jenis atau satuan garis tidak dikenal."))
    if not values.get("amount") or values["amount"] <= 0:
        raise TargetingError(_("Nilai garis harus lebih dari nol."), field="amount")
    return {name: values.get(name, "") for name in LINE_FIELDS}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# --- rule sets and score weights ----------------------------------------------------------


def rules_load(
    *, actor: Any, name: str, parameters: Any, note: str = "", activate: bool = False
) -> RuleSet:
    """A new rule set version from parameters (checked first)."""
    rules_from(parameters)
    return _parameters_load(
        RuleSet,
        "rules",
        actor=actor,
        name=name,
        parameters=parameters,
        note=note,
        activate=activate,
    )


def weights_load(
    *, actor: Any, name: str, parameters: Any, note: str = "", activate: bool = False
) -> ScoreModel:
    """A new score weights version from parameters (checked first)."""
    weights_from(parameters)
    return _parameters_load(
        ScoreModel,
        "weights",
        actor=actor,
        name=name,
        parameters=parameters,
        note=note,
        activate=activate,
    )


def _parameters_load(
    model: Any, label: str, *, actor: Any, name: str, parameters: Any, note: str, activate: bool
) -> Any:
    if "\\u0000" in json.dumps(parameters) or "\x00" in name + note:
        raise TargetingError(_("Parameter tidak boleh memuat karakter NUL."), code="parameters")
    try:
        with transaction.atomic():
            return _parameters_create(
                model, label, actor=actor, name=name, parameters=parameters, note=note,
                activate=activate,
            )  # fmt: skip
    except IntegrityError as error:  # another version was saved at the same moment
        raise TargetingError(
            _("Versi lain baru saja disimpan bersamaan; coba simpan lagi."), code="conflict"
        ) from error


def _parameters_create(
    model: Any, label: str, *, actor: Any, name: str, parameters: Any, note: str, activate: bool
) -> Any:
    last = model.objects.select_for_update().order_by("-version").first()
    created = model.objects.create(
        version=(last.version + 1) if last else 1,
        name=name.strip() or label,
        parameters=parameters,
        note=note,
        created_by=_user(actor),
    )
    audit_record(
        actor=actor, action=f"targeting.{label}_load", target=created, summary=str(created)
    )
    if activate:
        parameters_activate(actor=actor, chosen=created)
    return created


def parameters_activate(*, actor: Any, chosen: RuleSet | ScoreModel) -> None:
    """Make `chosen` the version in use (one active per kind)."""
    model = type(chosen)
    with transaction.atomic():
        model.objects.filter(is_active=True).exclude(pk=chosen.pk).update(is_active=False)
        model.objects.filter(pk=chosen.pk).update(is_active=True)
        chosen.is_active = True
        audit_record(
            actor=actor, action=f"targeting.{model.__name__.lower()}_activate", target=chosen,
            summary=str(chosen),
        )  # fmt: skip


# --- field findings -------------------------------------------------------------------------


def finding_record(
    *,
    actor: Any,
    household: Household,
    outcome: str,
    observed_on: dt.date,
    source: str = c.FindingSource.MANUAL,
    reference: str = "",
    note: str = "",
) -> FieldFinding:
    """Record what a visit found; the next classification applies it (see the rule set)."""
    if outcome not in c.FindingOutcome.values:
        raise TargetingError(_("Hasil kunjungan tidak dikenal."), field="outcome")
    if observed_on > timezone.localdate():
        raise TargetingError(_("Tanggal kunjungan tidak boleh di masa depan."), field="observed_on")
    with transaction.atomic():
        finding = FieldFinding.objects.create(
            household=household, outcome=outcome, observed_on=observed_on, source=source,
            reference=reference, note=note, recorded_by=_user(actor),
        )  # fmt: skip
        audit_record(
            actor=actor, action="targeting.finding_record", target=finding,
            trail=f"household:{household.pk}",
            summary=f"{c.FindingOutcome(outcome).label} ({observed_on})",
        )  # fmt: skip
    return finding


def alert_resolve(*, actor: Any, alert: Alert, note: str) -> Alert:
    """Close an alert with what was done about it."""
    if alert.resolved_at is not None:
        raise TargetingError(_("Peringatan ini sudah ditangani."), code="resolved")
    if not note.strip():
        raise TargetingError(
            _("Tuliskan apa yang dilakukan terhadap peringatan ini."), field="note"
        )
    with transaction.atomic():
        alert.resolved_at, alert.resolved_by = timezone.now(), actor
        alert.resolution_note = note.strip()
        alert.save(update_fields=["resolved_at", "resolved_by", "resolution_note", "updated_at"])
        audit_record(
            actor=actor,
            action="targeting.alert_resolve",
            target=alert,
            trail=f"household:{alert.household_id}",
            summary=alert.message,
            reason=note,
        )
    return alert
