"""Campaign pages: list, create, a campaign's counts per kelurahan, its households, adding
households (the period's scope or an uploaded list), balanced assignment, reassignment,
removing a household, starting and closing.

Who may do what (ADR 0004, `accounts.access`):
- Every change, and the households page (it names families), needs `can_manage_verval`
  (Dinsos admins); anyone else gets 403.
- The list and a campaign's page may also be read by `can_view_verval_progress` users:
  leaders see every campaign's counts per kelurahan without officer or family names;
  field officers see campaigns that have started (a draft is 404 for them), counted over
  the kelurahan of their own areas, with the officers' loads there. OPD officers,
  partners and auditors get 403.
- A campaign or household outside what the user may see is 404.
"""

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.accounts.models import Role, User
from entas.core import spreadsheet
from entas.core.services import audit_record
from entas.verval import choices as c
from entas.verval import selectors_campaigns as selectors
from entas.verval.exceptions import VervalError
from entas.verval.forms_campaigns import (
    AssignForm,
    CampaignForm,
    ReassignForm,
    RemoveForm,
    Scope,
    UploadForm,
)
from entas.verval.models import Campaign
from entas.verval.services import campaigns as services
from entas.verval.services.upload import Key, RowResult, UploadReport, upload_read

REPORT_SESSION_KEY = "verval-upload-report-%s"
REPORT_MAX_ROWS = 20_000  # kept for the download; a larger file keeps its problem rows only
REPORT_SHOWN = 200  # problem rows shown on the page
HOUSEHOLDS_PAGE = 500


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _campaign_for_change(user: User, campaign_id: int) -> Campaign:
    require(access.can_manage_verval(user))
    return selectors.campaign_get(user=user, campaign_id=campaign_id)


def progress_url(campaign: Campaign) -> str:
    """The progress page of another part, or its planned path while it is not there."""
    try:
        return reverse("verval:progress", args=[campaign.pk])
    except NoReverseMatch:
        return f"/verval/progres/{campaign.pk}/"


# --- reading --------------------------------------------------------------------------


@login_required
def campaign_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    require(access.can_view_verval_progress(user))
    context = {
        "rows": selectors.campaign_list(user=user),
        "can_manage": access.can_manage_verval(user),
        "city_wide": selectors.areas_of(user) is None,
    }
    return render(request, "verval/campaign_list.html", context)


