"""OPD spreadsheet pages under /intervensi/mitra/lembar/: download an organisation's
referral list (XLSX or CSV) and upload its delivery list (upload → preview → confirm).

Who may do what (ADR 0004, `accounts.access.can_use_referral_sheets`): Dinsos admins for
any organisation, OPD officers and partners for their own only (the form offers nothing
else, and the services check again); everyone else gets 403. Between the preview and the
confirmation the parsed rows wait in the session (never the file); confirming checks them
again against the database.
"""

import io
import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.accounts.models import Organization
from entas.core.spreadsheet import SpreadsheetTooLarge
from entas.interventions import selectors_pledges as selectors
from entas.interventions.forms_pledges import ExportForm, ImportForm
from entas.interventions.services import sheets as services

SESSION_KEY = "interventions-delivery-sheet"
PREVIEW_SHOWN = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _organizations(request: SignedInRequest) -> Any:
    if not access.can_use_referral_sheets(request.user):
        raise PermissionDenied
    return selectors.sheet_organizations(user=request.user)


@login_required
def sheet_export(request: SignedInRequest) -> HttpResponse:
    organizations = _organizations(request)
    form = ExportForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        organization, format = form.cleaned_data["organization"], form.cleaned_data["format"]
        try:
            return _download(request, organization, format)
        except (services.SheetError, SpreadsheetTooLarge) as error:
            form.add_error(None, error.message)
    status = 400 if form.errors else 200
    return render(request, "interventions/sheet_export.html", {"form": form}, status=status)


def _download(request: SignedInRequest, organization: Organization, format: str) -> HttpResponse:
    target: io.BytesIO | io.StringIO = io.BytesIO() if format == "xlsx" else io.StringIO()
    services.referral_sheet_export(
        actor=request.user, organization=organization, format=format, target=target
    )
    name = f"rujukan-{organization.code}-{timezone.localdate():%Y%m%d}.{format}"
    response = HttpResponse(
        target.getvalue(),
        content_type=XLSX_TYPE if format == "xlsx" else "text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def sheet_import(request: SignedInRequest) -> HttpResponse:
    """Upload a delivery list and see, row by row, what would be recorded."""
    organizations = _organizations(request)
    form = ImportForm(request.POST or None, request.FILES or None, organizations=organizations)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        organization = form.cleaned_data["organization"]
        try:
            report = _read(request, organization, form.cleaned_data["file"])
        except services.SheetError as error:
            form.add_error("file" if error.field == "file" else None, error.message)
        else:
            request.session[SESSION_KEY] = {
                "organization": organization.pk,
                "file": report.file_name,
                "rows": [row.raw.as_list() for row in report.ready()],
            }
            context |= _report_context(report.rows, organization)
            context["file_name"] = report.file_name
    status = 400 if form.errors else 200
    return render(request, "interventions/sheet_import.html", context, status=status)


def _read(
    request: SignedInRequest, organization: Organization, file: UploadedFile
) -> services.SheetReport:
    with tempfile.TemporaryDirectory(prefix="entas-upload-") as folder:
        path = Path(folder) / "penyaluran"
        with path.open("wb") as target:
            for chunk in file.chunks():
                target.write(chunk)
        return services.delivery_sheet_read(
            actor=request.user, organization=organization, path=path,
            original_name=file.name or "penyaluran",
        )  # fmt: skip


def _report_context(rows: list[services.CheckedRow], organization: Organization) -> dict:
    counts = dict.fromkeys(services.RowStatus.values, 0)
    for row in rows:
        counts[row.status] += 1
    return {
        "organization": organization,
        "rows": rows[:PREVIEW_SHOWN],
        "rows_total": len(rows),
        "counts": [(label, counts[value]) for value, label in services.RowStatus.choices],
        "ready": counts[services.RowStatus.OK],
    }


@require_POST
@login_required
def sheet_import_confirm(request: SignedInRequest) -> HttpResponse:
    """Record the previewed good rows (checked again now) in one transaction."""
    organizations = _organizations(request)
    kept = request.session.get(SESSION_KEY)
    organization = organizations.filter(pk=(kept or {}).get("organization")).first()
    if not kept or organization is None:
        messages.error(request, _("Tidak ada unggahan yang menunggu; unggah berkasnya lagi."))
        return redirect("interventions:sheet_import")
    rows = [services.RawRow.from_list(values) for values in kept["rows"]]
    try:
        result = services.delivery_sheet_commit(
            actor=request.user, organization=organization, rows=rows, file_name=kept["file"]
        )
    except services.SheetError as error:
        messages.error(request, error.message)
        return redirect("interventions:sheet_import")
    del request.session[SESSION_KEY]
    messages.success(
        request,
        _("%(count)s penyaluran dari %(file)s dicatat untuk %(org)s.")
        % {"count": result.recorded, "file": kept["file"], "org": organization.name},
    )
    context = _report_context(result.rows, organization) | {"done": True, "file_name": kept["file"]}
    context["form"] = ImportForm(organizations=organizations)
    return render(request, "interventions/sheet_import.html", context)
