"""Settings pages: poverty lines, rule sets and score weights, with their versions.

Reading is for whoever may view targeting (`access.can_view_targeting`); adding, revising,
uploading and switching versions is for targeting managers (`access.can_manage_targeting`).
Every change goes through `services`, which audits it; a `TargetingError` becomes a form
error or a message, never a 500. Lines and parameters are public rules, not personal data,
so reading them is not audited.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Field, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core.models import AuditEvent
from entas.registry import choices as registry_choices
from entas.registry.models import WelfareRecord
from entas.targeting import choices as c
from entas.targeting import selectors, services
from entas.targeting.exceptions import TargetingError
from entas.targeting.forms_settings import LineForm, LineReviseForm, ParametersForm, line_initial
from entas.targeting.models import PovertyLine, RuleSet, ScoreModel
from entas.targeting.parameters import SCORE_COLUMNS, LineChoice, rules_from, weights_from

RULES, WEIGHTS = "aturan", "bobot"
KINDS: dict[str, type[RuleSet] | type[ScoreModel]] = {RULES: RuleSet, WEIGHTS: ScoreModel}
VERSIONS_SHOWN = 100


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- poverty lines -----------------------------------------------------------------------


@dataclass
class LineInUse:
    """The line a rule set's choice resolves to on a date, or why there is none."""

    label: str
    choice: LineChoice
    line: PovertyLine | None = None
    error: str = ""

    @property
    def kind_label(self) -> str:
        return str(c.LineKind(self.choice.kind).label)


def lines_in_use(on: dt.date) -> tuple[RuleSet | None, list[LineInUse], str]:
    """The active rule set, the lines it would use on `on`, or the reason it cannot say."""
    try:
        rule_set = selectors.rules_active()
        rules = rules_from(rule_set.parameters)
    except TargetingError as error:
        return None, [], error.message
    return rule_set, _resolve(rules.extreme_line, rules.poverty_line, on=on), ""


def _resolve(extreme: LineChoice, poverty: LineChoice, *, on: dt.date) -> list[LineInUse]:
    used = [
        LineInUse(label=_("Garis kemiskinan ekstrem"), choice=extreme),
        LineInUse(label=_("Garis kemiskinan"), choice=poverty),
    ]
    for item in used:
        try:
            item.line = selectors.line_in_force(choice=item.choice, on=on)
        except TargetingError as error:
            item.error = error.message
    return used


def _revision_reasons(lines: list[PovertyLine]) -> dict[int, str]:
    """The reason given for each replacing version, from the audit trail."""
    replacing = [str(new.pk) for line in lines if (new := _replacement(line))]
    events = AuditEvent.objects.filter(
        action="targeting.line_revise",
        target_type=PovertyLine._meta.label_lower,
        target_id__in=replacing,
    ).values_list("target_id", "reason")
    return {int(target): reason for target, reason in events}


def _replacement(line: PovertyLine) -> PovertyLine | None:
    """The version that replaced `line` (None for a line retired without one)."""
    return getattr(line, "replaced_by", None)


@login_required
def lines(request: SignedInRequest) -> HttpResponse:
    _require(access.can_view_targeting(request.user))
    rows = PovertyLine.objects.select_related("created_by")
    current = list(rows.filter(is_current=True))
    old = list(rows.filter(is_current=False).select_related("replaced_by"))
    reasons = _revision_reasons(old)
    today = timezone.localdate()
    rule_set, used, rules_error = lines_in_use(today)
    context = {
        "groups": [
            (kind, label, [line for line in current if line.kind == kind])
            for kind, label in c.LineKind.choices
        ],
        "old": [(line, reasons.get(getattr(_replacement(line), "pk", 0), "")) for line in old],
        "today": today,
        "rule_set": rule_set,
        "used": used,
        "rules_error": rules_error,
        "can_manage": access.can_manage_targeting(request.user),
    }
    return render(request, "targeting/lines.html", context)


