"""Background work of imports, run by the database-backed worker (`entas db_worker`)."""

from django.contrib.auth import get_user_model
from django_tasks import task

from entas.imports.models import ImportBatch
from entas.imports.services import import_commit, import_stage


@task()
def import_stage_task(batch_id: int) -> str:
    batch = import_stage(batch=ImportBatch.objects.get(pk=batch_id))
    return str(batch.status)


@task()
def import_commit_task(batch_id: int, user_id: int | None) -> str:
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    batch = import_commit(batch=ImportBatch.objects.get(pk=batch_id), user=user)
    return str(batch.status)
