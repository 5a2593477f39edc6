"""Each OPD's referral queue, one referral with its lifecycle steps, and Dinsos' proposal.

Each view: sign-in → role check → scoped selector (404 outside the organisation) → form →
service → response. Opening a referral is logged like the registry's household page.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core.services import audit_record
from entas.interventions import choices as c
from entas.interventions import forms_referrals as f
from entas.interventions import selectors_referrals as selectors
from entas.interventions.models import Recommendation, Referral
from entas.interventions.services import referrals as services
from entas.registry.models import Household
from entas.registry.selectors import access_household

QUEUE_PAGE_SIZE = 50
Status = c.ReferralStatus


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- the queue -----------------------------------------------------------------------


@login_required
def referral_queue(request: SignedInRequest) -> HttpResponse:
    _require(access.can_work_referrals(request.user))
    form = f.QueueFilterForm(request.GET or None, user=request.user)
    arguments = form.queue_arguments()
    tab = request.GET.get("tab", "baru")
    tab = tab if tab in selectors.TABS else "baru"
    referrals = selectors.referral_queue(user=request.user, tab=tab, **arguments)
    page = Paginator(referrals, QUEUE_PAGE_SIZE).get_page(request.GET.get("halaman"))
    filters = {name: request.GET[name] for name in form.fields if request.GET.get(name)}
    context = {
        "form": form, "page": page, "tab": tab, "filters": urlencode(filters),
        "rows": selectors.queue_rows(user=request.user, referrals=list(page.object_list)),
        "tabs": _tabs(selectors.queue_tab_counts(user=request.user, **arguments), filters, tab),
        "is_admin": access.can_manage_interventions(request.user),
    }  # fmt: skip
    return render(request, "interventions/referral_queue.html", context)


def _tabs(counts: dict[str, int], filters: dict[str, str], current: str) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "label": label,
            "count": counts[key],
            "current": key == current,
            "query": urlencode({**filters, "tab": key}),
        }  # fmt: skip
        for key, label in selectors.TAB_LABELS.items()
    ]


# --- one referral --------------------------------------------------------------------

# The lifecycle steps: the form, the service call, and the status the step leads to.
STEPS: dict[str, tuple[type[forms.Form], Callable[..., Any], str]] = {
    "accept": (f.AcceptForm, services.referral_accept, Status.ACCEPTED),
    "decline": (f.ReasonForm, services.referral_decline, Status.DECLINED),
    "schedule": (f.ScheduleForm, services.referral_schedule, Status.SCHEDULED),
    "deliver": (f.DeliveryForm, services.delivery_record, Status.DELIVERED),
    "outcome": (f.OutcomeForm, services.referral_outcome, Status.CLOSED),
    "cancel": (f.ReasonForm, services.referral_cancel, Status.CANCELLED),
}
DONE = {
    "accept": _("Rujukan diterima."),
    "decline": _("Rujukan ditolak."),
    "schedule": _("Jadwal disimpan."),
    "deliver": _("Penyaluran dicatat."),
    "outcome": _("Hasil dicatat; rujukan selesai."),
    "cancel": _("Rujukan dibatalkan."),
}


@login_required
def referral_detail(request: SignedInRequest, referral_id: int) -> HttpResponse:
    _require(access.can_work_referrals(request.user))
    referral = selectors.access_referral(request.user, referral_id)
    audit_record(
        actor=request.user, action="household.view", target=referral.household,
        trail=f"household:{referral.household_id}",
        summary=f"Membuka rujukan {referral.pk} ({referral.programme.name})",
    )  # fmt: skip
    return _render_detail(request, referral)


def _steps_open(user: Any, referral: Referral) -> list[str]:
    """The steps this user may take on the referral now."""
    if not access.can_handle_referral(user, referral.organization_id):
        return []
    allowed = c.REFERRAL_TRANSITIONS[Status(referral.status)]
    admin = access.can_manage_interventions(user)
    return [
        step
        for step, (_form, _call, target) in STEPS.items()
        if target in allowed and (step != "cancel" or admin)
    ]


def _render_detail(
    request: SignedInRequest,
    referral: Referral,
    bound: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    steps = _steps_open(request.user, referral)
    step_forms = {step: STEPS[step][0]() for step in steps}
    if bound is not None:
        step_forms[bound[0]] = bound[1]
    context = {
        "card": selectors.referral_card(user=request.user, referral=referral),
        "referral": referral, "forms": step_forms, "failed": bound[0] if bound else "",
    }  # fmt: skip
    return render(request, "interventions/referral_detail.html", context, status=status)


def _take_step(request: SignedInRequest, referral_id: int, step: str) -> HttpResponse:
    _require(access.can_work_referrals(request.user))
    referral = selectors.access_referral(request.user, referral_id)
    form_class, call, _target = STEPS[step]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(actor=request.user, referral=referral, **form.cleaned_data)
        except services.ReferralError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
        else:
            messages.success(request, DONE[step])
            return redirect("interventions:referral_detail", referral.pk)
    return _render_detail(request, referral, (step, form), status=400)


@require_POST
@login_required
def referral_accept(request: SignedInRequest, referral_id: int) -> HttpResponse:
    return _take_step(request, referral_id, "accept")


@require_POST
@login_required
def referral_decline(request: SignedInRequest, referral_id: int) -> HttpResponse:
    return _take_step(request, referral_id, "decline")


@require_POST
@login_required
def referral_schedule(request: SignedInRequest, referral_id: int) -> HttpResponse:
    return _take_step(request, referral_id, "schedule")


@require_POST
@login_required
def referral_deliver(request: SignedInRequest, referral_id: int) -> HttpResponse:
    return _take_step(request, referral_id, "deliver")


@require_POST
@login_required
def referral_outcome(request: SignedInRequest, referral_id: int) -> HttpResponse:
    return _take_step(request, referral_id, "outcome")


@require_POST
@login_required
def referral_cancel(request: SignedInRequest, referral_id: int) -> HttpResponse:
    _require(access.can_manage_interventions(request.user))
    return _take_step(request, referral_id, "cancel")


# --- Dinsos proposes -----------------------------------------------------------------


@login_required
def referral_propose(request: SignedInRequest) -> HttpResponse:
    """?keluarga=<household id>[&program=<id>] or ?rekomendasi=<id>."""
    _require(access.can_manage_interventions(request.user))
    recommendation, household = _proposal_subject(request)
    form = f.ProposeForm(
        request.POST or None, household=household, initial=_initial(request, recommendation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_propose(
                actor=request.user, household=household, recommendation=recommendation,
                goal=None, **form.cleaned_data,
            )  # fmt: skip
        except services.ReferralError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, _("Rujukan diusulkan ke %(o)s.") % {"o": referral.organization}
            )
            return redirect("interventions:referral_detail", referral.pk)
    context = {"form": form, "household": household, "recommendation": recommendation,
               "head": selectors.head_name(household)}  # fmt: skip
    return render(
        request, "interventions/referral_propose.html", context,
        status=400 if form.is_bound else 200,
    )  # fmt: skip


def _proposal_subject(request: SignedInRequest) -> tuple[Recommendation | None, Household]:
    source = request.POST if request.method == "POST" else request.GET
    if source.get("rekomendasi"):
        recommendation = selectors.access_recommendation(request.user, source["rekomendasi"])
        return recommendation, recommendation.household
    return None, access_household(request.user, source.get("keluarga") or 0)


def _initial(request: SignedInRequest, recommendation: Recommendation | None) -> dict[str, Any]:
    if recommendation is not None:
        return {
            "period": recommendation.period_id, "programme": recommendation.programme_id,
            "person": recommendation.person_id, "need": recommendation.need_id,
        }  # fmt: skip
    return {"programme": request.GET.get("program")}


def propose_url(*, household_id: int, programme_id: int | None = None) -> str:
    """Where a family's page (or the catalogue) links to refer a family."""
    query = {"keluarga": household_id, **({"program": programme_id} if programme_id else {})}
    return reverse("interventions:referral_propose") + "?" + urlencode(query)
