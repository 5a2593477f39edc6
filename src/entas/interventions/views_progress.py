"""Each organisation's progress in a period (/intervensi/konvergensi/capaian/), and the
same table as an XLSX or CSV download.

Sign-in → role (403: Dinsos admins and leaders see every organisation, OPD officers and
partners their own, `accounts.access.can_view_progress`) → period (404 for an unknown
code) → export form (400 with the reason) → response. Counts only, no names: no audit
event.
"""

import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core import spreadsheet
from entas.interventions import selectors_progress as selectors
from entas.interventions.views_convergence import chosen_period, convergence_context
from entas.targeting.models import Period

XLSX, CSV = "xlsx", "csv"
CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}


class ProgressExportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[(XLSX, gettext_lazy("Excel (XLSX)")), (CSV, gettext_lazy("CSV"))],
        initial=XLSX,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Pilih format berkas."),
            "invalid_choice": gettext_lazy("Pilih format XLSX atau CSV."),
        },
    )


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _render(
    request: SignedInRequest, period: Period | None, form: ProgressExportForm, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = convergence_context(request, period) | {
        "progress": selectors.convergence_progress(user=request.user, period=period)
        if period
        else None,
        "export_form": form,
    }
    return render(request, "interventions/convergence_progress.html", context, status=status)


@login_required
def convergence_progress(request: SignedInRequest) -> HttpResponse:
    _require(access.can_view_progress(request.user))
    return _render(request, chosen_period(request), ProgressExportForm())


@login_required
def convergence_progress_export(request: SignedInRequest) -> HttpResponse:
    _require(access.can_view_progress(request.user))
    period = chosen_period(request)
    form = ProgressExportForm(request.GET)
    if form.is_valid() and period is None:
        form.add_error(None, _("Belum ada periode yang diklasifikasi; belum ada yang diunduh."))
    if period is None or not form.is_valid():
        return _render(request, period, form, status=400)
    progress = selectors.convergence_progress(user=request.user, period=period)
    chosen = form.cleaned_data["format"]
    filename = f"capaian-konvergensi-{period.code}-{timezone.localdate():%Y%m%d}.{chosen}"
    return _attachment(progress_sheet(progress), chosen, filename)


def _attachment(sheet: spreadsheet.Sheet, chosen: str, filename: str) -> HttpResponse:
    if chosen == CSV:
        text = io.StringIO()
        spreadsheet.write_csv(text, sheet.header, sheet.rows)
        content = text.getvalue().encode("utf-8")
    else:
        binary = io.BytesIO()
        spreadsheet.write_xlsx(binary, [sheet])
        content = binary.getvalue()
    response = HttpResponse(content, content_type=CONTENT_TYPES[chosen])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


PROGRESS_HEADER = (
    gettext_lazy("Organisasi"),
    gettext_lazy("Program"),
    gettext_lazy("Rekomendasi terbuka"),
    gettext_lazy("Diusulkan (belum diputuskan)"),
    gettext_lazy("Diterima"),
    gettext_lazy("Ditolak"),
    gettext_lazy("Dijadwalkan"),
    gettext_lazy("Tersalurkan (termasuk selesai)"),
    gettext_lazy("Selesai dengan hasil"),
    gettext_lazy("Dibatalkan"),
    gettext_lazy("Keluarga terjangkau"),
    gettext_lazy("Keluarga miskin ekstrem terjangkau"),
    gettext_lazy("% keluarga miskin ekstrem"),
    gettext_lazy("Satuan tersalurkan"),
    gettext_lazy("Satuan"),
    gettext_lazy("Kuota"),
    gettext_lazy("Rupiah tersalurkan"),
    gettext_lazy("Anggaran (Rp)"),
)


def _tally_cells(tally: selectors.Tally, share: float | None) -> list[object]:
    return [
        tally.recommended, tally.proposed, tally.accepted, tally.declined, tally.scheduled,
        tally.delivered, tally.closed, tally.cancelled, tally.families, tally.extreme_families,
        share,
    ]  # fmt: skip


def progress_sheet(progress: selectors.Progress) -> spreadsheet.Sheet:
    """One row per organisation ("Semua program"), then one per programme under it;
    empty cells where there is no allocation."""
    rows: list[list[object]] = []
    for entry in progress.organizations:
        name = entry.organization.name
        rows.append(
            [name, _("Semua program"), *_tally_cells(entry.tally, entry.share),
             None, "", None, entry.tally.rupiah, entry.budget]
        )  # fmt: skip
        rows.extend(
            [name, row.programme.name, *_tally_cells(row.tally, row.share),
             row.units, row.programme.unit, row.quota, row.tally.rupiah, row.budget]
            for row in entry.programmes
        )  # fmt: skip
    header = [str(title) for title in PROGRESS_HEADER]
    widths = (28, 28, *([12] * 12), 10, 10, 16, 16)
    return spreadsheet.Sheet(_("Capaian"), header, rows, widths=widths)