@login_required
def campaign_detail(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    user = request.user
    require(access.can_view_verval_progress(user))
    campaign = selectors.campaign_get(user=user, campaign_id=campaign_id)
    return render_detail(request, campaign)


def render_detail(
    request: SignedInRequest, campaign: Campaign, *, status: int = 200, **extra: Any
) -> HttpResponse:
    user = request.user
    can_manage = access.can_manage_verval(user)
    names_of_officers = access.role_of(user) != Role.LEADER
    progress = selectors.campaign_progress(user=user, campaign=campaign)
    days_left = (campaign.deadline - timezone.localdate()).days
    context = {
        "campaign": campaign,
        "progress": progress,
        "days_left": days_left,
        "days_overdue": -days_left,
        "rows": selectors.campaign_kelurahan_rows(
            user=user, campaign=campaign, with_officers=names_of_officers
        ),
        "with_officers": names_of_officers,
        "unassigned": selectors.campaign_unassigned_kelurahan(campaign=campaign)
        if can_manage
        else [],
        "can_manage": can_manage,
        "is_closed": campaign.status == c.CampaignStatus.CLOSED,
        "city_wide": selectors.areas_of(user) is None,
        "progress_url": progress_url(campaign),
        "remove_form": RemoveForm(),
        **extra,
    }
    return render(request, "verval/campaign_detail.html", context, status=status)


@login_required
def campaign_households(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    """The campaign's families by name, one kelurahan at a time (admins only): to tick
    households to reassign or to remove one before it is visited. The read is audited."""
    user = request.user
    campaign = _campaign_for_change(user, campaign_id)
    _kecamatan, kelurahan = selectors.campaign_regions(campaign=campaign)
    code = request.GET.get("kelurahan", "")
    if code not in dict(kelurahan):
        code = kelurahan[0][0] if kelurahan else ""
    rows = list(selectors.campaign_assignments(user=user, campaign=campaign, kelurahan_code=code))
    audit_record(
        actor=user, action="verval.campaign_households_view", target=campaign,
        summary=_("Daftar keluarga kampanye, kelurahan %(code)s") % {"code": code},
        changes={"kelurahan": code, "count": len(rows)},
    )  # fmt: skip
    context = {
        "campaign": campaign,
        "kelurahan": kelurahan,
        "code": code,
        "rows": rows[:HOUSEHOLDS_PAGE],
        "total": len(rows),
        "shown": min(len(rows), HOUSEHOLDS_PAGE),
        "is_closed": campaign.status == c.CampaignStatus.CLOSED,
        "reassign_form": _reassign_form(campaign, None),
        "remove_form": RemoveForm(),
    }
    return render(request, "verval/campaign_households.html", context)


# --- creating and adding households ------------------------------------------------------


@login_required
def campaign_create(request: SignedInRequest) -> HttpResponse:
    require(access.can_manage_verval(request.user))
    form = CampaignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        scope = data.pop("scope")
        try:
            campaign = _create(request, scope, data)
        except VervalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if scope == Scope.UPLOAD:
                return redirect("verval:campaign_upload", campaign_id=campaign.pk)
            return redirect("verval:campaign_detail", campaign_id=campaign.pk)
    status = 400 if form.errors else 200
    return render(request, "verval/campaign_form.html", {"form": form}, status=status)


def _create(request: SignedInRequest, scope: str, data: dict[str, Any]) -> Campaign:
    if scope == Scope.UPLOAD:
        campaign = services.campaign_create(actor=request.user, **data)
        messages.success(
            request,
            _("Kampanye %(name)s dibuat; unggah daftar keluarganya.") % {"name": campaign.name},
        )
        return campaign
    campaign, counts = services.campaign_create_with_scope(actor=request.user, **data)
    messages.success(request, _added_message(campaign, counts))
    return campaign


def _added_message(campaign: Campaign, counts: dict[str, int]) -> str:
    return _(
        "%(added)s keluarga ditambahkan ke %(name)s; %(already)s sudah ada di kampanye, "
        "%(inactive)s tidak aktif lagi di registri."
    ) % {"name": campaign.name, **counts}


@require_POST
@login_required
def campaign_scope(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    """Add the period's extreme-poor families and candidates (again: new ones only)."""
    campaign = _campaign_for_change(request.user, campaign_id)
    try:
        if campaign.period is None or campaign.period.classified_at is None:
            raise VervalError(
                _("Kampanye ini tidak memakai periode yang sudah diklasifikasi."), code="period"
            )
        counts = services.campaign_add_households(
            actor=request.user, campaign=campaign, reasons=services.period_scope(campaign.period)
        )
    except VervalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _added_message(campaign, counts))
    return redirect("verval:campaign_detail", campaign_id=campaign.pk)


@login_required
def campaign_upload(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_for_change(request.user, campaign_id)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    context: dict[str, Any] = {"campaign": campaign, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            report = _read_upload(form.cleaned_data["file"])
            counts = _add_uploaded(request.user, campaign, report)
        except VervalError as error:
            form.add_error("file", error.message)
        else:
            _keep_report(request, campaign, report)
            context |= _report_context(report, counts)
    status = 400 if form.errors else 200
    return render(request, "verval/campaign_upload.html", context, status=status)


def _read_upload(file: UploadedFile) -> UploadReport:
    """The uploaded file written to a private temporary file, read and matched."""
    with tempfile.TemporaryDirectory(prefix="entas-upload-") as folder:
        path = Path(folder) / "daftar"
        with path.open("wb") as target:
            for chunk in file.chunks():
                target.write(chunk)
        return upload_read(path=path, original_name=file.name or "daftar")


def _add_uploaded(user: User, campaign: Campaign, report: UploadReport) -> dict[str, int]:
    matched = report.matched()
    if not matched:
        raise VervalError(
            _(
                "Tidak ada baris berkas %(name)s yang cocok dengan keluarga aktif; tidak ada "
                "yang ditambahkan. Periksa laporan per baris di bawah."
            )
            % {"name": report.file_name},
            code="nothing_matched",
        )
    reasons: dict[int, str] = dict.fromkeys(matched, c.ScopeReason.UPLOADED.value)
    return services.campaign_add_households(
        actor=user, campaign=campaign, reasons=reasons, note=report.file_name
    )


def _report_context(report: UploadReport, counts: dict[str, int]) -> dict[str, Any]:
    problems = [row for row in report.rows if row.result != RowResult.MATCHED]
    return {
        "report": report,
        "result_counts": [(label, report.counts()[value]) for value, label in RowResult.choices],
        "added": counts,
        "problems": problems[:REPORT_SHOWN],
        "problems_total": len(problems),
    }


def _keep_report(request: SignedInRequest, campaign: Campaign, report: UploadReport) -> None:
    """The report's rows in the session for the download: all of them up to
    REPORT_MAX_ROWS, else the rows that did not match."""
    rows = report.rows
    if len(rows) > REPORT_MAX_ROWS:
        rows = [row for row in rows if row.result != RowResult.MATCHED][:REPORT_MAX_ROWS]
    request.session[REPORT_SESSION_KEY % campaign.pk] = {
        "file": report.file_name,
        "rows": [
            [row.row, row.key, row.value, row.result, row.household_id, row.note] for row in rows
        ],
    }


@login_required
def campaign_upload_report(request: SignedInRequest, campaign_id: int) -> HttpResponseBase:
    """The last uploaded list's row report as CSV (kept in the session for this user)."""
    campaign = _campaign_for_change(request.user, campaign_id)
    kept = request.session.get(REPORT_SESSION_KEY % campaign.pk)
    if not kept:
        messages.error(request, _("Belum ada laporan unggahan; unggah daftarnya lebih dulu."))
        return redirect("verval:campaign_upload", campaign_id=campaign.pk)
    keys, results = dict(Key.choices), dict(RowResult.choices)
    rows = (
        (number, str(keys.get(key, "")), value, str(results[result]), household, note)
        for number, key, value, result, household, note in kept["rows"]
    )
    header = [_("Baris"), _("Kolom"), _("Isian"), _("Hasil"), _("ID keluarga"), _("Keterangan")]
    response = StreamingHttpResponse(
        spreadsheet.csv_stream(header, rows), content_type="text/csv; charset=utf-8"
    )
    filename = f"laporan-unggahan-kampanye-{campaign.pk}.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


# --- officers --------------------------------------------------------------------------


@login_required
def campaign_assign(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_for_change(request.user, campaign_id)
    kecamatan, kelurahan = selectors.campaign_regions(campaign=campaign)
    data = request.POST if request.method == "POST" else None
    form = AssignForm(
        data, kecamatan=kecamatan, kelurahan=kelurahan, officers=selectors.field_officers()
    )
    context: dict[str, Any] = {"campaign": campaign, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            result = services.campaign_assign_balanced(
                actor=request.user, campaign=campaign,
                kelurahan_codes=form.kelurahan_codes([code for code, _name in kelurahan]),
                officers=form.chosen_officers(),
            )  # fmt: skip
        except VervalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            context["result"] = result
    context |= {
        "unassigned": selectors.campaign_unassigned_kelurahan(campaign=campaign),
        "loads": selectors.campaign_officer_loads(campaign=campaign),
    }
    status = 400 if form.errors else 200
    return render(request, "verval/campaign_assign.html", context, status=status)


def _reassign_form(campaign: Campaign, data: Any) -> ReassignForm:
    _kecamatan, kelurahan = selectors.campaign_regions(campaign=campaign)
    holders = selectors.field_officers().filter(verval_assignments__campaign=campaign).distinct()
    ids = list(campaign.assignments.values_list("pk", flat=True))
    return ReassignForm(
        data, from_officers=holders, to_officers=selectors.field_officers(),
        kelurahan=kelurahan, assignment_ids=ids,
    )  # fmt: skip


@login_required
def campaign_reassign(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    """Move open households to another officer: all of one officer's (optionally in one
    kelurahan), or those ticked on the households page. Sent visits stay."""
    campaign = _campaign_for_change(request.user, campaign_id)
    # The households page posts its ticks here too; its form is bound like this one's.
    form = _reassign_form(campaign, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        candidates = selectors.reassign_candidates(
            campaign=campaign,
            from_officer_id=data["from_officer"].pk if data["from_officer"] else None,
            kelurahan_codes=[data["kelurahan"]] if data["kelurahan"] else None,
            assignment_ids=data["assignments"] or None,
        )
        try:
            moved = services.assignment_reassign(
                actor=request.user, assignments=candidates, officer=data["to_officer"],
                reason=data["reason"],
            )  # fmt: skip
        except VervalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _moved_message(moved, len(candidates), data["to_officer"]))
            return redirect("verval:campaign_detail", campaign_id=campaign.pk)
    context = {
        "campaign": campaign,
        "form": form,
        "ticked": len(form["assignments"].value() or []),
        "loads": selectors.campaign_officer_loads(campaign=campaign),
    }
    status = 400 if form.errors else 200
    return render(request, "verval/campaign_reassign.html", context, status=status)


def _moved_message(moved: int, candidates: int, officer: User) -> str:
    message = _("%(moved)s keluarga dipindahkan ke %(officer)s.") % {
        "moved": moved,
        "officer": officer.full_name or officer.username,
    }
    if candidates > moved:
        message += " " + _(
            "%(kept)s keluarga yang kunjungannya sudah dikirim atau disetujui tetap pada "
            "petugasnya."
        ) % {"kept": candidates - moved}
    return message


@require_POST
@login_required
def campaign_remove(request: SignedInRequest, campaign_id: int, assignment_id: int) -> HttpResponse:
    campaign = _campaign_for_change(request.user, campaign_id)
    assignment = selectors.assignment_get(
        user=request.user, campaign=campaign, assignment_id=assignment_id
    )
    form = RemoveForm(request.POST)
    back = reverse("verval:campaign_households", args=[campaign.pk])
    back += f"?kelurahan={assignment.kelurahan_id}"
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form["reason"].errors))
        return redirect(back)
    try:
        services.campaign_remove_household(
            actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"]
        )
    except VervalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Keluarga dikeluarkan dari kampanye."))
    return redirect(back)


# --- status ----------------------------------------------------------------------------


@login_required
def campaign_status(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    """Start or close, after a confirmation page that says what it means (closing with
    households still open says how many)."""
    campaign = _campaign_for_change(request.user, campaign_id)
    target = _next_status(campaign)
    if target is None:
        messages.error(request, _("Kampanye sudah selesai; statusnya tidak dapat diubah lagi."))
        return redirect("verval:campaign_detail", campaign_id=campaign.pk)
    if request.method == "POST":
        try:
            services.campaign_status_set(actor=request.user, campaign=campaign, status=target)
        except VervalError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Kampanye %(name)s kini berstatus “%(status)s”.")
                % {"name": campaign.name, "status": c.CampaignStatus(target).label},
            )
        return redirect("verval:campaign_detail", campaign_id=campaign.pk)
    open_count = campaign.assignments.filter(status__in=c.OPEN_ASSIGNMENT).count()
    context = {
        "campaign": campaign,
        "target": target,
        "target_label": c.CampaignStatus(target).label,
        "households": campaign.assignments.count(),
        "unassigned": campaign.assignments.filter(officer__isnull=True).count(),
        "open_count": open_count,
        "waiting": campaign.assignments.filter(status=c.AssignmentStatus.SUBMITTED).count(),
    }
    return render(request, "verval/campaign_status.html", context)


def _next_status(campaign: Campaign) -> str | None:
    following = c.CAMPAIGN_TRANSITIONS[c.CampaignStatus(campaign.status)]
    return next(iter(following), None)
