"""Reconciling two sources in the browser: upload, run while the user waits, download.

Admins only (`access.can_review_linkage`); every other role gets a 403. Files up to
`reconcile.WEB_MAX_ROWS` rows per side are reconciled in the request; larger ones are sent
to the command line. The result files are kept under a random token that only the
session which made them may download.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render

from entas.accounts import access
from entas.core.services import audit_record
from entas.imports import reconcile
from entas.imports.exceptions import ImportFileError
from entas.imports.forms_reconcile import ReconcileForm
from entas.imports.views import CONTENT_TYPES

SESSION_KEY = "reconcile_tokens"
KEPT_TOKENS = 10


def _require_reviewer(request: access.SignedInRequest) -> None:
    if not access.can_review_linkage(request.user):
        raise PermissionDenied


@login_required
def reconcile_page(request: access.SignedInRequest) -> HttpResponse:
    _require_reviewer(request)
    form = ReconcileForm(request.POST or None, request.FILES or None)
    run = None
    if request.method == "POST" and form.is_valid():
        try:
            run = reconcile.reconcile_uploads(
                user=request.user,
                left=form.uploads("kiri"),
                right=form.uploads("kanan"),
                threshold=form.threshold(),
            )
        except ImportFileError as error:
            form.add_error(None, error.message)
        else:
            tokens = request.session.get(SESSION_KEY, [])
            request.session[SESSION_KEY] = [*tokens, run.token][-KEPT_TOKENS:]
    context = {
        "form": form,
        "run": run,
        "categories": [(c, reconcile.CATEGORY_LABELS[c]) for c in reconcile.CATEGORIES],
        "max_rows": reconcile.WEB_MAX_ROWS,
    }
    return render(request, "imports/reconcile.html", context, status=400 if form.errors else 200)


@login_required
def reconcile_download(request: access.SignedInRequest, token: str, fmt: str) -> FileResponse:
    _require_reviewer(request)
    path = reconcile.reconcile_output(token, fmt)
    if path is None or token not in request.session.get(SESSION_KEY, []):
        raise Http404
    audit_record(
        actor=request.user,
        action="import.reconcile_download",
        summary=f"Mengunduh hasil rekonsiliasi ({fmt})",
        changes={"token": token},
    )
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=path.name, content_type=CONTENT_TYPES[fmt]
    )
    response["Cache-Control"] = "no-store"
    return response
