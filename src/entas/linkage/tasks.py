"""Background work of linkage, run by the django-tasks database worker."""

from django.contrib.auth import get_user_model
from django_tasks import task

from entas.core.services import audit_record
from entas.linkage.models import MatchRun
from entas.linkage.services import dedupe_registry, model_train


@task()
def dedupe_task(run_id: int) -> None:
    dedupe_registry(MatchRun.objects.get(pk=run_id))


@task()
def train_task(user_id: int | None) -> None:
    actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        model_train(actor=actor)
    except Exception as error:
        # Too few records to estimate from, typically; the page shows the audit line.
        audit_record(
            actor=actor,
            action="linkage.model_train_failed",
            summary=f"Pelatihan model gagal: {error}"[:300],
        )
        raise
