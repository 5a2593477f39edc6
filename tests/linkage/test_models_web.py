"""Model versions from the web: train from the registry (through the worker), switch the
version in use, who may do it."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from entas.core.models import AuditEvent
from entas.linkage import services
from entas.linkage.models import LinkageModel

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_admin_trains_a_new_version_from_the_registry(
    regions, admin_dinsos, client_for, immediate_tasks, django_capture_on_commit_callbacks
):
    call_command("synth", households=600, seed=3, verbosity=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_dinsos).post(reverse("linkage:model_train"))
    assert response.status_code == 302
    model = LinkageModel.objects.get()
    assert model.version == 1
    assert model.is_active
    assert model.record_count > 1000
    assert model.created_by == admin_dinsos
    names = {c["output_column_name"] for c in model.parameters["comparisons"]}
    assert "nik" in names, ",".join(sorted(names))
    # The registry's own model is now the one lookups use.
    assert services.active_matcher().model == model.parameters
    page = client_for(admin_dinsos).get(reverse("linkage:models")).content.decode()
    assert "v1" in page
    assert AuditEvent.objects.filter(action="linkage.model_train", actor=admin_dinsos).exists()


def test_switching_the_version_in_use_is_audited(admin_dinsos, client_for):
    old = LinkageModel.objects.create(version=1, parameters={"comparisons": []}, is_active=True)
    new = LinkageModel.objects.create(version=2, parameters={"comparisons": []})
    response = client_for(admin_dinsos).post(reverse("linkage:model_activate", args=[old.pk]))
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.is_active
    client_for(admin_dinsos).post(reverse("linkage:model_activate", args=[new.pk]))
    old.refresh_from_db()
    new.refresh_from_db()
    assert new.is_active
    assert not old.is_active
    assert AuditEvent.objects.filter(action="linkage.model_activate").count() == 2
    missing = client_for(admin_dinsos).post(reverse("linkage:model_activate", args=[999]))
    assert missing.status_code == 404


def test_only_reviewers_train_or_switch(officer_tembalang, leader, client_for):
    model = LinkageModel.objects.create(version=1, parameters={"comparisons": []})
    officer = client_for(officer_tembalang)
    assert officer.get(reverse("linkage:models")).status_code == 200
    assert officer.post(reverse("linkage:model_train")).status_code == 403
    assert officer.post(reverse("linkage:model_activate", args=[model.pk])).status_code == 403
    assert client_for(leader).get(reverse("linkage:models")).status_code == 403
    model.refresh_from_db()
    assert not model.is_active
