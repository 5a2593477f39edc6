"""Pendampingan pages: the companion's families (or, for admins, the extreme-poor families of
a period and the bulk assignment), and the family's verval page with its small forms.

Families are loaded only through `access_household` (404 outside the user's area). Field
officers read the families of their area and write for those they accompany; the services
hold that rule too. The note and plan forms answer htmx requests with their section only;
without htmx they post and redirect like any form.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core.services import audit_record
from entas.registry.models import Household
from entas.registry.selectors import access_household, searchable_kelurahan
from entas.targeting.models import Period
from entas.verval import choices as c
from entas.verval import selectors_companions as selectors
from entas.verval.exceptions import VervalError
from entas.verval.forms_companions import (
    BulkAssignForm,
    CompanionAssignForm,
    CompanionEndForm,
    GoalForm,
    GoalStatusForm,
    NoteForm,
    PlanForm,
    StepDoneForm,
    StepForm,
)
from entas.verval.services import companions as services

NOTE_IDS, PLAN_IDS, GOAL_IDS = "note_%s", "plan_%s", "goal_%s"
ASSIGN_IDS, END_IDS, BULK_IDS = "assign_%s", "end_%s", "bulk_%s"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _service_error(form: Any, error: VervalError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- the list -------------------------------------------------------------------------


@login_required
def companion_list(request: SignedInRequest) -> HttpResponse:
    _require(access.can_accompany(request.user))
    if not access.can_manage_verval(request.user):
        families = selectors.my_families(user=request.user)
        return render(request, "verval/companion_mine.html", {"families": families})
    return _render_admin_list(request, request.GET)


def _period_chosen(code: str) -> Period | None:
    periods = selectors.classified_periods()
    return periods.filter(code=code).first() if code else selectors.latest_classified_period()


def _render_admin_list(
    request: SignedInRequest,
    query: Any,
    *,
    bulk_form: BulkAssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    period = _period_chosen(query.get("periode", ""))
    kelurahan_code = query.get("kelurahan", "")
    without = query.get("tanpa") == "1"
    context: dict[str, Any] = {
        "periods": selectors.classified_periods(),
        "period": period,
        "kelurahan_code": kelurahan_code,
        "without": without,
    }
    if period is not None:
        areas = selectors.extreme_kelurahan(user=user, period=period)
        context["areas"] = areas
        if kelurahan_code:
            context["families"] = selectors.extreme_families(
                user=user, period=period, kelurahan_code=kelurahan_code, without_companion=without
            )
        officers = (
            selectors.companion_options(kelurahan_code=kelurahan_code)
            if kelurahan_code
            else selectors.field_officers()
        )
        choices = [(row.kelurahan.code, row.kelurahan.name) for row in areas]
        context["bulk_form"] = bulk_form or BulkAssignForm(
            kelurahan=choices,
            officers=officers,
            auto_id=BULK_IDS,
            initial={"period": period.code, "kelurahan": kelurahan_code},
        )
    return render(request, "verval/companion_list.html", context, status=status)


@require_POST
@login_required
def companion_bulk(request: SignedInRequest) -> HttpResponse:
    _require(access.can_manage_verval(request.user))
    period = _period_chosen(request.POST.get("period", ""))
    if period is None:
        messages.error(
            request, _("Periode tidak ditemukan; pilih periode yang sudah diklasifikasi.")
        )
        return redirect("verval:companion_list")
    kelurahan = [(region.code, region.name) for region in searchable_kelurahan(request.user)]
    form = BulkAssignForm(
        request.POST, kelurahan=kelurahan, officers=selectors.field_officers(), auto_id=BULK_IDS
    )
    if not form.is_valid():
        query = {"periode": period.code, "kelurahan": request.POST.get("kelurahan", "")}
        return _render_admin_list(request, query, bulk_form=form, status=400)
    code = form.cleaned_data["kelurahan"]
    families = selectors.extreme_families(
        user=request.user, period=period, kelurahan_code=code, without_companion=True
    )
    counts = services.companions_assign_bulk(
        actor=request.user, households=list(families), companion=form.chosen()
    )
    messages.success(request, _bulk_message(counts))
    shown = urlencode({"periode": period.code, "kelurahan": code})
    return redirect(f"{reverse('verval:companion_list')}?{shown}")


def _bulk_message(counts: dict[str, int]) -> str:
    return _(
        "%(assigned)s keluarga mendapat pendamping; %(no_officer)s tanpa petugas verval yang "
        "disetujui; %(out_of_scope)s petugasnya tidak mencakup wilayah keluarga; "
        "%(already)s sudah didampingi."
    ) % {
        "assigned": counts["assigned"],
        "no_officer": counts["no_officer"],
        "out_of_scope": counts["out_of_scope"],
        "already": counts["already_accompanied"],
    }


# --- the family's page ----------------------------------------------------------------


def _family(request: SignedInRequest, household_id: int) -> Household:
    _require(access.can_accompany(request.user))
    return access_household(request.user, household_id)


def _open_needs(household: Household) -> Any:
    return selectors.household_needs(household=household).filter(status=c.NeedStatus.OPEN)


def _sections(request: SignedInRequest, household: Household, forms: dict[str, Any]) -> dict:
    view = selectors.family_view(user=request.user, household=household)
    context: dict[str, Any] = {
        "view": view,
        "household": household,
        "note_form": NoteForm(auto_id=NOTE_IDS),
        "plan_form": PlanForm(auto_id=PLAN_IDS),
        "goal_form": GoalForm(needs=_open_needs(household), auto_id=GOAL_IDS),
        "step_form": StepForm(),
        "step_goal_id": None,
        "goal_statuses": c.GoalStatus.choices,
        "assign_form": CompanionAssignForm(officers=view.companion_options, auto_id=ASSIGN_IDS),
        "end_form": CompanionEndForm(auto_id=END_IDS),
        "today": timezone.localdate(),
        "can_manage": access.can_manage_verval(request.user),
        "full_nik": access.can_see_full_nik(request.user),
    }
    context.update(forms)
    return context


@login_required
def family(request: SignedInRequest, household_id: int) -> HttpResponse:
    household = _family(request, household_id)
    audit_record(
        actor=request.user,
        action="household.view",
        target=household,
        trail=household.trail,
        summary="Membuka halaman pendampingan keluarga",
    )
    return render(request, "verval/family.html", _sections(request, household, {}))


def _answer(
    request: SignedInRequest,
    household: Household,
    *,
    section: str,
    done: str = "",
    forms: dict[str, Any] | None = None,
) -> HttpResponse:
    """Success: htmx gets the fresh section, a plain post a redirect. Failure: the section
    (htmx) or the whole page (400) with the form as it was typed and the reason."""
    failed = forms is not None
    if _is_htmx(request):
        context = _sections(request, household, forms or {}) | {"done": done}
        return render(request, f"verval/family_{section}.html", context)
    if not failed:
        messages.success(request, done)
        url = reverse("verval:family", args=[household.pk])
        return redirect(f"{url}#{section}")
    context = _sections(request, household, forms or {})
    return render(request, "verval/family.html", context, status=400)


@require_POST
@login_required
def family_companion(request: SignedInRequest, household_id: int) -> HttpResponse:
    _require(access.can_manage_verval(request.user))
    household = _family(request, household_id)
    options = selectors.companion_options(kelurahan_code=household.kelurahan.code)
    form = CompanionAssignForm(request.POST, officers=options, auto_id=ASSIGN_IDS)
    if form.is_valid():
        try:
            made = services.companion_assign(
                actor=request.user,
                household=household,
                companion=form.chosen(),
                started_on=form.cleaned_data["started_on"],
            )
        except VervalError as error:
            _service_error(form, error)
        else:
            done = _("%(name)s kini pendamping keluarga ini.") % {"name": made.companion}
            return _answer(request, household, section="companion", done=done)
    return _answer(request, household, section="companion", forms={"assign_form": form})


@require_POST
@login_required
def family_companion_end(request: SignedInRequest, household_id: int) -> HttpResponse:
    _require(access.can_manage_verval(request.user))
    household = _family(request, household_id)
    form = CompanionEndForm(request.POST, auto_id=END_IDS)
    if form.is_valid():
        try:
            services.companion_end(actor=request.user, household=household, **form.cleaned_data)
        except VervalError as error:
            _service_error(form, error)
        else:
            done = _("Pendampingan keluarga ini diakhiri.")
            return _answer(request, household, section="companion", done=done)
    return _answer(request, household, section="companion", forms={"end_form": form})


@require_POST
@login_required
def family_note(request: SignedInRequest, household_id: int) -> HttpResponse:
    household = _family(request, household_id)
    form = NoteForm(request.POST, auto_id=NOTE_IDS)
    if form.is_valid():
        try:
            services.companion_note_add(
                actor=request.user, household=household, **form.cleaned_data
            )
        except VervalError as error:
            _service_error(form, error)
        else:
            return _answer(request, household, section="notes", done=_("Catatan disimpan."))
    return _answer(request, household, section="notes", forms={"note_form": form})


@require_POST
@login_required
def family_plan(request: SignedInRequest, household_id: int) -> HttpResponse:
    household = _family(request, household_id)
    form = PlanForm(request.POST, auto_id=PLAN_IDS)
    if form.is_valid():
        try:
            services.plan_create(actor=request.user, household=household, **form.cleaned_data)
        except VervalError as error:
            _service_error(form, error)
        else:
            done = _("Rencana keluarga dibuat; tambahkan tujuannya.")
            return _answer(request, household, section="plan", done=done)
    return _answer(request, household, section="plan", forms={"plan_form": form})


@require_POST
@login_required
def family_plan_complete(request: SignedInRequest, household_id: int) -> HttpResponse:
    household = _family(request, household_id)
    plan = selectors.active_plan(household=household)
    try:
        services.plan_complete(actor=request.user, plan=plan)
    except VervalError as error:
        return _answer(request, household, section="plan", forms={"plan_error": error.message})
    return _answer(request, household, section="plan", done=_("Rencana keluarga diselesaikan."))


@require_POST
@login_required
def family_goal(request: SignedInRequest, household_id: int) -> HttpResponse:
    household = _family(request, household_id)
    plan = selectors.active_plan(household=household)
    form = GoalForm(request.POST, needs=_open_needs(household), auto_id=GOAL_IDS)
    if form.is_valid():
        try:
            services.goal_add(actor=request.user, plan=plan, **form.cleaned_data)
        except VervalError as error:
            _service_error(form, error)
        else:
            return _answer(request, household, section="plan", done=_("Tujuan ditambahkan."))
    return _answer(request, household, section="plan", forms={"goal_form": form})


@require_POST
@login_required
def family_goal_status(request: SignedInRequest, household_id: int, goal_id: int) -> HttpResponse:
    household = _family(request, household_id)
    goal = selectors.plan_goal(household=household, goal_id=goal_id)
    form = GoalStatusForm(request.POST)
    if not form.is_valid():
        error_text = " ".join(str(e) for e in form.errors.get("status", []))
        return _answer(request, household, section="plan", forms={"plan_error": error_text})
    try:
        services.goal_status_set(actor=request.user, goal=goal, **form.cleaned_data)
    except VervalError as error:
        return _answer(request, household, section="plan", forms={"plan_error": error.message})
    return _answer(request, household, section="plan", done=_("Status tujuan diubah."))


@require_POST
@login_required
def family_step(request: SignedInRequest, household_id: int, goal_id: int) -> HttpResponse:
    household = _family(request, household_id)
    goal = selectors.plan_goal(household=household, goal_id=goal_id)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.step_add(actor=request.user, goal=goal, **form.cleaned_data)
        except VervalError as error:
            _service_error(form, error)
        else:
            return _answer(request, household, section="plan", done=_("Langkah ditambahkan."))
    forms = {"failed_step_form": form, "step_goal_id": goal.pk}
    return _answer(request, household, section="plan", forms=forms)


@require_POST
@login_required
def family_step_done(request: SignedInRequest, household_id: int, step_id: int) -> HttpResponse:
    household = _family(request, household_id)
    step = selectors.plan_step(household=household, step_id=step_id)
    form = StepDoneForm(request.POST)
    if not form.is_valid():
        error_text = " ".join(str(e) for e in form.errors.get("done_on", []))
        return _answer(request, household, section="plan", forms={"plan_error": error_text})
    try:
        services.step_done(actor=request.user, step=step, **form.cleaned_data)
    except VervalError as error:
        return _answer(request, household, section="plan", forms={"plan_error": error.message})
    return _answer(request, household, section="plan", done=_("Langkah ditandai selesai."))
