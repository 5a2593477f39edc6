"""Writing the audit trail. Call inside the transaction of the change being recorded."""

from typing import Any

from django.db import models

from entas.core.models import AuditEvent


def target_label(target: models.Model | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    return target._meta.label_lower, str(target.pk)


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    trail: str = "",
    summary: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    target_type, target_id = target_label(target)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        trail=trail,
        summary=summary[:300],
        changes=changes or {},
        reason=reason,
    )


def field_changes(instance: models.Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields of `values` that differ from `instance`, as {field: [old, new]} (JSON-safe)."""
    diff: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(instance, name)
        if old != new:
            diff[name] = [json_safe(old), json_safe(new)]
    return diff


def json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    return str(value)
