"""Partners' pledge pages under /intervensi/mitra/: the list, a new pledge, a pledge with
the families adopted for it (masked), and the actions on them.

Who may do what (ADR 0004, `accounts.access`):
- `can_work_pledges`: Dinsos admins see every pledge and match them; partner users see
  and create their own organisation's pledges, mark help delivered and release a family.
  Everyone else gets 403.
- A pledge or adoption of another partner is 404 (`selectors_pledges.access_pledge`).
- The families are shown masked to everyone here (`selectors_pledges.AdoptedFamily`);
  each opening of a pledge's page is audited, since it names families by initials.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core.services import audit_record
from entas.interventions import selectors_pledges as selectors
from entas.interventions.forms_pledges import DeliveredForm, PledgeForm, ReasonForm
from entas.interventions.services import pledges as services


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def pledge_list(request: SignedInRequest) -> HttpResponse:
    _require(access.can_work_pledges(request.user))
    context = {
        "pledges": selectors.pledge_list(user=request.user),
        "may_match": access.can_manage_interventions(request.user),
    }
    return render(request, "interventions/pledge_list.html", context)


@login_required
def pledge_form(request: SignedInRequest) -> HttpResponse:
    _require(access.can_work_pledges(request.user))
    form = PledgeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            pledge = services.pledge_create(actor=request.user, **form.cleaned_data)
        except services.PledgeError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Komitmen disimpan."))
            return redirect("interventions:pledge_detail", pledge_id=pledge.pk)
    status = 400 if form.errors else 200
    return render(request, "interventions/pledge_form.html", {"form": form}, status=status)


@login_required
def pledge_detail(request: SignedInRequest, pledge_id: int) -> HttpResponse:
    _require(access.can_work_pledges(request.user))
    pledge = selectors.access_pledge(user=request.user, pledge_id=pledge_id)
    families = selectors.adopted_families(pledge=pledge)
    audit_record(
        actor=request.user, action="interventions.pledge_view", target=pledge,
        summary=f"{len(families)} keluarga (tersamar)",
    )  # fmt: skip
    context: dict[str, Any] = {
        "pledge": pledge,
        "families": families,
        "may_match": access.can_manage_interventions(request.user),
        "delivered_form": DeliveredForm(),
        "reason_form": ReasonForm(),
    }
    return render(request, "interventions/pledge_detail.html", context)


@require_POST
@login_required
def pledge_match(request: SignedInRequest, pledge_id: int) -> HttpResponse:
    _require(access.can_manage_interventions(request.user))
    pledge = selectors.access_pledge(user=request.user, pledge_id=pledge_id)
    try:
        made = services.pledge_match(actor=request.user, pledge=pledge)
    except services.PledgeError as error:
        messages.error(request, error.message)
    else:
        count = len(made)
        messages.success(
            request,
            ngettext("%(count)s keluarga dicocokkan.", "%(count)s keluarga dicocokkan.", count)
            % {"count": count}
            if made
            else _("Tidak ada kebutuhan terbuka yang cocok dengan komitmen ini."),
        )
    return redirect("interventions:pledge_detail", pledge_id=pledge.pk)


@require_POST
@login_required
def pledge_withdraw(request: SignedInRequest, pledge_id: int) -> HttpResponse:
    _require(access.can_work_pledges(request.user))
    pledge = selectors.access_pledge(user=request.user, pledge_id=pledge_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.pledge_withdraw(actor=request.user, pledge=pledge, reason=reason)
    except services.PledgeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Komitmen ditarik."))
    return redirect("interventions:pledge_detail", pledge_id=pledge.pk)


@require_POST
@login_required
def adoption_delivered(request: SignedInRequest, adoption_id: int) -> HttpResponse:
    _require(access.can_work_pledges(request.user))
    adoption = selectors.access_adoption(user=request.user, adoption_id=adoption_id)
    form = DeliveredForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["delivered_on"]))
        return redirect("interventions:pledge_detail", pledge_id=adoption.pledge_id)
    try:
        services.adoption_delivered(
            actor=request.user, adoption=adoption, delivered_on=form.cleaned_data["delivered_on"]
        )
    except services.PledgeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Penyerahan bantuan dicatat."))
    return redirect("interventions:pledge_detail", pledge_id=adoption.pledge_id)


@require_POST
@login_required
def adoption_release(request: SignedInRequest, adoption_id: int) -> HttpResponse:
    _require(access.can_work_pledges(request.user))
    adoption = selectors.access_adoption(user=request.user, adoption_id=adoption_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.adoption_release(actor=request.user, adoption=adoption, reason=reason)
    except services.PledgeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Keluarga dilepas dari komitmen."))
    return redirect("interventions:pledge_detail", pledge_id=adoption.pledge_id)
