"""The supervisor's review: the queue of visits waiting, a visit next to the registry,
approve or return, and the house photos served through an access check.

Each view: sign-in → role check → scoped selector (404 outside the scope) → form →
service → response. Opening a visit is logged like the registry's household page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core.services import audit_record
from entas.verval import selectors_review as selectors
from entas.verval.exceptions import VervalError
from entas.verval.forms_review import QueueFilterForm, ReviewForm
from entas.verval.models import Visit
from entas.verval.services.visits import visit_approve as approve
from entas.verval.services.visits import visit_return as send_back

QUEUE_PAGE_SIZE = 50
PHOTO_CACHE = "private, max-age=3600"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def review_queue(request: SignedInRequest) -> HttpResponse:
    _require(access.can_review_visits(request.user))
    form = QueueFilterForm(request.GET or None, user=request.user)
    visits = selectors.review_queue(user=request.user, **form.queue_arguments())
    page = Paginator(visits, QUEUE_PAGE_SIZE).get_page(request.GET.get("halaman"))
    context = {"form": form, "page": page, "total": page.paginator.count}
    return render(request, "verval/review_queue.html", context)


@login_required
def visit_detail(request: SignedInRequest, visit_id: int) -> HttpResponse:
    _require(access.can_review_visits(request.user))
    visit = selectors.access_visit(request.user, visit_id)
    audit_record(
        actor=request.user, action="household.view", target=visit.household,
        trail=visit.household.trail,
        summary=f"Membuka kunjungan verval {visit.pk} untuk pemeriksaan",
    )  # fmt: skip
    return _render_visit(request, visit, ReviewForm())


def _render_visit(
    request: SignedInRequest, visit: Visit, form: ReviewForm, status: int = 200
) -> HttpResponse:
    review = selectors.visit_review(user=request.user, visit=visit)
    context = {
        "review": review, "visit": visit, "form": form, "far_m": selectors.FAR_FROM_HOME_M,
        "full_nik": access.can_see_full_nik(request.user),
    }  # fmt: skip
    return render(request, "verval/review_visit.html", context, status=status)


@require_POST
@login_required
def visit_approve(request: SignedInRequest, visit_id: int) -> HttpResponse:
    _require(access.can_review_visits(request.user))
    visit = selectors.access_visit(request.user, visit_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        family = selectors.head_name(visit.household)
        try:
            approve(actor=request.user, visit=visit, note=form.cleaned_data["note"])
        except VervalError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Kunjungan keluarga %(family)s disetujui.") % {"family": family}
            )
            return redirect("verval:review_queue")
    return _render_visit(request, visit, form, status=400)


@require_POST
@login_required
def visit_return(request: SignedInRequest, visit_id: int) -> HttpResponse:
    _require(access.can_review_visits(request.user))
    visit = selectors.access_visit(request.user, visit_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            send_back(actor=request.user, visit=visit, note=form.cleaned_data["note"])
        except VervalError as error:
            form.add_error("note" if error.field == "note" else None, error.message)
        else:
            family = selectors.head_name(visit.household)
            messages.success(
                request,
                _("Kunjungan keluarga %(family)s dikembalikan ke petugas.") % {"family": family},
            )
            return redirect("verval:review_queue")
    return _render_visit(request, visit, form, status=400)


@login_required
def visit_photo(request: SignedInRequest, photo_id: int) -> HttpResponse:
    photo = selectors.access_visit_photo(request.user, photo_id)
    try:
        with photo.image.open("rb") as stored:
            content = stored.read()
    except FileNotFoundError:
        raise Http404(_("Foto tidak ditemukan.")) from None
    response = HttpResponse(content, content_type="image/jpeg")
    response["Cache-Control"] = PHOTO_CACHE
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