def _form_error(form: Any, error: TargetingError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
def line_create(request: SignedInRequest) -> HttpResponse:
    _require(access.can_manage_targeting(request.user))
    initial = {"region_code": settings.ENTAS_REGION_CODE, "unit": c.LineUnit.PER_MONTH}
    form = LineForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            line = services.line_create(actor=request.user, **form.line_values())
        except TargetingError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Garis %(line)s disimpan.") % {"line": line})
            return redirect("targeting:lines")
    context = {"form": form, "line": None}
    return render(request, "targeting/line_form.html", context, status=400 if form.errors else 200)


@login_required
def line_revise(request: SignedInRequest, line_id: int) -> HttpResponse:
    _require(access.can_manage_targeting(request.user))
    line = get_object_or_404(PovertyLine, pk=line_id)
    if not line.is_current:
        messages.error(
            request,
            _("Versi %(version)s garis ini sudah diganti; ubah versi terbarunya.")
            % {"version": line.version},
        )
        return redirect("targeting:lines")
    form = LineReviseForm(request.POST or None, initial=line_initial(line), line=line)
    if request.method == "POST" and form.is_valid():
        try:
            revised = services.line_revise(
                actor=request.user,
                line=line,
                reason=form.cleaned_data["reason"],
                **form.line_values(),
            )
        except TargetingError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("Garis %(line)s disimpan sebagai versi %(version)s; versi lama tetap tercatat.")
                % {"line": revised, "version": revised.version},
            )
            return redirect("targeting:lines")
    context = {"form": form, "line": line}
    return render(request, "targeting/line_form.html", context, status=400 if form.errors else 200)


# --- rule sets and score weights -----------------------------------------------------------


def _versions(model: type[RuleSet] | type[ScoreModel]) -> QuerySet[Any]:
    return model.objects.select_related("created_by").order_by("-version")[:VERSIONS_SHOWN]


def _render_parameters(
    request: SignedInRequest, forms: dict[str, ParametersForm] | None = None, status: int = 200
) -> HttpResponse:
    forms = forms or {}
    context = {
        "rule_sets": _versions(RuleSet),
        "score_models": _versions(ScoreModel),
        "can_manage": access.can_manage_targeting(request.user),
        "rules_form": forms.get(RULES) or ParametersForm(prefix=RULES),
        "weights_form": forms.get(WEIGHTS) or ParametersForm(prefix=WEIGHTS),
        "RULES": RULES,
        "WEIGHTS": WEIGHTS,
    }
    return render(request, "targeting/parameters.html", context, status=status)


@login_required
def parameters(request: SignedInRequest) -> HttpResponse:
    _require(access.can_view_targeting(request.user))
    return _render_parameters(request)


LOADERS: dict[str, Callable[..., RuleSet | ScoreModel]] = {
    RULES: services.rules_load,
    WEIGHTS: services.weights_load,
}


@require_POST
@login_required
def parameters_upload(request: SignedInRequest, kind: str) -> HttpResponse:
    _require(access.can_manage_targeting(request.user))
    form = ParametersForm(request.POST, request.FILES, prefix=kind)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = LOADERS[kind](
                actor=request.user,
                name=data["name"],
                parameters=data["parameters"],
                note=data["note"],
                activate=data["activate"],
            )
        except TargetingError as error:
            form.add_error(None, error.message)
        else:
            _announce_loaded(request, created)
            return redirect("targeting:parameters")
    return _render_parameters(request, {kind: form}, status=400)


def _announce_loaded(request: SignedInRequest, created: RuleSet | ScoreModel) -> None:
    if created.is_active:
        messages.success(request, _("%(name)s disimpan dan dipakai.") % {"name": created})
    else:
        messages.success(
            request,
            _("%(name)s disimpan; versi yang dipakai belum berubah.") % {"name": created},
        )
    if isinstance(created, RuleSet) and created.is_active:
        _warn_missing_lines(request)


def _warn_missing_lines(request: SignedInRequest) -> None:
    """A rule set may name a line nobody has entered yet: say so now, not at classification."""
    _rule_set, used, _error = lines_in_use(timezone.localdate())
    for item in used:
        if item.error:
            messages.warning(request, item.error)


def _parameters_or_404(kind: str, pk: int) -> RuleSet | ScoreModel:
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    found = get_object_or_404(model.objects.select_related("created_by"), pk=pk)
    return cast(RuleSet | ScoreModel, found)


@require_POST
@login_required
def parameters_activate(request: SignedInRequest, kind: str, pk: int) -> HttpResponse:
    _require(access.can_manage_targeting(request.user))
    chosen = _parameters_or_404(kind, pk)
    if chosen.is_active:
        messages.info(request, _("%(name)s sudah dipakai.") % {"name": chosen})
        return redirect("targeting:parameters")
    services.parameters_activate(actor=request.user, chosen=chosen)
    messages.success(request, _("%(name)s sekarang dipakai.") % {"name": chosen})
    if isinstance(chosen, RuleSet):
        _warn_missing_lines(request)
    return redirect("targeting:parameters")


