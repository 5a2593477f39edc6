"""Reads of import batches: mapping table, change summary per kelurahan, errors."""

from typing import Any

from django.db.models import Count, QuerySet

from entas.imports import schema
from entas.imports.models import ChangeKind, ImportBatch, ImportChange, ImportRowError


def import_batches() -> QuerySet[ImportBatch]:
    return ImportBatch.objects.select_related("created_by").order_by("-created_at", "-id")


def batch_errors(batch: ImportBatch, *, kind: str = "") -> QuerySet[ImportRowError]:
    errors = ImportRowError.objects.filter(batch=batch)
    if kind:
        errors = errors.filter(kind=kind)
    return errors.order_by("file_name", "row_number", "id")


def batch_changes(
    batch: ImportBatch, *, kelurahan_code: str = "", kind: str = ""
) -> QuerySet[ImportChange]:
    changes = ImportChange.objects.filter(batch=batch)
    if kelurahan_code:
        changes = changes.filter(kelurahan_id=kelurahan_code)
    if kind:
        changes = changes.filter(kind=kind)
    return changes.order_by("kelurahan_id", "kind", "household_id", "id")


def change_summary(batch: ImportBatch) -> list[dict[str, Any]]:
    """Per kelurahan: how many of each kind of change the batch made."""
    rows: dict[str, dict[str, Any]] = {}
    counted = (
        ImportChange.objects.filter(batch=batch)
        .values("kelurahan_id", "kelurahan__name", "kind")
        .annotate(n=Count("id"))
        .order_by("kelurahan_id")
    )
    for item in counted:
        row = rows.setdefault(
            item["kelurahan_id"],
            {
                "kelurahan_code": item["kelurahan_id"],
                "kelurahan_name": item["kelurahan__name"],
                **dict.fromkeys(ChangeKind.values, 0),
            },
        )
        row[item["kind"]] = item["n"]
    return list(rows.values())


def batch_headers(batch: ImportBatch) -> list[dict[str, Any]]:
    """Per file, every column with the field it maps to and how that was decided."""
    result = []
    for item in (batch.mapping or {}).get("files", []):
        unknown = set(item.get("unknown", []))
        unused = set(item.get("unused", []))
        duplicates = set(item.get("duplicates", []))
        suggestions = item.get("suggestions", {})
        columns = []
        for header, field in zip(item.get("headers", []), item.get("columns", []), strict=False):
            if field:
                status = "dikenali"
            elif header in duplicates:
                status = "ganda"
            elif header in unused:
                status = "tidak_dipakai"
            elif header in unknown:
                status = "tidak_dikenal"
            else:
                status = "diabaikan"
            columns.append(
                {
                    "header": header,
                    "field": field or "",
                    "label": str(schema.FIELDS_BY_NAME[field].label) if field else "",
                    "status": status,
                    "suggestion": suggestions.get(header, ""),
                }
            )
        result.append({"file": item.get("name", ""), "columns": columns})
    return result
