"""User management: the organisations (OPDs, partners, Dinsos, leadership), each one's
officers, and their accounts: add, edit, deactivate or activate, a new password.

Who may do what (ADR 0004, `accounts.access`): every page needs `can_manage_users`
(Dinsos admins); anyone else gets 403. An organisation, or an officer not in that
organisation, that does not exist is 404. A refused change shows the reason on the form,
keeps what was typed (never a password) and writes nothing.
"""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from entas.accounts import access, selectors, services
from entas.accounts.access import SignedInRequest
from entas.accounts.exceptions import AccountError
from entas.accounts.forms_users import (
    OfficerForm,
    OfficerPasswordForm,
    OfficerStatusForm,
    OrganizationForm,
)
from entas.accounts.models import Organization, User


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def show_refusal(form: Form, error: AccountError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _organization(request: SignedInRequest, organization_id: int) -> Organization:
    require(access.can_manage_users(request.user))
    return selectors.organization_get(organization_id=organization_id)


def _officer(
    request: SignedInRequest, organization_id: int, user_id: int
) -> tuple[Organization, User]:
    organization = _organization(request, organization_id)
    return organization, selectors.officer_get(organization=organization, user_id=user_id)


def _back_to(organization: Organization) -> HttpResponse:
    return redirect("accounts:organization_detail", organization_id=organization.pk)


# --- organisations ------------------------------------------------------------------------


@login_required
def organization_list(request: SignedInRequest) -> HttpResponse:
    require(access.can_manage_users(request.user))
    context = {"organizations": selectors.organization_list()}
    return render(request, "accounts/organization_list.html", context)


@login_required
def organization_detail(request: SignedInRequest, organization_id: int) -> HttpResponse:
    organization = _organization(request, organization_id)
    context = {
        "organization": organization,
        "officers": selectors.officer_list(organization=organization),
    }
    return render(request, "accounts/organization_detail.html", context)


@login_required
def organization_create(request: SignedInRequest) -> HttpResponse:
    require(access.can_manage_users(request.user))
    return _organization_form(request, organization=None)


@login_required
def organization_update(request: SignedInRequest, organization_id: int) -> HttpResponse:
    return _organization_form(request, organization=_organization(request, organization_id))


def _organization_form(
    request: SignedInRequest, *, organization: Organization | None
) -> HttpResponse:
    if request.method == "POST":
        form = OrganizationForm(request.POST)
    else:
        form = OrganizationForm.of(organization)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.organization_save(
                actor=request.user, organization=organization, **form.cleaned_data
            )
        except AccountError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Organisasi %(name)s disimpan.") % {"name": saved.name})
            return _back_to(saved)
    context = {"form": form, "organization": organization}
    status = 400 if form.errors else 200
    return render(request, "accounts/organization_form.html", context, status=status)


# --- officers ------------------------------------------------------------------------------


@login_required
def officer_create(request: SignedInRequest, organization_id: int) -> HttpResponse:
    organization = _organization(request, organization_id)
    data = request.POST if request.method == "POST" else None
    form = OfficerForm(data, organization=organization, new=True)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.officer_create(
                actor=request.user, organization=organization, **form.values()
            )
        except AccountError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Akun %(username)s dibuat.") % {"username": user.username})
            return _back_to(organization)
    context = {"form": form, "organization": organization, "officer": None}
    status = 400 if form.errors else 200
    return render(request, "accounts/officer_form.html", context, status=status)


@login_required
def officer_update(request: SignedInRequest, organization_id: int, user_id: int) -> HttpResponse:
    organization, officer = _officer(request, organization_id, user_id)
    form = OfficerForm.of(officer, organization)
    if request.method == "POST":
        form = OfficerForm(request.POST, organization=organization, new=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.officer_update(actor=request.user, user=officer, **form.values())
        except AccountError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request, _("Akun %(username)s disimpan.") % {"username": officer.username}
            )
            return _back_to(organization)
    context = {"form": form, "organization": organization, "officer": officer}
    status = 400 if form.errors else 200
    return render(request, "accounts/officer_form.html", context, status=status)


@login_required
def officer_status(request: SignedInRequest, organization_id: int, user_id: int) -> HttpResponse:
    """Deactivate an active account (with a reason) or activate an inactive one."""
    organization, officer = _officer(request, organization_id, user_id)
    form = OfficerStatusForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        active = not officer.is_active
        try:
            services.officer_set_active(
                actor=request.user, user=officer, active=active, **form.cleaned_data
            )
        except AccountError as error:
            show_refusal(form, error)
        else:
            done = (
                _("Akun %(username)s diaktifkan.")
                if active
                else _("Akun %(username)s dinonaktifkan.")
            )
            messages.success(request, done % {"username": officer.username})
            return _back_to(organization)
    context = {"form": form, "organization": organization, "officer": officer}
    status = 400 if form.errors else 200
    return render(request, "accounts/officer_status.html", context, status=status)


@login_required
def officer_password(request: SignedInRequest, organization_id: int, user_id: int) -> HttpResponse:
    organization, officer = _officer(request, organization_id, user_id)
    form = OfficerPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password"]
        try:
            services.officer_set_password(actor=request.user, user=officer, password=password)
        except AccountError as error:
            show_refusal(form, error)
        else:
            if officer.pk == request.user.pk:
                update_session_auth_hash(request, officer)
            messages.success(
                request,
                _("Kata sandi baru %(username)s disimpan.") % {"username": officer.username},
            )
            return _back_to(organization)
    context = {"form": form, "organization": organization, "officer": officer}
    status = 400 if form.errors else 200
    return render(request, "accounts/officer_password.html", context, status=status)
