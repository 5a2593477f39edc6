"""Import pages: upload, progress, preview with the column mapping, commit, reports.

Admins only; every other role gets a 403. The work runs in the task worker (`entas
db_worker`): views create or change a batch through the services and enqueue the next step
once the transaction has committed, so the worker never reads a batch that is not there yet.
"""

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core.exceptions import EntasError
from entas.core.services import audit_record
from entas.imports import reports, selectors, services, tasks
from entas.imports.exceptions import ImportFileError
from entas.imports.forms import ChangesFilterForm, MappingForm, UploadForm
from entas.imports.models import ChangeKind, ImportBatch, ImportStatus
from entas.imports.schema import FIELDS_BY_NAME

RUNNING = frozenset({ImportStatus.UPLOADED, ImportStatus.STAGING, ImportStatus.COMMITTING})
FINISHED = frozenset({ImportStatus.PREVIEW, ImportStatus.COMMITTED, ImportStatus.DRY_RUN})
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
CHANGES_PER_PAGE = 100
AWAITING_COMMIT = "simpan"
RECENT_BATCHES = 50


def can_import(user: object) -> bool:
    return access.can_import(user)


def _require_importer(request: SignedInRequest) -> None:
    if not can_import(request.user):
        raise PermissionDenied


def _batch(batch_id: int) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=batch_id)


@login_required
def batch_list(request: SignedInRequest) -> HttpResponse:
    _require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_create(user=request.user, **_upload_arguments(form))
        except ImportFileError as error:
            form.add_error("berkas", error.message)
        else:
            transaction.on_commit(lambda: tasks.import_stage_task.enqueue(batch.pk))
            return redirect("imports:batch", batch_id=batch.pk)
    batches = selectors.import_batches()[:RECENT_BATCHES]
    status = 400 if form.errors else 200
    return render(request, "imports/list.html", {"form": form, "batches": batches}, status=status)


def _upload_arguments(form: UploadForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "uploads": form.uploads(),
        "source": data["source"],
        "dry_run": data["dry_run"],
        "as_of": data["as_of"],
    }


@login_required
def batch_detail(request: SignedInRequest, batch_id: int) -> HttpResponse:
    _require_importer(request)
    batch = _batch(batch_id)
    return render(request, "imports/batch.html", _status_context(request, batch))


@login_required
def batch_progress(request: SignedInRequest, batch_id: int) -> HttpResponse:
    """The status block the batch page polls while the worker reads or saves the files."""
    _require_importer(request)
    batch = _batch(batch_id)
    context = _status_context(request, batch)
    response = render(request, "imports/_status.html", context)
    if not context["running"] and request.headers.get("HX-Request"):
        # The work is done: reload the whole page, whose header (source, files) the
        # worker has just changed too.
        response["HX-Refresh"] = "true"
    return response


def _status_context(
    request: SignedInRequest, batch: ImportBatch, mapping: MappingForm | None = None
) -> dict[str, Any]:
    # After "Simpan" the batch stays in preview until the worker takes the commit task:
    # the page that follows keeps polling until the status moves on.
    awaiting_commit = request.GET.get(AWAITING_COMMIT) == "1" and (
        batch.status == ImportStatus.PREVIEW
    )
    context: dict[str, Any] = {
        "batch": batch,
        "running": batch.status in RUNNING or awaiting_commit,
        "awaiting_commit": awaiting_commit,
        "finished": batch.status in FINISHED,
        "counts": _count_items(batch),
    }
    if batch.status in (ImportStatus.PREVIEW, ImportStatus.FAILED):
        columns = _distinct_columns(selectors.batch_headers(batch))
        mapping = mapping or MappingForm(columns=columns)
        context["mapping_rows"] = _mapping_rows(columns, mapping)
        context["mapping"] = mapping
    return context


COUNT_LABELS = (
    ("rows", _("Baris dibaca")),
    ("accepted", _("Baris diterima")),
    ("rejected", _("Baris ditolak")),
    ("out_of_area", _("Di luar wilayah")),
    ("households_created", _("Keluarga baru")),
    ("households_updated", _("Keluarga berubah")),
    ("persons_created", _("Individu baru")),
    ("persons_updated", _("Individu berubah")),
    ("persons_left", _("Anggota keluar")),
    ("unchanged", _("Tidak berubah")),
    ("graduated_seen", _("Keluarga graduasi muncul lagi (peringatan)")),
)


