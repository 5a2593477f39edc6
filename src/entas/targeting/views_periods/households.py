"""A family's targeting page (statuses with their explanation, causes, findings,
graduations, alerts) with its two forms, and the alerts list.

The family is loaded only through `access_household` (404 outside the user's area);
opening the page is logged like the registry's own household page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core.services import audit_record
from entas.registry.choices import Relationship
from entas.registry.models import Household
from entas.registry.selectors import access_household, household_scope
from entas.targeting import causes, explain, selectors, services
from entas.targeting import choices as c
from entas.targeting.exceptions import TargetingError
from entas.targeting.forms_periods import CauseForm, FindingForm, ResolveForm
from entas.targeting.models import Alert, FieldFinding
from entas.targeting.views_periods.common import require

ALERTS_PAGE_SIZE = 50
# Both forms have a `note`; distinct ids keep each label on its own field.
CAUSE_IDS, FINDING_IDS = "cause_%s", "finding_%s"


@login_required
def household_detail(request: SignedInRequest, household_id: int) -> HttpResponse:
    require(access.can_view_registry(request.user))
    household = access_household(request.user, household_id)
    audit_record(
        actor=request.user,
        action="household.view",
        target=household,
        trail=household.trail,
        summary="Membuka status sasaran keluarga",
    )
    return _render_household(request, household)


def _render_household(
    request: SignedInRequest,
    household: Household,
    *,
    cause_form: CauseForm | None = None,
    finding_form: FindingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    rows = selectors.household_classifications(household.pk)
    head = household.memberships.filter(end_date__isnull=True, relationship=Relationship.HEAD)
    findings = FieldFinding.objects.filter(household=household).select_related("recorded_by")
    context = {
        "household": household,
        "head": head.select_related("person").first(),
        "full_nik": access.can_see_full_nik(user),
        "classifications": [(row, explain.classification_explain(row)) for row in rows],
        "causes": causes.household_causes(household.pk),
        "findings": findings.order_by("-observed_on", "-pk"),
        "graduations": household.graduations.select_related("period").order_by("-period__ends_on"),
        "alerts": household.alerts.select_related("resolved_by"),
        "can_edit_causes": access.can_edit_causes(user),
        "can_manage": access.can_manage_targeting(user),
        "cause_form": cause_form or CauseForm(auto_id=CAUSE_IDS),
        "finding_form": finding_form or FindingForm(auto_id=FINDING_IDS),
    }
    return render(request, "targeting/household.html", context, status=status)


@require_POST
@login_required
def household_cause(request: SignedInRequest, household_id: int) -> HttpResponse:
    require(access.can_edit_causes(request.user))
    household = access_household(request.user, household_id)
    form = CauseForm(request.POST, auto_id=CAUSE_IDS)
    if form.is_valid():
        data = form.cleaned_data
        try:
            causes.cause_set(
                actor=request.user,
                household=household,
                cause=data["cause"],
                present=data["present"],
                note=data["note"].strip(),
            )
        except TargetingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            done = _("ditambahkan") if data["present"] else _("dihapus")
            label = c.Cause(data["cause"]).label
            messages.success(
                request, _("Penyebab “%(cause)s” %(done)s.") % {"cause": label, "done": done}
            )
            return redirect("targeting:household", household_id=household.pk)
    return _render_household(request, household, cause_form=form, status=400)


@require_POST
@login_required
def household_finding(request: SignedInRequest, household_id: int) -> HttpResponse:
    require(access.can_manage_targeting(request.user))
    household = access_household(request.user, household_id)
    form = FindingForm(request.POST, auto_id=FINDING_IDS)
    if form.is_valid():
        try:
            services.finding_record(actor=request.user, household=household, **form.cleaned_data)
        except TargetingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, _("Temuan lapangan dicatat; berlaku pada klasifikasi berikutnya.")
            )
            return redirect("targeting:household", household_id=household.pk)
    return _render_household(request, household, finding_form=form, status=400)


@login_required
def alerts(request: SignedInRequest) -> HttpResponse:
    require(access.can_manage_targeting(request.user))
    found = (
        Alert.objects.filter(household__in=household_scope(request.user))
        .select_related("household__kelurahan", "resolved_by")
        .order_by(F("resolved_at").asc(nulls_first=True), "-created_at", "-pk")
    )
    page = Paginator(found, ALERTS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "open_count": found.filter(resolved_at__isnull=True).count()}
    return render(request, "targeting/alerts.html", context)


@require_POST
@login_required
def alert_resolve(request: SignedInRequest, alert_id: int) -> HttpResponse:
    require(access.can_manage_targeting(request.user))
    scope = Alert.objects.filter(household__in=household_scope(request.user))
    alert = get_object_or_404(scope, pk=alert_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors.get("note", [])))
        return redirect("targeting:alerts")
    try:
        services.alert_resolve(actor=request.user, alert=alert, note=form.cleaned_data["note"])
    except TargetingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Peringatan ditandai sudah ditangani."))
    return redirect("targeting:alerts")
