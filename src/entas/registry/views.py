"""Registry pages. Each: sign-in → role check → scoped selector → audit of what was shown.

Rows outside the user's scope are a 404 (raised by the `access_*` selectors); a role
that may not open registry pages at all gets a 403.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from entas.accounts import access
from entas.accounts.models import User
from entas.core.http import is_htmx_fragment
from entas.core.services import audit_record
from entas.registry import selectors
from entas.registry.forms import SearchForm, SummaryForm


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def search(request: access.SignedInRequest) -> HttpResponse:
    _require(access.can_view_registry(request.user))
    form = SearchForm(request.GET or None, user=request.user)
    page = None
    if form.is_bound and form.is_valid() and form.has_criteria:
        page = selectors.person_search(user=request.user, **form.search_arguments())
        _record_search(request.user, form, page)
    template = "registry/_results.html" if is_htmx_fragment(request) else "registry/search.html"
    context = {"form": form, "page": page, "full_nik": access.can_see_full_nik(request.user)}
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _record_search(user: User, form: SearchForm, page: selectors.PersonSearchPage) -> None:
    arguments = form.search_arguments()
    birth_date = arguments.pop("birth_date")
    shown = [result.person.pk for result in page.results]
    audit_record(
        actor=user,
        action="registry.search",
        summary=f"Pencarian registri: {len(shown)} individu ditampilkan",
        changes={
            **arguments,
            "birth_date": birth_date.isoformat() if birth_date else None,
            "result_ids": shown,
        },
    )


@login_required
def household_detail(request: access.SignedInRequest, household_id: int) -> HttpResponse:
    _require(access.can_view_registry(request.user))
    household = selectors.access_household(request.user, household_id)
    detail = selectors.household_detail(household=household)
    audit_record(
        actor=request.user,
        action="household.view",
        target=household,
        trail=household.trail,
        summary="Membuka halaman keluarga",
    )
    context = {
        "detail": detail,
        "full_nik": access.can_see_full_nik(request.user),
        "verval_link": access.can_accompany(request.user),
    }
    return render(request, "registry/household.html", context)


@login_required
def person_detail(request: access.SignedInRequest, person_id: int) -> HttpResponse:
    _require(access.can_view_registry(request.user))
    person = selectors.access_person(request.user, person_id)
    detail = selectors.person_detail(user=request.user, person=person)
    latest = detail.memberships[0].household.trail if detail.memberships else ""
    audit_record(
        actor=request.user,
        action="person.view",
        target=person,
        trail=latest,
        summary="Membuka halaman individu",
    )
    context = {"detail": detail, "full_nik": access.can_see_full_nik(request.user)}
    return render(request, "registry/person.html", context)


@login_required
def summary(request: access.SignedInRequest) -> HttpResponse:
    _require(access.can_view_aggregates(request.user))
    form = SummaryForm(request.GET)
    rows: list[selectors.SummaryRow] = []
    if form.is_valid():
        kecamatan = form.cleaned_data["kecamatan"]
        rows = selectors.registry_summary(user=request.user, kecamatan_code=kecamatan)
    context = {"form": form, "rows": rows, "total": selectors.summary_total(rows)}
    return render(request, "registry/summary.html", context)