def _count_items(batch: ImportBatch) -> list[tuple[Any, int]]:
    counts = batch.counts or {}
    return [(label, counts[key]) for key, label in COUNT_LABELS if key in counts]


COLUMN_STATUS_LABELS = {
    "dikenali": _("Dikenali"),
    "diingat": _("Sesuai pilihan Anda sebelumnya"),
    "tidak_dikenal": _("Tidak dikenal, diabaikan"),
    "tidak_dipakai": _("Tidak dipakai entas"),
    "ganda": _("Ganda: kolom lain sudah memberi isian ini"),
    "diabaikan": _("Diabaikan"),
}


def _distinct_columns(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each header once, with the files it appears in: a mapping is kept per header."""
    columns: dict[str, dict[str, Any]] = {}
    for file in files:
        for column in file["columns"]:
            entry = columns.setdefault(column["header"], {**column, "files": []})
            entry["files"].append(file["file"])
    return list(columns.values())


def _mapping_rows(columns: list[dict[str, Any]], form: MappingForm) -> list[dict[str, Any]]:
    rows = []
    for position, column in enumerate(columns):
        suggestion = FIELDS_BY_NAME.get(column.get("suggestion") or "")
        rows.append(
            {
                "header": column["header"],
                "files": column["files"],
                "status": column["status"],
                "status_label": COLUMN_STATUS_LABELS.get(column["status"], column["status"]),
                "suggestion": suggestion.label if suggestion else "",
                "field": form[f"kolom_{position}"],
            }
        )
    return rows


@require_POST
@login_required
def mapping_change(request: SignedInRequest, batch_id: int) -> HttpResponse:
    _require_importer(request)
    batch = _batch(batch_id)
    columns = _distinct_columns(selectors.batch_headers(batch))
    form = MappingForm(request.POST, columns=columns)
    if not form.is_valid():
        context = _status_context(request, batch, mapping=form)
        return render(request, "imports/batch.html", context, status=400)
    if not form.changed_columns():
        messages.info(request, _("Pemetaan kolom tidak berubah."))
        return redirect("imports:batch", batch_id=batch.pk)
    try:
        batch = services.mapping_save(
            batch=batch, columns=form.changed_columns(), user=request.user
        )
    except EntasError as error:
        messages.error(request, error.message)
    else:
        transaction.on_commit(lambda: tasks.import_stage_task.enqueue(batch.pk))
        messages.success(request, _("Pemetaan kolom disimpan; berkas diperiksa ulang."))
    return redirect("imports:batch", batch_id=batch.pk)


@require_POST
@login_required
def batch_commit(request: SignedInRequest, batch_id: int) -> HttpResponse:
    _require_importer(request)
    batch = _batch(batch_id)
    if batch.status != ImportStatus.PREVIEW:
        messages.error(request, _("Impor ini tidak sedang menunggu disimpan."))
    else:
        user_id = request.user.pk
        transaction.on_commit(lambda: tasks.import_commit_task.enqueue(batch.pk, user_id))
        messages.success(request, _("Impor dijadwalkan untuk disimpan ke registri."))
        url = reverse("imports:batch", kwargs={"batch_id": batch.pk})
        return redirect(f"{url}?{AWAITING_COMMIT}=1")
    return redirect("imports:batch", batch_id=batch.pk)


@require_POST
@login_required
def batch_cancel(request: SignedInRequest, batch_id: int) -> HttpResponse:
    _require_importer(request)
    batch = _batch(batch_id)
    try:
        services.import_cancel(batch=batch, user=request.user)
    except EntasError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Impor dibatalkan; registri tidak diubah."))
    return redirect("imports:batch", batch_id=batch.pk)


@login_required
def errors_download(request: SignedInRequest, batch_id: int, fmt: str) -> FileResponse:
    _require_importer(request)
    batch = _finished_batch(batch_id)
    path = reports.errors_report(batch, fmt)
    _record_download(request, batch, "import.errors_download", "Mengunduh baris ditolak")
    return _file(path, fmt)


@login_required
def changes_download(request: SignedInRequest, batch_id: int, fmt: str) -> HttpResponseBase:
    _require_importer(request)
    batch = _finished_batch(batch_id)
    form = ChangesFilterForm(request.GET, kelurahan=_changed_kelurahan(batch))
    if not form.is_valid():  # the code also names the file: only codes the batch changed
        return HttpResponseBadRequest(_("Kelurahan tidak ada di daftar perubahan impor ini."))
    kelurahan = form.cleaned_data["kelurahan"]
    path = reports.changes_report(batch, fmt, kelurahan_code=kelurahan)
    _record_download(request, batch, "import.changes_download", "Mengunduh daftar perubahan")
    return _file(path, fmt)


def _finished_batch(batch_id: int) -> ImportBatch:
    """Reports exist once staging has finished, and while the batch's folder is kept."""
    batch = _batch(batch_id)
    if batch.status not in FINISHED:
        raise Http404
    return batch


def _changed_kelurahan(batch: ImportBatch) -> list[tuple[str, str]]:
    return [
        (row["kelurahan_code"], row["kelurahan_name"]) for row in selectors.change_summary(batch)
    ]


def _record_download(request: SignedInRequest, batch: ImportBatch, action: str, text: str) -> None:
    audit_record(
        actor=request.user,
        action=action,
        target=batch,
        trail=batch.trail,
        summary=f"{text} impor #{batch.pk}",
        changes=dict(request.GET.items()),
    )


def _file(path: Path, fmt: str) -> FileResponse:
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=path.name, content_type=CONTENT_TYPES[fmt]
    )


