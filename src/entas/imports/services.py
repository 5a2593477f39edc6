"""Imports: create a batch from files, stage it (read, validate, link, diff), commit it.

Staging never writes to the registry: it fills the batch's counts and rejected rows, so a
user sees what would change before anything does. Commit stages again against the
registry as it is then and writes everything in one transaction, with the batch's status
and the audit event, so a crash or kill leaves the registry exactly as before and the same
import can simply be run again. Importing the same file twice changes nothing the second
time (see `linking`).
"""

import datetime as dt
import hashlib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from entas.core.bulk import bulk_insert_frame, refresh_statistics
from entas.core.services import audit_record
from entas.imports import linking, readers, schema, staging, writing
from entas.imports.exceptions import ImportFileError
from entas.imports.models import (
    ColumnMapping,
    ImportBatch,
    ImportChange,
    ImportRowError,
    ImportSource,
    ImportStatus,
)
from entas.registry import choices as c
from entas.registry.models import Household, Membership, Person, PersonNameToken
from entas.targeting import graduation
from entas.targeting.choices import AlertSource
from entas.wilayah.models import Region
from entas.wilayah.selectors import deployment_code

SOURCE_OF_RECORDS = {
    ImportSource.DTSEN: c.Source.DTSEN,
    ImportSource.P3KE: c.Source.P3KE,
    ImportSource.DTKS: c.Source.DTKS,
    ImportSource.ENTAS: c.Source.CITY,
}
Reporter = Callable[[str, int, int], None]


def imports_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def import_create(
    *,
    user: Any,
    uploads: Sequence[tuple[str, IO[bytes]]],
    source: str = ImportSource.AUTO,
    dry_run: bool = False,
    as_of: dt.date | None = None,
) -> ImportBatch:
    """A batch holding copies of the uploaded files (name, binary stream) in its folder."""
    if not uploads:
        raise ImportFileError(_("Pilih minimal satu berkas untuk diimpor."), code="no_file")
    if source not in ImportSource.values:
        raise ImportFileError(_("Sumber data tidak dikenal."), code="source")
    batch = ImportBatch.objects.create(
        source=source, dry_run=dry_run, as_of=as_of, created_by=_user(user)
    )
    work = imports_dir() / str(batch.pk)
    work.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = []
    for number, (name, stream) in enumerate(uploads, start=1):
        safe = Path(name).name or f"berkas-{number}"
        target = work / f"{number:02d}-{safe}"
        digest = hashlib.sha256()
        with target.open("wb") as out:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        files.append(
            {
                "name": safe,
                "path": str(target),
                "size": target.stat().st_size,
                "sha256": digest.hexdigest(),
            }
        )
    try:  # refuse what can never be read while the user is still on the form
        for item in files:
            readers.check_file(Path(item["path"]), original_name=str(item["name"]))
    except ImportFileError:
        shutil.rmtree(work, ignore_errors=True)
        batch.delete()
        raise
    batch.work_dir = str(work)
    batch.files = files
    batch.save(update_fields=["work_dir", "files", "updated_at"])
    return batch


def import_from_paths(
    *,
    user: Any,
    paths: Sequence[Path],
    source: str = ImportSource.AUTO,
    dry_run: bool = False,
    as_of: dt.date | None = None,
) -> ImportBatch:
    """A batch for files already on disk (the CLI): they are read in place, not copied."""
    for path in paths:
        if not path.is_file():
            raise ImportFileError(
                _("Berkas %(name)s tidak ditemukan.") % {"name": path}, code="missing"
            )
    batch = ImportBatch.objects.create(
        source=source, dry_run=dry_run, as_of=as_of, created_by=_user(user)
    )
    work = imports_dir() / str(batch.pk)
    work.mkdir(parents=True, exist_ok=True)
    batch.work_dir = str(work)
    batch.files = [
        {"name": path.name, "path": str(path.resolve()), "size": path.stat().st_size}
        for path in paths
    ]
    batch.save(update_fields=["work_dir", "files", "updated_at"])
    return batch


