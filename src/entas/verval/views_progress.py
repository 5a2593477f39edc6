"""Progress pages of a verval campaign, its overdue families, and a kelurahan's berita
acara (PDF) with its BNBA attachment (XLSX/CSV).

Each view: sign-in → role (403) → the campaign and kelurahan through scoped selectors
(404 outside the scope; a draft campaign exists only for admins) → form → response.
Downloads and pages that carry family names write an audit event.
"""

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.accounts.models import User
from entas.core import spreadsheet
from entas.core.exceptions import EntasError
from entas.core.http import is_htmx_fragment
from entas.core.services import audit_record
from entas.verval import choices as c
from entas.verval import selectors_progress as progress_selectors
from entas.verval.forms_progress import (
    ExportFormat,
    FormatForm,
    MinutesForm,
    ProgressExportForm,
    ProgressForm,
)
from entas.verval.minutes import minutes_pdf as render_minutes_pdf
from entas.verval.models import Campaign
from entas.verval.selectors_progress import (
    KELURAHAN,
    OFFICER,
    FamilyRow,
    Progress,
)
from entas.wilayah.models import Region
from entas.wilayah.selectors import deployment_region_name

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
PDF_CONTENT_TYPE = "application/pdf"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _today() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"  # names and addresses: no copy in caches
    return response


def _sheet_file(sheet: spreadsheet.Sheet, fmt: str, filename: str) -> HttpResponse:
    """A small sheet (one campaign's areas, one kelurahan's families) as an attachment."""
    if fmt == ExportFormat.CSV:
        text = io.StringIO()
        spreadsheet.write_csv(text, sheet.header, sheet.rows)
        return _attachment(text.getvalue().encode("utf-8"), CSV_CONTENT_TYPE, filename)
    binary = io.BytesIO()
    spreadsheet.write_xlsx(binary, [sheet])
    return _attachment(binary.getvalue(), XLSX_CONTENT_TYPE, filename)


# --- progress --------------------------------------------------------------------------


def _progress_context(
    request: SignedInRequest, campaign: Campaign, form: ProgressForm, kecamatan: Progress
) -> dict[str, Any]:
    user = request.user
    chosen = form.cleaned_data.get("kecamatan") if form.is_valid() else ""
    return {
        "campaign": campaign,
        "form": form,
        "progress": kecamatan,
        "officers": progress_selectors.campaign_progress(
            campaign=campaign, user=user, level=OFFICER
        ),
        "kelurahan": progress_selectors.campaign_progress(
            campaign=campaign, user=user, level=KELURAHAN, kecamatan_code=chosen
        )
        if chosen
        else None,
        "outcome_totals": list(zip(c.Outcome.labels, kecamatan.total.outcome_counts, strict=True)),
        "city_wide": access.role_of(user) in access.CITY_WIDE_ROLES,
        "can_print_minutes": access.can_print_minutes(user),
    }