@login_required
def parameters_detail(request: SignedInRequest, kind: str, pk: int) -> HttpResponse:
    _require(access.can_view_targeting(request.user))
    chosen = _parameters_or_404(kind, pk)
    summary = (
        rules_summary(chosen.parameters, on=timezone.localdate())
        if kind == RULES
        else weights_summary(chosen.parameters)
    )
    context = {
        "chosen": chosen,
        "kind": kind,
        "is_rules": kind == RULES,
        "summary": None if isinstance(summary, str) else summary,
        "summary_error": summary if isinstance(summary, str) else "",
        "pretty": _pretty(chosen.parameters),
        "can_manage": access.can_manage_targeting(request.user),
    }
    return render(request, "targeting/parameters_detail.html", context)


def _pretty(parameters: Any) -> str:
    return json.dumps(parameters, indent=2, ensure_ascii=False) + "\n"


@login_required
def parameters_download(request: SignedInRequest, kind: str, pk: int) -> HttpResponse:
    _require(access.can_view_targeting(request.user))
    chosen = _parameters_or_404(kind, pk)
    response = HttpResponse(
        _pretty(chosen.parameters).encode("utf-8"), content_type="application/json; charset=utf-8"
    )
    name = f"{kind}-v{chosen.version}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- summaries in words ----------------------------------------------------------------------


@dataclass
class RulesSummary:
    lines: list[LineInUse]
    vulnerable_multiple: float
    desil: list[tuple[str, int]]  # (status label, highest desil of that status)
    findings: list[tuple[str, str]]  # (outcome label, status label or "")
    valid_days: int
    candidate_percent: float
    graduation_periods: int
    graduation_above: str
    graduation_confirmed: bool
    compare: list[str]


@dataclass
class WeightsSummary:
    intercept: float
    members_from: int
    members_points: float
    area_below: float
    area_points: float
    variables: list[tuple[str, list[tuple[str, float]] | None]]  # None: not scored
    assets: list[tuple[str, float]]


def _status_label(status: str) -> str:
    return str(c.Status(status).label)


def rules_summary(parameters: Any, *, on: dt.date) -> RulesSummary | str:
    """A rule set in words, with the lines it would use on `on`; or why it is unreadable."""
    try:
        rules = rules_from(parameters)
    except TargetingError as error:
        return error.message
    cuts = (rules.desil_ekstrem, rules.desil_miskin, rules.desil_rentan)
    return RulesSummary(
        lines=_resolve(rules.extreme_line, rules.poverty_line, on=on),
        vulnerable_multiple=rules.vulnerable_multiple,
        desil=[(_status_label(s), cut) for s, cut in zip(c.RANKED_STATUSES, cuts, strict=False)],
        findings=[
            (str(label), _status_label(rules.finding_outcomes[outcome]))
            if outcome in rules.finding_outcomes
            else (str(label), "")
            for outcome, label in c.FindingOutcome.choices
        ],
        valid_days=rules.finding_valid_days,
        candidate_percent=rules.candidate_share * 100,
        graduation_periods=rules.graduation.periods,
        graduation_above=_status_label(rules.graduation.above),
        graduation_confirmed=rules.graduation.confirmed_by_finding,
        compare=[_status_label(status) for status in rules.compare],
    )


def weights_summary(parameters: Any) -> WeightsSummary | str:
    """Score weights in words: points per variable value and per asset (0 when unlisted)."""
    try:
        weights = weights_from(parameters)
    except TargetingError as error:
        return error.message
    variables: list[tuple[str, list[tuple[str, float]] | None]] = []
    for column, choices in SCORE_COLUMNS.items():
        label = str(cast(Field, WelfareRecord._meta.get_field(column)).verbose_name)
        points = weights.categorical.get(column)
        rows = (
            None if points is None else [(str(lb), points.get(v, 0.0)) for v, lb in choices.choices]
        )
        variables.append((label, rows))
    return WeightsSummary(
        intercept=weights.intercept,
        members_from=weights.members_from,
        members_points=weights.members_points,
        area_below=weights.area_below,
        area_points=weights.area_points,
        variables=variables,
        assets=[
            (str(label), weights.assets.get(code, 0.0))
            for code, label in registry_choices.Asset.choices
        ],
    )