@login_required
def changes(request: SignedInRequest, batch_id: int) -> HttpResponse:
    _require_importer(request)
    batch = _batch(batch_id)
    summary = selectors.change_summary(batch)
    kelurahan = [(row["kelurahan_code"], row["kelurahan_name"]) for row in summary]
    form = ChangesFilterForm(request.GET or None, kelurahan=kelurahan)
    page = None
    if form.is_bound and form.is_valid() and form.has_criteria:
        rows = selectors.batch_changes(
            batch,
            kelurahan_code=form.cleaned_data["kelurahan"],
            kind=form.cleaned_data["jenis"],
        ).select_related("kelurahan")
        page = Paginator(rows, CHANGES_PER_PAGE).get_page(form.cleaned_data["page"])
        _record_changes_view(request, batch, form, page.object_list)
    context = {
        "batch": batch,
        "form": form,
        "kinds": ChangeKind.choices,
        "summary": _summary_rows(summary),
        "page": page,
        "rows": [_change_row(change) for change in page.object_list] if page else [],
    }
    return render(request, "imports/changes.html", context, status=400 if form.errors else 200)


def _record_changes_view(
    request: SignedInRequest, batch: ImportBatch, form: ChangesFilterForm, shown: Any
) -> None:
    audit_record(
        actor=request.user,
        action="import.changes_view",
        target=batch,
        trail=batch.trail,
        summary=f"Membuka daftar perubahan impor #{batch.pk}",
        changes={
            "kelurahan": form.cleaned_data["kelurahan"],
            "jenis": form.cleaned_data["jenis"],
            "household_ids": sorted({change.household_id for change in shown}),
        },
    )


def _summary_rows(summary: list[dict[str, Any]]) -> dict[str, Any]:
    kinds = ChangeKind.values
    rows = [
        {
            "code": row["kelurahan_code"],
            "name": row["kelurahan_name"],
            "counts": [row.get(kind, 0) for kind in kinds],
        }
        for row in summary
    ]
    totals = [sum(row["counts"][index] for row in rows) for index in range(len(kinds))]
    return {"rows": rows, "totals": totals}


def _change_row(change: Any) -> dict[str, Any]:
    """A change as the page lists it: `{field: [old, new]}` read as "label: old → new"."""
    lines = []
    for name, value in (change.changes or {}).items():
        field = FIELDS_BY_NAME.get(name)
        label = field.label if field else name
        if isinstance(value, list | tuple) and len(value) == 2:
            lines.append({"label": label, "old": value[0], "new": value[1], "pair": True})
        else:
            lines.append({"label": label, "new": value, "pair": False})
    return {"change": change, "lines": lines}
