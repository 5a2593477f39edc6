"""Catalogue pages: programmes by owner and strategy with their quota and budget use, a
programme's page and form, its allocation per period, and a period's recommendations.

Reading the catalogue is `access.can_view_catalogue` (public rules, no personal data);
every write and the recommendation pages (names of families) are for Dinsos admins
(`access.can_manage_interventions`). Writes go through `services.catalogue`; a
`CatalogueError` becomes form errors with the typed values kept. The recommendations page
also offers a bulk proposal per programme, posted to `views_proposals`.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core.services import audit_record
from entas.interventions import choices as c
from entas.interventions import selectors_catalogue as selectors
from entas.interventions.eligibility import (
    FIELDS,
    OPERATORS,
    eligibility_explain,
    eligibility_validate,
)
from entas.interventions.forms_catalogue import (
    AllocationForm,
    DismissForm,
    ProgrammeForm,
    parse_conditions,
    programme_initial,
)
from entas.interventions.models import Programme, Recommendation
from entas.interventions.recommendations import recommendations_run
from entas.interventions.selectors_proposals import proposal_rows
from entas.interventions.services import catalogue as services
from entas.interventions.services.proposals import PROPOSALS_MAX
from entas.targeting.models import Classification

# The condition vocabulary shown beside the form: field, its label, the operators it takes.
VOCABULARY = [
    (name, field.label, ", ".join(OPERATORS[field.kind])) for name, field in FIELDS.items()
]


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def catalogue_list(request: SignedInRequest) -> HttpResponse:
    _require(access.can_view_catalogue(request.user))
    period = selectors.period_chosen(request.GET.get("periode", ""))
    owner, strategy = request.GET.get("pelaksana", ""), request.GET.get("strategi", "")
    context = {
        "rows": selectors.catalogue_rows(period=period, owner_code=owner, strategy=strategy),
        "period": period, "periods": selectors.period_list(),
        "owners": selectors.organization_owners(), "strategies": c.Strategy.choices,
        "owner": owner, "strategy": strategy,
        "can_manage": access.can_manage_interventions(request.user),
    }  # fmt: skip
    return render(request, "interventions/catalogue_list.html", context)


@login_required
def programme_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    _require(access.can_view_catalogue(request.user))
    programme = get_object_or_404(selectors.programme_scope(), pk=pk)
    context = {
        "detail": selectors.programme_detail(programme=programme),
        "can_manage": access.can_manage_interventions(request.user),
    }
    return render(request, "interventions/catalogue_programme.html", context)


@login_required
def programme_form(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    _require(access.can_manage_interventions(request.user))
    programme = get_object_or_404(selectors.programme_scope(), pk=pk) if pk else None
    initial = programme_initial(programme) if programme else {"eligibility": "[]"}
    form = ProgrammeForm(request.POST or None, programme=programme, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form, programme)
        except services.CatalogueError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Program %(name)s disimpan.") % {"name": saved.name})
            return redirect("interventions:programme_detail", saved.pk)
    context = {
        "form": form, "programme": programme, "vocabulary": VOCABULARY,
        **_preview(form["eligibility"].value()),
    }  # fmt: skip
    status = 400 if form.is_bound else 200
    return render(request, "interventions/catalogue_programme_form.html", context, status=status)


def _save(request: SignedInRequest, form: ProgrammeForm, programme: Programme | None) -> Programme:
    data = form.data_for_service()
    if programme is None:
        return services.programme_create(
            actor=request.user, code=form.cleaned_data["code"], data=data
        )
    return services.programme_update(actor=request.user, programme=programme, data=data)


def _preview(text: str | None) -> dict[str, Any]:
    """The explanation of typed conditions, or why they cannot be read."""
    try:
        conditions = parse_conditions(text or "[]")
    except ValidationError as error:
        return {"explanation": [], "problems": list(error.messages)}
    problems = eligibility_validate(conditions)
    explanation = [] if problems else eligibility_explain(conditions)
    return {"explanation": explanation, "problems": problems}


@login_required
@require_POST
def eligibility_preview(request: SignedInRequest) -> HttpResponse:
    """htmx: the explanation of the conditions being typed."""
    _require(access.can_manage_interventions(request.user))
    context = _preview(request.POST.get("eligibility", ""))
    return render(request, "interventions/catalogue_preview.html", context)


@login_required
def allocation_form(request: SignedInRequest, pk: int) -> HttpResponse:
    _require(access.can_manage_interventions(request.user))
    programme = get_object_or_404(selectors.programme_scope(), pk=pk)
    period = selectors.period_chosen(request.GET.get("periode", ""))
    form = AllocationForm(request.POST or None, initial={"period": period})
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            services.allocation_set(
                actor=request.user, programme=programme, period=values["period"],
                quota=values["quota"], budget=values["budget"],
            )  # fmt: skip
        except services.CatalogueError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Kuota dan anggaran disimpan."))
            return redirect("interventions:programme_detail", programme.pk)
    context = {"form": form, "programme": programme}
    status = 400 if form.is_bound else 200
    return render(request, "interventions/catalogue_allocation_form.html", context, status=status)


@login_required
def recommendations(request: SignedInRequest) -> HttpResponse:
    _require(access.can_manage_interventions(request.user))
    period = selectors.period_chosen(request.GET.get("periode", ""))
    if period is None:
        raise Http404
    programme, kelurahan = request.GET.get("program", ""), request.GET.get("kelurahan", "")
    shown = list(
        selectors.recommendation_list(
            period=period, programme_code=programme, kelurahan_code=kelurahan
        )
    )
    audit_record(
        actor=request.user, action="recommendations.view", target=period,
        summary=_("Membuka daftar rekomendasi program"),
        changes={"program": programme, "kelurahan": kelurahan,
                 "household_ids": sorted({r.household_id for r in shown})},
    )  # fmt: skip
    context = {
        "period": period, "periods": selectors.period_list(), "shown": shown,
        "counts": selectors.recommendation_counts(period=period),
        "programmes": selectors.programme_list(),
        "kelurahan_list": selectors.recommendation_kelurahan(period=period),
        "programme_code": programme, "kelurahan_code": kelurahan,
        "limit": selectors.RECOMMENDATIONS_SHOWN,
        "classified": Classification.objects.filter(period=period).exists(),
        "dismiss_form": DismissForm(),
        "proposal_rows": proposal_rows(
            period=period, kelurahan_code=kelurahan, most=PROPOSALS_MAX
        ),
        "proposals_max": PROPOSALS_MAX,
    }  # fmt: skip
    return render(request, "interventions/catalogue_recommendations.html", context)


def _back(period_code: str, **filters: str) -> str:
    query = urlencode({"periode": period_code, **{k: v for k, v in filters.items() if v}})
    return f"{reverse('interventions:recommendations')}?{query}"


@login_required
@require_POST
def recommendations_run_view(request: SignedInRequest) -> HttpResponse:
    _require(access.can_manage_interventions(request.user))
    period = selectors.period_chosen(request.POST.get("periode", ""))
    if period is None:
        raise Http404
    if not Classification.objects.filter(period=period).exists():
        messages.error(request, _("Periode ini belum diklasifikasi; klasifikasikan dulu."))
        return redirect(_back(period.code))
    result = recommendations_run(actor=request.user, period=period)
    messages.success(
        request,
        _("%(total)d rekomendasi untuk %(households)d keluarga.")
        % {"total": result.total, "households": result.households},
    )
    return redirect(_back(period.code))


@login_required
@require_POST
def recommendation_dismiss(request: SignedInRequest, pk: int) -> HttpResponse:
    _require(access.can_manage_interventions(request.user))
    try:
        recommendation = selectors.recommendation_open(pk=pk)
    except Recommendation.DoesNotExist as error:
        raise Http404 from error
    form = DismissForm(request.POST)
    back = _back(
        recommendation.period.code,
        program=request.POST.get("program", ""),
        kelurahan=request.POST.get("kelurahan", ""),
    )
    if not form.is_valid():
        messages.error(request, _("Alasan wajib diisi."))
        return redirect(back)
    try:
        services.recommendation_dismiss(
            actor=request.user, recommendation=recommendation, reason=form.cleaned_data["reason"]
        )
    except services.CatalogueError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Rekomendasi diabaikan."))
    return redirect(back)
