"""Downloadable reports of an import: rejected rows and the change list (XLSX or CSV)."""

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.utils.translation import gettext as _

from entas.core.spreadsheet import Sheet, write_csv, write_xlsx
from entas.imports.models import ChangeKind, ImportBatch, RowErrorKind
from entas.imports.selectors import batch_changes, batch_errors

FORMATS = ("xlsx", "csv")


def _error_header() -> list[str]:
    return [_("Berkas"), _("Baris"), _("Kolom"), _("Isi"), _("Jenis"), _("Alasan"), _("Kode")]


def _error_rows(batch: ImportBatch) -> Iterator[Sequence[object]]:
    kinds = dict(RowErrorKind.choices)
    for error in batch_errors(batch).iterator(chunk_size=5000):
        yield (
            error.file_name,
            error.row_number,
            error.column,
            error.value,
            str(kinds.get(error.kind, error.kind)),
            error.message,
            error.code,
        )


def _change_header() -> list[str]:
    return [
        _("Kode kelurahan"),
        _("Kelurahan"),
        _("Jenis perubahan"),
        _("ID keluarga"),
        _("ID individu"),
        _("Nama"),
        _("Perubahan"),
    ]


def _change_rows(batch: ImportBatch, kelurahan_code: str = "") -> Iterator[Sequence[object]]:
    kinds = dict(ChangeKind.choices)
    changes = batch_changes(batch, kelurahan_code=kelurahan_code).select_related("kelurahan")
    for change in changes.iterator(chunk_size=5000):
        described = "; ".join(
            f"{name}: {old if old not in (None, '') else '—'} → {new}"
            for name, (old, new) in (change.changes or {}).items()
        )
        yield (
            change.kelurahan_id,
            change.kelurahan.name,
            str(kinds.get(change.kind, change.kind)),
            change.household_id,
            change.person_id or "",
            change.label,
            described,
        )


def _write(path: Path, name: str, header: list[str], rows: Iterator[Sequence[object]]) -> Path:
    if path.suffix.lower() == ".xlsx":
        write_xlsx(path, [Sheet(name=name, header=header, rows=rows, text_columns=(0, 3))])
    else:
        write_csv(path, header, rows)
    return path


def errors_report_to(batch: ImportBatch, path: Path) -> Path:
    return _write(path, _("baris ditolak"), _error_header(), _error_rows(batch))


def changes_report_to(batch: ImportBatch, path: Path, kelurahan_code: str = "") -> Path:
    return _write(path, _("perubahan"), _change_header(), _change_rows(batch, kelurahan_code))


def errors_report(batch: ImportBatch, fmt: str) -> Path:
    return errors_report_to(batch, Path(batch.work_dir) / f"ditolak-{batch.pk}.{fmt}")


def changes_report(batch: ImportBatch, fmt: str, kelurahan_code: str = "") -> Path:
    suffix = "-" + re.sub(r"[^0-9.]", "", kelurahan_code) if kelurahan_code else ""
    return changes_report_to(
        batch, Path(batch.work_dir) / f"perubahan-{batch.pk}{suffix}.{fmt}", kelurahan_code
    )
