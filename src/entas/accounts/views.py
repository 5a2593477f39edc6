"""Pages that depend only on who the user is: the landing page per role, the audit log
and changing one's own password."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from entas.accounts import access, services
from entas.accounts.exceptions import AccountError
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


@login_required
def password_change(request: access.SignedInRequest) -> HttpResponse:
    """Any signed-in user changes their own password; their other sessions end."""
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["new_password1"]
        try:
            services.password_change(user=request.user, password=password)
        except AccountError as error:
            form.add_error("new_password1", error.message)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Kata sandi Anda sudah diganti."))
            return redirect("accounts:home")
    status = 400 if form.errors else 200
    return render(request, "accounts/password_change.html", {"form": form}, status=status)
