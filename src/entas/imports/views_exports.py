"""Export pages: the BNBA list form, its download, and the blank import template.

Each: sign-in → role check (403 for roles that may not open registry data) → form →
service → response. The list comes from `exports.export_list`, which scopes, masks and
audits; a refused filter is shown on the form again with status 400.
"""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from entas.accounts import access
from entas.accounts.models import Role
from entas.imports.exports import XLSX_CONTENT_TYPE, ExportFile, ExportRefused, export_list
from entas.imports.forms_exports import ExportForm
from entas.imports.template import TEMPLATE_FILENAME, import_template_write

PAGE = "exports/page.html"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def export_page(request: access.SignedInRequest) -> HttpResponse:
    _require(access.can_view_registry(request.user))
    return render(request, PAGE, {"form": ExportForm(user=request.user)})


@login_required
def export_download(request: access.SignedInRequest) -> HttpResponse | StreamingHttpResponse:
    _require(access.can_view_registry(request.user))
    form = ExportForm(request.GET, user=request.user)
    if form.is_valid():
        try:
            export = export_list(
                user=request.user, filters=form.filters(), fmt=form.cleaned_data["format"]
            )
        except ExportRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            return _attachment(export)
    return render(request, PAGE, {"form": form}, status=400)


def _attachment(export: ExportFile) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    # Personal data: no copy in browser or proxy caches.
    response["Cache-Control"] = "no-store"
    return response


@login_required
def import_template(request: access.SignedInRequest) -> HttpResponse:
    user = request.user
    _require(access.can_view_registry(user) or access.role_of(user) == Role.ADMIN)
    buffer = io.BytesIO()
    import_template_write(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, TEMPLATE_FILENAME)
    return response
