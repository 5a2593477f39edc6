"""The field officer's phone: today's list, the visit form, the sending endpoint of drafts
kept offline, and the service worker that keeps both pages usable without a signal.

A visit arrives either from the HTML form (posted to `field_visit`, redirected to the list)
or from `field.js`, which keeps every visit as a draft on the device until `field_submit`
answers 201 (stored) or 200 (already stored: the same `client_id`), so nothing is sent
twice and nothing typed is lost.
"""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core.services import audit_record
from entas.verval import choices as c
from entas.verval import selectors_field as selectors
from entas.verval.exceptions import VervalError
from entas.verval.forms_field import VisitForm, initial_for, section_of, too_many_photos
from entas.verval.models import Assignment, Visit
from entas.verval.services.photos import PreparedPhoto, photo_prepare
from entas.verval.services.visits import MAX_PHOTOS, visit_submit

SW_SCOPE = "/verval/lapangan/"


def _require_visitor(request: HttpRequest) -> None:
    if not access.can_visit(request.user):
        raise PermissionDenied


@never_cache
@login_required
def field_list(request: SignedInRequest) -> HttpResponse:
    _require_visitor(request)
    rows = selectors.field_list(officer=request.user)
    audit_record(
        actor=request.user,
        action="verval.field_list",
        summary=f"Membuka daftar kunjungan ({len(rows.open)} terbuka)",
    )
    return render(request, "verval/field_list.html", {"rows": rows})


class Refused(Exception):
    """A visit that was not stored: the section of the page and the message to show."""

    def __init__(self, section: str, message: str) -> None:
        super().__init__(message)
        self.section, self.message = section, message


def _receive(request: HttpRequest, assignment: Assignment, form: VisitForm) -> tuple[Visit, bool]:
    """Check, prepare the photos and store the visit; `Refused` says why not."""
    if not form.is_valid():
        raise Refused(*form.first_error())
    files = request.FILES.getlist("photos")
    if too_many_photos(files):
        message = _("Paling banyak %(n)s foto per kunjungan.") % {"n": MAX_PHOTOS}
        raise Refused("photos", message)
    try:
        photos: list[PreparedPhoto] = [photo_prepare(f, size=f.size or 0) for f in files]
        return visit_submit(
            actor=request.user, assignment=assignment, data=form.visit_input(), photos=photos
        )
    except VervalError as error:
        raise Refused(section_of(error.field or "outcome"), error.message) from error


@never_cache
@login_required
def field_visit(request: SignedInRequest, assignment_id: int) -> HttpResponse:
    _require_visitor(request)
    assignment = selectors.access_field_assignment(request.user, assignment_id)
    context = selectors.visit_context(assignment=assignment)
    if request.method != "POST":
        audit_record(
            actor=request.user,
            action="household.view",
            target=assignment.household,
            trail=assignment.household.trail,
            summary="Membuka formulir kunjungan verval",
        )
        form = VisitForm(members=context.members, initial=initial_for(**_prefill(context)))
        return _render_visit(request, assignment, context, form)
    form = VisitForm(request.POST, members=context.members)
    try:
        _visit, created = _receive(request, assignment, form)
    except Refused as refused:
        error = {"section": refused.section, "message": refused.message}
        return _render_visit(request, assignment, context, form, error=error, status=400)
    name = context.head_name or _("keluarga ini")
    if created:
        messages.success(request, _("Kunjungan %(name)s terkirim.") % {"name": name})
    else:
        messages.info(request, _("Kunjungan %(name)s sudah diterima sebelumnya.") % {"name": name})
    return redirect("verval:field_list")


def _prefill(context: selectors.VisitContext) -> dict[str, Any]:
    return {"members": context.members, "welfare": context.welfare, "causes": context.causes}


def _render_visit(
    request: HttpRequest,
    assignment: Assignment,
    context: selectors.VisitContext,
    form: VisitForm,
    *,
    error: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    page = {
        "assignment": assignment,
        "household": assignment.household,
        "visit": context,
        "form": form,
        "error": error or {},
        "is_open": assignment.status in c.OPEN_ASSIGNMENT,
        "max_photos": MAX_PHOTOS,
    }
    return render(request, "verval/field_visit.html", page, status=status)


@require_POST
def field_submit(request: SignedInRequest) -> JsonResponse:
    """A draft from the phone: 201 stored, 200 already stored, 400 with what to fix."""
    if not request.user.is_authenticated:
        # A redirect to the login page would read as success to a script: say it plainly.
        message = _("Sesi Anda berakhir. Masuk lagi; draf tetap tersimpan di perangkat.")
        return JsonResponse({"error": message, "field": ""}, status=401)
    _require_visitor(request)
    try:
        assignment = selectors.access_field_assignment(request.user, request.POST["assignment"])
    except (KeyError, Http404):  # missing, or not the user's: the same answer
        message = _("Tugas kunjungan ini tidak ditemukan atau bukan tugas Anda.")
        return JsonResponse({"error": message, "field": "assignment"}, status=404)
    context = selectors.visit_context(assignment=assignment)
    form = VisitForm(request.POST, members=context.members)
    try:
        visit, created = _receive(request, assignment, form)
    except Refused as refused:
        return JsonResponse({"error": refused.message, "field": refused.section}, status=400)
    answer = {"status": "created" if created else "duplicate", "visit": visit.pk}
    return JsonResponse(answer, status=201 if created else 200)


@require_GET
def field_sw(request: HttpRequest) -> HttpResponse:
    """The service worker; its scope is the officer's pages only."""
    assets = [
        static("verval/field.css"),
        static("verval/field.js"),
        static("vendor/htmx.org/dist/htmx.min.js"),
        static("entas/entas.css"),
    ]
    context = {
        "assets": json.dumps(assets),
        "list_url": reverse("verval:field_list"),
        "scope": SW_SCOPE,
    }
    response = render(request, "verval/sw.js", context, content_type="text/javascript")
    response["Service-Worker-Allowed"] = SW_SCOPE
    response["Cache-Control"] = "no-cache"
    return response
