"""Background work of linkage, run by the django-tasks database worker."""

from django_tasks import task

from entas.linkage.models import MatchRun
from entas.linkage.services import dedupe_registry


@task()
def dedupe_task(run_id: int) -> None:
    dedupe_registry(MatchRun.objects.get(pk=run_id))
