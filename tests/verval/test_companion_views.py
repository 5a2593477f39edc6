"""Pendampingan pages over HTTP: who may open and write what, forms that keep what was typed,
htmx answers with only the changed section, and the admin's bulk assignment."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.factories import make_household

from entas.core.models import AuditEvent
from entas.verval import choices as c
from entas.verval.models import CompanionNote, Companionship, FamilyPlan, Need, PlanGoal, PlanStep
from entas.verval.services import companions as services

from .builders import KELURAHAN, kelurahan_officer
from .test_companions import CAPITAL, START, WHEELCHAIR, approved_family, classified_period

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = [
    "admin_dinsos",
    "officer_tembalang",
    "officer_tugu",
    "opd_dinkes",
    "partner_csr",
    "leader",
    "auditor",
]


@pytest.fixture
def psm(regions):
    return kelurahan_officer("psm_meteseh")


@pytest.fixture
def family(admin_dinsos, officer_tembalang, psm):
    """A Meteseh family with two needs from an approved visit, accompanied by the PSM."""
    household = approved_family(admin_dinsos, psm, officer_tembalang, needs=[CAPITAL, WHEELCHAIR])
    services.companion_assign(
        actor=admin_dinsos, household=household, companion=psm, started_on=START
    )
    return household


def url(name, household, *args):
    return reverse(f"verval:{name}", args=[household.pk, *args])


# --- who may open what -----------------------------------------------------------------

# page: expected status per role, in ROLES order. The family is in Tembalang.
EXPECTED = {
    "companion_list": [200, 200, 200, 403, 403, 403, 403],
    "family": [200, 200, 404, 403, 403, 403, 403],
}


@pytest.mark.parametrize(
    ("page", "role", "status"),
    [
        (page, role, status)
        for page, statuses in EXPECTED.items()
        for role, status in zip(ROLES, statuses, strict=True)
    ],
)
def test_who_may_open_each_page(page, role, status, cast, client_for, family):
    target = reverse("verval:companion_list") if page == "companion_list" else url(page, family)
    assert client_for(cast[role]).get(target).status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(client, family):
    response = client.get(url("family", family))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "masuk" in response["Location"]


@pytest.mark.parametrize(("role", "status"), [("officer_tugu", 404), ("leader", 403)])
def test_a_note_outside_scope_or_role_is_refused(role, status, cast, client_for, family):
    response = client_for(cast[role]).post(
        url("family_note", family), {"visited_on": "2025-02-03", "note": "Kunjungan"}
    )
    assert response.status_code == status
    assert not CompanionNote.objects.exists()


def test_only_admins_assign_companions(client_for, psm, officer_tembalang, family):
    response = client_for(psm).post(
        url("family_companion", family),
        {"companion": officer_tembalang.pk, "started_on": "2025-03-01"},
    )
    assert response.status_code == 403
    assert Companionship.objects.get(household=family, ended_on__isnull=True).companion == psm


def test_opening_the_family_page_is_logged(client_for, officer_tembalang, family):
    client_for(officer_tembalang).get(url("family", family))
    event = AuditEvent.objects.filter(action="household.view").latest("pk")
    assert (event.actor, event.trail) == (officer_tembalang, f"household:{family.pk}")


# --- the family's page -----------------------------------------------------------------


def test_the_page_shows_visits_needs_companion_and_forms_for_the_companion(client_for, psm, family):
    page = client_for(psm).get(url("family", family)).content.decode()
    assert "Ditemukan dan masih layak" in page  # the visit's outcome
    assert "Alat bantu disabilitas: Kursi roda" in page
    assert "Modal usaha: warung" in page
    assert "Psm Meteseh" in page
    assert 'action="{}"'.format(url("family_note", family)) in page
    assert 'action="{}"'.format(url("family_plan", family)) in page
    assert 'action="{}"'.format(url("family_companion", family)) not in page


def test_an_officer_of_the_area_reads_but_has_no_forms(client_for, officer_tembalang, family):
    page = client_for(officer_tembalang).get(url("family", family)).content.decode()
    assert "Psm Meteseh" in page
    assert url("family_note", family) not in page
    assert url("family_plan", family) not in page


def test_a_note_by_an_officer_who_is_not_the_companion_is_refused_with_a_reason(
    client_for, officer_tembalang, family
):
    response = client_for(officer_tembalang).post(
        url("family_note", family), {"visited_on": "2025-02-03", "note": "Saya mampir"}
    )
    assert response.status_code == 400
    assert "Hanya pendamping keluarga ini" in response.content.decode()
    assert not CompanionNote.objects.exists()


def test_the_companion_adds_a_note_and_is_sent_back_to_the_page(client_for, psm, family):
    client = client_for(psm)
    response = client.post(
        url("family_note", family), {"visited_on": "03-02-2025", "note": "Ibu mulai berjualan."}
    )
    assert response.status_code == 302
    assert response["Location"] == url("family", family) + "#notes"
    note = CompanionNote.objects.get()
    assert (note.visited_on, note.note, note.author) == (
        dt.date(2025, 2, 3),
        "Ibu mulai berjualan.",
        psm,
    )
    assert "Ibu mulai berjualan." in client.get(url("family", family)).content.decode()


def test_a_note_in_the_future_keeps_what_was_typed(client_for, psm, family):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client_for(psm).post(
        url("family_note", family), {"visited_on": tomorrow, "note": "Catatan panjang saya"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Tanggal tidak boleh di masa depan." in page
    assert "Catatan panjang saya</textarea>" in page
    assert f'value="{tomorrow}"' in page
    assert not CompanionNote.objects.exists()


def test_htmx_gets_only_the_notes_section(client_for, psm, family):
    response = client_for(psm).post(
        url("family_note", family), {"visited_on": "2025-02-03", "note": "Lewat htmx"}, **HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith('<section id="notes"')
    assert "<html" not in page
    assert "Catatan disimpan." in page
    assert "Lewat htmx" in page


def test_htmx_error_answers_the_section_with_the_typed_text(client_for, psm, family):
    response = client_for(psm).post(
        url("family_note", family), {"visited_on": "bukan tanggal", "note": "Tetap ada"}, **HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200  # htmx swaps 2xx only
    assert page.startswith('<section id="notes"')
    assert "Tanggal tidak valid" in page
    assert "Tetap ada</textarea>" in page
    assert not CompanionNote.objects.exists()


def test_the_companion_builds_a_plan_through_the_forms(client_for, psm, family):
    client = client_for(psm)
    need = Need.objects.get(household=family, kind=c.NeedKind.BUSINESS_CAPITAL)
    assert client.post(url("family_plan", family), {"agreed_on": "2025-02-05"}).status_code == 302
    goal_answer = client.post(
        url("family_goal", family),
        {"title": "Warung berjalan", "need": need.pk, "target_on": "2025-06-30"},
        **HTMX,
    )
    assert goal_answer.status_code == 200
    assert goal_answer.content.decode().startswith('<section id="plan"')
    goal = PlanGoal.objects.get()
    assert (goal.title, goal.need, goal.plan.agreed_on) == (
        "Warung berjalan",
        need,
        dt.date(2025, 2, 5),
    )
    step_answer = client.post(
        url("family_step", family, goal.pk),
        {"description": "Ajukan modal ke Dinkop", "owner": c.StepOwner.COMPANION},
    )
    assert step_answer.status_code == 302
    step = PlanStep.objects.get()
    done = client.post(url("family_step_done", family, step.pk), {"done_on": "2025-02-20"}, **HTMX)
    step.refresh_from_db()
    assert step.done_on == dt.date(2025, 2, 20)
    assert "1 dari 1 langkah selesai" in done.content.decode()
    status = client.post(url("family_goal_status", family, goal.pk), {"status": "tercapai"})
    goal.refresh_from_db()
    assert (status.status_code, goal.status) == (302, c.GoalStatus.ACHIEVED)
    client.post(url("family_plan_complete", family))
    assert FamilyPlan.objects.get().status == c.PlanStatus.COMPLETED
    page = client.get(url("family", family)).content.decode()
    assert "Rencana sebelumnya" in page
    assert url("family_plan", family) in page  # a new plan may be agreed


def test_a_need_of_another_family_is_not_offered_and_the_title_is_kept(
    admin_dinsos, officer_tembalang, client_for, psm, family
):
    other = approved_family(admin_dinsos, psm, officer_tembalang, needs=[WHEELCHAIR])
    foreign = Need.objects.get(household=other)
    services.plan_create(actor=psm, household=family, agreed_on=START)
    response = client_for(psm).post(
        url("family_goal", family), {"title": "Kursi roda untuk bapak", "need": foreign.pk}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Pilih kebutuhan keluarga ini dari daftar." in page
    assert 'value="Kursi roda untuk bapak"' in page
    assert not PlanGoal.objects.exists()


def test_a_step_without_owner_keeps_its_text_under_its_own_goal(client_for, psm, family):
    plan = services.plan_create(actor=psm, household=family, agreed_on=START)
    first = services.goal_add(actor=psm, plan=plan, title="Rumah layak")
    second = services.goal_add(actor=psm, plan=plan, title="Anak sekolah")
    response = client_for(psm).post(
        url("family_step", family, second.pk), {"description": "Daftar ke SMP", "owner": ""}
    )
    page = response.content.decode()
    assert response.status_code == 400
    typed = 'name="description" maxlength="300" value="Daftar ke SMP"'
    assert f'id="step-{second.pk}-description" {typed}' in page
    assert f'id="step-{first.pk}-description" name="description" maxlength="300" value=""' in page
    assert "Pilih pelaksana langkah." in page
    assert not PlanStep.objects.exists()


def test_a_goal_of_another_family_is_not_found(
    admin_dinsos, officer_tembalang, client_for, psm, family
):
    other = approved_family(admin_dinsos, psm, officer_tembalang)
    services.companion_assign(actor=admin_dinsos, household=other, companion=psm, started_on=START)
    plan = services.plan_create(actor=psm, household=other, agreed_on=START)
    goal = services.goal_add(actor=psm, plan=plan, title="Lain")
    response = client_for(psm).post(
        url("family_step", family, goal.pk), {"description": "x", "owner": c.StepOwner.FAMILY}
    )
    assert response.status_code == 404


def test_the_admin_changes_the_companion_from_the_page(
    client_for, admin_dinsos, officer_tembalang, officer_tugu, psm, family
):
    client = client_for(admin_dinsos)
    refused = client.post(
        url("family_companion", family), {"companion": officer_tugu.pk, "started_on": "2025-03-01"}
    )
    assert refused.status_code == 400
    assert "Pilih pendamping dari daftar petugas wilayah ini." in refused.content.decode()
    done = client.post(
        url("family_companion", family),
        {"companion": officer_tembalang.pk, "started_on": "2025-03-01"},
    )
    assert done.status_code == 302
    current = Companionship.objects.get(household=family, ended_on__isnull=True)
    assert (current.companion, current.started_on) == (officer_tembalang, dt.date(2025, 3, 1))


# --- the lists -------------------------------------------------------------------------


def test_the_companion_sees_their_families(client_for, psm, family):
    services.companion_note_add(actor=psm, household=family, visited_on=START, note="a")
    page = client_for(psm).get(reverse("verval:companion_list")).content.decode()
    assert "Keluarga dampingan saya" in page
    assert url("family", family) in page
    assert "Catatan terakhir 01-02-2025" in page
    assert "2 kebutuhan terbuka" in page


def test_the_companion_list_does_not_grow_queries_with_families(
    admin_dinsos, client_for, officer_tembalang, psm, family
):
    client = client_for(psm)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("verval:companion_list"))
    for _ in range(2):
        more = make_household(kelurahan_code=KELURAHAN)
        services.companion_assign(
            actor=admin_dinsos, household=more, companion=psm, started_on=START
        )
    with CaptureQueriesContext(connection) as three:
        page = client.get(reverse("verval:companion_list")).content.decode()
    assert page.count('class="name"') == 3
    assert len(three) == len(one)


def test_the_admin_sees_the_latest_period_and_assigns_in_bulk(
    admin_dinsos, officer_tembalang, client_for, psm
):
    waiting = approved_family(admin_dinsos, psm, officer_tembalang)
    kept = approved_family(admin_dinsos, psm, officer_tembalang)
    services.companion_assign(
        actor=admin_dinsos, household=kept, companion=officer_tembalang, started_on=START
    )
    period = classified_period()
    client = client_for(admin_dinsos)
    summary = client.get(reverse("verval:companion_list")).content.decode()
    assert "Januari 2025" in summary
    assert "<td>2</td><td>1</td><td>1</td>" in summary
    filtered = client.get(
        reverse("verval:companion_list"),
        {"periode": period.code, "kelurahan": KELURAHAN, "tanpa": "1"},
    ).content.decode()
    assert url("family", waiting) in filtered
    assert url("family", kept) not in filtered

    response = client.post(
        reverse("verval:companion_bulk"),
        {"period": period.code, "kelurahan": KELURAHAN, "companion": "terakhir"},
        follow=True,
    )

    assert "1 keluarga mendapat pendamping; 0 tanpa petugas verval" in response.content.decode()
    assert Companionship.objects.get(household=waiting).companion == psm
    assert (
        Companionship.objects.get(household=kept, ended_on__isnull=True).companion
        == officer_tembalang
    )


def test_the_bulk_form_refuses_a_missing_kelurahan_and_keeps_the_choice(
    admin_dinsos, officer_tembalang, client_for, psm
):
    approved_family(admin_dinsos, psm, officer_tembalang)
    period = classified_period()
    response = client_for(admin_dinsos).post(
        reverse("verval:companion_bulk"),
        {"period": period.code, "kelurahan": "", "companion": str(psm.pk)},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Pilih kelurahan." in page
    assert f'<option value="{psm.pk}" selected>' in page
    assert not Companionship.objects.exists()


def test_without_a_classified_period_the_admin_is_told_what_to_do(admin_dinsos, client_for):
    page = client_for(admin_dinsos).get(reverse("verval:companion_list")).content.decode()
    assert "Belum ada periode yang diklasifikasi" in page


def test_a_field_officer_may_not_assign_in_bulk(client_for, psm):
    response = client_for(psm).post(
        reverse("verval:companion_bulk"), {"period": "x", "kelurahan": KELURAHAN}
    )
    assert response.status_code == 403
