"""Pages that depend only on who the user is: the landing page per role and the audit log."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from entas.accounts import access
from entas.accounts.forms import AuditFilterForm
from entas.core.selectors import audit_event_list, audit_event_page


@login_required
def home(request: access.SignedInRequest) -> HttpResponse:
    """Each role lands on its main page: the registry, the summary, or the audit log."""
    if access.can_view_registry(request.user):
        return redirect("registry:search")
    if access.can_view_aggregates(request.user):
        return redirect("registry:summary")
    if access.can_view_audit(request.user):
        return redirect("accounts:audit_log")
    raise PermissionDenied


@login_required
def audit_log(request: access.SignedInRequest) -> HttpResponse:
    if not access.can_view_audit(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET)
    page = None
    if form.is_valid():
        events = audit_event_list(**form.filters())
        page = audit_event_page(events=events, page=form.cleaned_data["page"] or 1)
    return render(request, "accounts/audit_log.html", {"form": form, "page": page})
