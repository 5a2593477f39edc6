from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every entas table carries its creation and last-change time."""

    created_at = models.DateTimeField(_("dibuat"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One thing someone did or saw: the audit trail required by UU PDP.

    Written by `core.services.audit_record` inside the same transaction as the change it
    describes, so a change without its event (or an event without its change) cannot exist.
    `trail` groups events for a history page (e.g. ``household:42`` collects the events of a
    household and of its members). Events are never updated or deleted.
    """

    at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pelaku"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    action = models.CharField(_("tindakan"), max_length=64)
    target_type = models.CharField(_("jenis objek"), max_length=64, blank=True)
    target_id = models.CharField(_("ID objek"), max_length=64, blank=True)
    trail = models.CharField(_("jejak"), max_length=64, blank=True)
    summary = models.CharField(_("ringkasan"), max_length=300, blank=True)
    changes = models.JSONField(_("perubahan"), default=dict, blank=True)
    reason = models.TextField(_("alasan"), blank=True)

    class Meta:
        verbose_name = _("peristiwa audit")
        verbose_name_plural = _("peristiwa audit")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["trail", "at"], name="audit_trail_at"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"