def _render_progress(
    request: SignedInRequest,
    campaign: Campaign,
    *,
    export_form: ProgressExportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    kecamatan = progress_selectors.campaign_progress(campaign=campaign, user=request.user)
    choices = [(row.key, row.name) for row in kecamatan.rows]
    form = ProgressForm(request.GET or None, kecamatan=choices)
    context = _progress_context(request, campaign, form, kecamatan)
    context["export_form"] = export_form or ProgressExportForm()
    if is_htmx_fragment(request) and export_form is None:
        template = "verval/progress_kelurahan.html"
    else:
        template = "verval/progress.html"
        status = 400 if form.errors else status
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def progress(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    _require(access.can_view_verval_progress(request.user))
    campaign = progress_selectors.access_campaign_progress(
        user=request.user, campaign_id=campaign_id
    )
    return _render_progress(request, campaign)


EXPORT_HEADER = (
    gettext_lazy("Kode"),
    gettext_lazy("Nama"),
    gettext_lazy("Kecamatan"),
    gettext_lazy("Jumlah keluarga"),
    gettext_lazy("Belum dikunjungi"),
    gettext_lazy("Menunggu pemeriksaan"),
    gettext_lazy("Dikembalikan"),
    gettext_lazy("Disetujui"),
    gettext_lazy("Sudah dikunjungi"),
    gettext_lazy("Selesai (%)"),
    gettext_lazy("Terlambat"),
)


def progress_sheet(table: Progress) -> spreadsheet.Sheet:
    """The rows and the total of one progress table; officers' rows have no code."""
    header = [str(title) for title in EXPORT_HEADER]
    header += [_("Hasil: %(outcome)s") % {"outcome": label} for _code, label in c.Outcome.choices]
    rows = [
        [
            "" if table.level == OFFICER else row.key,
            row.name,
            row.parent,
            row.total,
            row.pending,
            row.submitted,
            row.returned,
            row.approved,
            row.visited,
            row.done_percent,
            row.overdue,
            *row.outcome_counts,
        ]
        for row in [*table.rows, table.total]
    ]
    return spreadsheet.Sheet(_("Progres"), header, rows, widths=(16, 28, 18), text_columns=(0,))


@login_required
def progress_export(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    _require(access.can_view_verval_progress(request.user))
    campaign = progress_selectors.access_campaign_progress(
        user=request.user, campaign_id=campaign_id
    )
    form = ProgressExportForm(request.GET)
    if not form.is_valid():
        return _render_progress(request, campaign, export_form=form, status=400)
    level, fmt = form.cleaned_data["level"], form.cleaned_data["format"]
    table = progress_selectors.campaign_progress(campaign=campaign, user=request.user, level=level)
    filename = f"progres-verval-{campaign.pk}-{level}-{_today()}.{fmt}"
    return _sheet_file(progress_sheet(table), fmt, filename)


@login_required
def progress_overdue(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    user = request.user
    _require(access.can_view_verval_progress(user))
    campaign = progress_selectors.access_campaign_progress(user=user, campaign_id=campaign_id)
    families = progress_selectors.overdue_list(campaign=campaign, user=user)
    if families:
        audit_record(
            actor=user, action="verval.overdue_view", target=campaign,
            summary=_("Daftar keluarga terlambat dikunjungi: %(count)s keluarga")
            % {"count": len(families)},
            changes={"count": len(families)},
        )  # fmt: skip
    context = {
        "campaign": campaign,
        "kelurahan": progress_selectors.campaign_progress(
            campaign=campaign, user=user, level=KELURAHAN
        ),
        "officers": progress_selectors.campaign_progress(
            campaign=campaign, user=user, level=OFFICER
        ),
        "groups": _by_kelurahan(families),
        "can_see_names": access.can_export(user),
    }
    return render(request, "verval/progress_overdue.html", context)


def _by_kelurahan(families: list[FamilyRow]) -> list[tuple[str, list[FamilyRow]]]:
    """The families (already in kelurahan order) under their kelurahan's name."""
    codes = {family.kelurahan_code for family in families}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    groups: dict[str, list[FamilyRow]] = {}
    for family in families:
        groups.setdefault(family.kelurahan_code, []).append(family)
    return [(names.get(code, code), rows) for code, rows in groups.items()]


# --- berita acara ------------------------------------------------------------------------


def _minutes_scope(
    request: SignedInRequest, campaign_id: int, kelurahan_code: str
) -> tuple[Campaign, Region]:
    _require(access.can_print_minutes(request.user))
    campaign = progress_selectors.access_campaign_progress(
        user=request.user, campaign_id=campaign_id
    )
    kelurahan = progress_selectors.access_minutes_kelurahan(
        user=request.user, campaign=campaign, kelurahan_code=kelurahan_code
    )
    return campaign, kelurahan


def _render_minutes(
    request: SignedInRequest,
    campaign: Campaign,
    kelurahan: Region,
    *,
    form: MinutesForm | None = None,
    format_form: FormatForm | None = None,
    status: int = 200,
) -> HttpResponse:
    table = progress_selectors.campaign_progress(
        campaign=campaign, user=request.user, level=KELURAHAN, kecamatan_code=kelurahan.parent_id
    )
    initial = MinutesForm.initial_for(kelurahan=kelurahan.name, region=deployment_region_name())
    row = next((row for row in table.rows if row.key == kelurahan.code), None)
    context = {
        "campaign": campaign,
        "kelurahan": kelurahan,
        "row": row,
        "outcome_rows": list(zip(c.Outcome.labels, row.outcome_counts, strict=True)) if row else [],
        "form": form or MinutesForm(initial=initial),
        "format_form": format_form or FormatForm(initial={"format": ExportFormat.XLSX}),
    }
    return render(request, "verval/minutes.html", context, status=status)


@login_required
def minutes(request: SignedInRequest, campaign_id: int, kelurahan_code: str) -> HttpResponse:
    campaign, kelurahan = _minutes_scope(request, campaign_id, kelurahan_code)
    return _render_minutes(request, campaign, kelurahan)


@login_required
def minutes_pdf(request: SignedInRequest, campaign_id: int, kelurahan_code: str) -> HttpResponse:
    campaign, kelurahan = _minutes_scope(request, campaign_id, kelurahan_code)
    form = MinutesForm(request.GET)
    if not form.is_valid():
        return _render_minutes(request, campaign, kelurahan, form=form, status=400)
    # An official document: written in Indonesian whatever language the screen uses.
    with translation.override("id"):
        document = progress_selectors.kelurahan_minutes(
            campaign=campaign, user=request.user, kelurahan=kelurahan,
            meeting_date=form.cleaned_data["meeting_date"],
            place=" ".join(form.cleaned_data["place"].split()), signers=form.signers(),
        )  # fmt: skip
        content = render_minutes_pdf(document)
    _audit_download(request.user, campaign, kelurahan, "PDF", len(document.families))
    filename = f"berita-acara-verval-{kelurahan.plain_code}-{_today()}.pdf"
    return _attachment(content, PDF_CONTENT_TYPE, filename)


BNBA_HEADER = (
    gettext_lazy("No."),
    gettext_lazy("ID keluarga"),
    gettext_lazy("No. KK"),
    gettext_lazy("Kepala keluarga"),
    gettext_lazy("Alamat"),
    gettext_lazy("RT"),
    gettext_lazy("RW"),
    gettext_lazy("Anggota"),
    gettext_lazy("Status tugas"),
    gettext_lazy("Hasil verval"),
    gettext_lazy("Disetujui pada"),
    gettext_lazy("Petugas"),
)
BNBA_TEXT_COLUMNS = (2, 5, 6)  # No. KK, RT, RW
BNBA_WIDTHS = (5, 10, 19, 28, 32, 5, 5, 8, 22, 26, 16, 22)


def bnba_sheet(families: list[FamilyRow]) -> spreadsheet.Sheet:
    rows = [
        [
            number, family.household_id, family.kk_number, family.head_name, family.address,
            family.rt, family.rw, family.members, family.status_label, family.outcome_label,
            family.approved_at, family.officer_name,
        ]
        for number, family in enumerate(families, start=1)
    ]  # fmt: skip
    header = [str(title) for title in BNBA_HEADER]
    return spreadsheet.Sheet(
        "BNBA", header, rows, widths=BNBA_WIDTHS, text_columns=BNBA_TEXT_COLUMNS
    )


@login_required
def minutes_bnba(request: SignedInRequest, campaign_id: int, kelurahan_code: str) -> HttpResponse:
    campaign, kelurahan = _minutes_scope(request, campaign_id, kelurahan_code)
    form = FormatForm(request.GET)
    if not form.is_valid():
        return _render_minutes(request, campaign, kelurahan, format_form=form, status=400)
    fmt = form.cleaned_data["format"]
    families = progress_selectors.kelurahan_families(
        campaign=campaign, user=request.user, kelurahan_code=kelurahan.code
    )
    try:
        response = _sheet_file(
            bnba_sheet(families), fmt, f"bnba-verval-{kelurahan.plain_code}-{_today()}.{fmt}"
        )
    except EntasError as error:
        form.add_error(None, error.message)
        return _render_minutes(request, campaign, kelurahan, format_form=form, status=400)
    _audit_download(request.user, campaign, kelurahan, fmt.upper(), len(families))
    return response


def _audit_download(
    user: User, campaign: Campaign, kelurahan: Region, fmt: str, count: int
) -> None:
    audit_record(
        actor=user, action="verval.minutes_download", target=campaign,
        trail=f"kelurahan:{kelurahan.code}",
        summary=_("Berita acara verval %(kelurahan)s (%(fmt)s): %(count)s keluarga")
        % {"kelurahan": kelurahan.name, "fmt": fmt, "count": count},
        changes={"kelurahan": kelurahan.code, "format": fmt.lower(), "count": count},
    )  # fmt: skip