def _user(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _progress(batch: ImportBatch, reporter: Reporter | None) -> Reporter:
    def report(phase: str, done: int, total: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(
            phase=phase, progress_done=done, progress_total=total
        )
        batch.phase, batch.progress_done, batch.progress_total = phase, done, total
        if reporter:
            reporter(phase, done, total)

    return report


def _context() -> staging.Context:
    code = deployment_code()
    regions = Region.objects.filter(level=4).values_list("code", "parent__name", "name")
    rows = [
        (region, region.startswith(code + ".") or region == code, kecamatan or "", name)
        for region, kecamatan, name in regions
    ]
    frame = pl.DataFrame(
        rows,
        schema={"code": pl.String, "in_deployment": pl.Boolean, "kec": pl.String, "kel": pl.String},
        orient="row",
    )
    names = frame.filter(pl.col("in_deployment")).select(
        pl.col("kec").str.to_uppercase().alias("kecamatan_key"),
        pl.col("kel").str.to_uppercase().alias("kelurahan_key"),
        "code",
    )
    provinces = frozenset(Region.objects.filter(level=1).values_list("code", flat=True))
    return staging.Context(
        today=timezone.localdate(),
        provinces=provinces,
        regions=frame.select("code", "in_deployment"),
        names=names,
    )


def _open(batch: ImportBatch) -> tuple[str, list[staging.SourceFile]]:
    """Read the batch's files, decide the source, map the headers."""
    work = Path(batch.work_dir)
    tables = [
        readers.read_table(
            Path(item["path"]),
            work_dir=work,
            original_name=item["name"],
            header_score=schema.header_score,
        )
        for item in batch.files
    ]
    source = batch.source
    if source == ImportSource.AUTO:
        source = schema.detect_source([h for table in tables for h in table.headers])
    remembered = dict(ColumnMapping.objects.filter(source=source).values_list("header", "field"))
    sources = [
        staging.SourceFile(
            table.original_name, table, schema.match_headers(table.headers, remembered)
        )
        for table in tables
    ]
    return source, sources


def _stage_and_link(
    batch: ImportBatch, report: Reporter
) -> tuple[str, staging.Staged, linking.Plan, list[staging.SourceFile]]:
    report(gettext_noop("membaca berkas"), 0, 4)
    source, sources = _open(batch)
    batch.mapping = {
        **{k: v for k, v in (batch.mapping or {}).items() if k != "files"},
        "files": [_file_mapping(item) for item in sources],
    }
    batch.source = source
    useful = [item for item in sources if item.fields - {"kk_number", "family_id"}]
    if not useful:
        raise ImportFileError(
            _(
                "Tidak ada kolom yang dikenali di berkas ini. Periksa baris judul kolom, "
                "atau unduh templat impor dan salin data ke dalamnya."
            ),
            code="no_known_columns",
        )
    report(gettext_noop("memeriksa baris"), 1, 4)
    staged = staging.stage(sources, replace(_context(), work_dir=Path(batch.work_dir)))
    _save_errors(batch, staged)
    report(gettext_noop("mencocokkan dengan registri"), 2, 4)
    as_of = batch.as_of or timezone.localdate()
    plan = linking.link(staged, source=SOURCE_OF_RECORDS[ImportSource(source)], as_of=as_of)
    return source, staged, plan, sources


def import_stage(*, batch: ImportBatch, reporter: Reporter | None = None) -> ImportBatch:
    """Read, validate, link and diff; record counts and rejected rows; write no registry row."""
    report = _progress(batch, reporter)
    batch.status = ImportStatus.STAGING
    batch.save(update_fields=["status", "updated_at"])
    try:
        source, staged, plan, sources = _stage_and_link(batch, report)
    except ImportFileError as error:
        return _failed(batch, error.code, error.message)
    batch.source = source
    batch.counts = plan.counts
    batch.mapping = {
        "files": [_file_mapping(item) for item in sources],
        **{k: v for k, v in (batch.mapping or {}).items() if k != "files"},
    }
    batch.status = ImportStatus.DRY_RUN if batch.dry_run else ImportStatus.PREVIEW
    report(gettext_noop("siap ditinjau"), 4, 4)
    batch.save()
    return batch


def _file_mapping(item: staging.SourceFile) -> dict[str, Any]:
    return {
        "name": item.name,
        "format": item.table.format,
        "encoding": item.table.encoding,
        "separator": item.table.separator,
        "headers": item.table.headers,
        "columns": item.match.columns,
        "unknown": item.match.unknown,
        "unused": item.match.unused,
        "duplicates": item.match.duplicates,
        "suggestions": item.match.suggestions,
    }


def _failed(batch: ImportBatch, code: str, message: str) -> ImportBatch:
    batch.status = ImportStatus.FAILED
    batch.error_code = code
    batch.error_message = message
    batch.save()
    return batch


def _save_errors(batch: ImportBatch, staged: staging.Staged) -> None:
    ImportRowError.objects.filter(batch=batch).delete()
    errors = staged.errors
    if errors.is_empty():
        return
    with transaction.atomic():
        bulk_insert_frame(
            ImportRowError,
            errors.select(
                pl.lit(batch.pk).alias("batch"),
                pl.col("file_name").str.slice(0, 255),
                "row_number",
                pl.col("column").str.slice(0, 255),
                pl.col("value").str.slice(0, 200),
                "kind",
                "code",
                pl.col("message").str.slice(0, 300),
            ),
        )


def import_commit(
    *, batch: ImportBatch, user: Any, reporter: Reporter | None = None
) -> ImportBatch:
    """Stage again and write the changes, the batch's status and the audit event atomically."""
    if batch.status in (ImportStatus.COMMITTED, ImportStatus.CANCELLED):
        raise ImportFileError(
            _("Impor ini sudah %(status)s.") % {"status": batch.get_status_display().lower()},
            code="state",
        )
    report = _progress(batch, reporter)
    batch.status = ImportStatus.COMMITTING
    batch.save(update_fields=["status", "updated_at"])
    try:
        source, staged, plan, sources = _stage_and_link(batch, report)
    except ImportFileError as error:
        return _failed(batch, error.code, error.message)
    as_of = batch.as_of or timezone.localdate()
    report(gettext_noop("menyimpan ke registri"), 3, 4)
    records_source = SOURCE_OF_RECORDS[ImportSource(source)]
    try:
        _write(batch, plan, user, source=source, records_source=records_source, as_of=as_of)
    except Exception:
        _failed(
            batch,
            "commit",
            _("Penyimpanan gagal; registri tidak berubah. Coba simpan lagi atau hubungi admin."),
        )
        raise
    report(gettext_noop("selesai"), 4, 4)
    refresh_statistics(Household, Person, Membership, PersonNameToken)
    return batch


def _write(
    batch: ImportBatch,
    plan: linking.Plan,
    user: Any,
    *,
    source: str,
    records_source: str,
    as_of: dt.date,
) -> None:
    """Everything of one commit in one transaction: registry rows, changes, status, audit."""
    with transaction.atomic():
        ImportChange.objects.filter(batch=batch).delete()
        writing.write(plan, batch=batch, source=records_source, as_of=as_of)
        plan.counts["graduated_seen"] = _graduated_seen(plan, batch, source)
        batch.source = source
        batch.counts = plan.counts
        batch.status = ImportStatus.COMMITTED
        batch.committed_at = timezone.now()
        batch.save()
        audit_record(
            actor=user,
            action="import.commit",
            target=batch,
            trail=batch.trail,
            summary=_summary(batch),
            changes={"counts": plan.counts, "files": [item["name"] for item in batch.files]},
        )


def _graduated_seen(plan: linking.Plan, batch: ImportBatch, source: str) -> int:
    """Alert for graduated families that this file lists again (issue 5: reappearance)."""
    if plan.matched_households.is_empty():
        return 0
    return graduation.reappearance_check(
        household_ids=plan.matched_households.get_column("hid").unique().to_list(),
        source=AlertSource.IMPORT,
        reference=f"impor:{batch.pk}",
        seen_in=_("impor %(source)s #%(id)s") % {"source": source.upper(), "id": batch.pk},
    )


def _summary(batch: ImportBatch) -> str:
    counts = batch.counts
    return _(
        "Impor %(source)s: %(rows)s baris, %(rejected)s ditolak, %(hh)s keluarga baru, "
        "%(new)s individu baru, %(upd)s individu berubah."
    ) % {
        "source": batch.source.upper(),
        "rows": counts.get("rows", 0),
        "rejected": counts.get("rejected", 0),
        "hh": counts.get("households_created", 0),
        "new": counts.get("persons_created", 0),
        "upd": counts.get("persons_updated", 0),
    }


def import_run(*, batch: ImportBatch, user: Any, reporter: Reporter | None = None) -> ImportBatch:
    """The CLI's path: stage and, unless it is a dry run, commit."""
    if batch.dry_run:
        return import_stage(batch=batch, reporter=reporter)
    return import_commit(batch=batch, user=user, reporter=reporter)


def import_cancel(*, batch: ImportBatch, user: Any) -> ImportBatch:
    if batch.status in (ImportStatus.COMMITTED, ImportStatus.COMMITTING):
        raise ImportFileError(_("Impor yang sudah disimpan tidak dapat dibatalkan."), code="state")
    batch.status = ImportStatus.CANCELLED
    batch.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=user,
        action="import.cancel",
        target=batch,
        trail=batch.trail,
        summary=_("Impor dibatalkan sebelum disimpan."),
    )
    if batch.work_dir and Path(batch.work_dir).is_relative_to(imports_dir()):
        shutil.rmtree(batch.work_dir, ignore_errors=True)
    return batch


def mapping_save(*, batch: ImportBatch, columns: dict[str, str], user: Any) -> ImportBatch:
    """Remember a user's column choices for this source (header → field, "" = ignore)."""
    unknown = [name for name in columns.values() if name and name not in schema.FIELDS_BY_NAME]
    if unknown:
        raise ImportFileError(
            _("Kolom tujuan tidak dikenal: %(names)s.") % {"names": ", ".join(unknown)},
            code="mapping",
        )
    source = batch.source if batch.source != ImportSource.AUTO else ImportSource.ENTAS
    with transaction.atomic():
        for header, name in columns.items():
            ColumnMapping.objects.update_or_create(
                source=source,
                header=schema.normalize_header(header),
                defaults={"field": name, "updated_by": _user(user)},
            )
        batch.status = ImportStatus.UPLOADED
        batch.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=user,
            action="import.mapping",
            target=batch,
            trail=batch.trail,
            summary=_("Pemetaan kolom diubah untuk sumber %(source)s.") % {"source": source},
            changes={"columns": columns},
        )
    return batch
