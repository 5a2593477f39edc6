"""A family's needs after verval: met by an intervention, or closed by hand."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.core.services import audit_record
from entas.verval import choices as c
from entas.verval.exceptions import VervalError
from entas.verval.models import Need


def need_met(*, actor: Any, need: Need, note: str) -> Need:
    """Mark an open need met (terpenuhi), saying by what (an intervention, a partner)."""
    return _need_close(actor=actor, need=need, status=c.NeedStatus.MET, note=note)


def need_close(*, actor: Any, need: Need, note: str) -> Need:
    """Close an open need that no longer applies, with the reason."""
    if not note.strip():
        raise VervalError(_("Tuliskan alasan kebutuhan ini ditutup."), field="note")
    return _need_close(actor=actor, need=need, status=c.NeedStatus.CLOSED, note=note)


def _need_close(*, actor: Any, need: Need, status: str, note: str) -> Need:
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        current = c.NeedStatus(locked.status)
        if status not in c.NEED_TRANSITIONS[current]:
            raise VervalError(
                _("Kebutuhan ini sudah berstatus “%(status)s”.") % {"status": current.label},
                code="need_transition",
            )
        locked.status, locked.closed_at, locked.closed_note = status, timezone.now(), note[:300]
        locked.save(update_fields=["status", "closed_at", "closed_note", "updated_at"])
        audit_record(
            actor=actor, action="verval.need_close", target=locked,
            trail=f"household:{locked.household_id}",
            changes={"status": [current.value, status]}, reason=note,
        )  # fmt: skip
    return locked
