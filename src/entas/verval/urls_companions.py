"""Pendampingan: the companion's families and the family's verval page (namespace verval)."""

from django.urls import path

from entas.verval import views_companions as views

FAMILY = "keluarga/<int:household_id>/"

urlpatterns = [
    path("", views.companion_list, name="companion_list"),
    path("tetapkan/", views.companion_bulk, name="companion_bulk"),
    path(FAMILY, views.family, name="family"),
    path(FAMILY + "pendamping/", views.family_companion, name="family_companion"),
    path(FAMILY + "pendamping/akhiri/", views.family_companion_end, name="family_companion_end"),
    path(FAMILY + "catatan/", views.family_note, name="family_note"),
    path(FAMILY + "rencana/", views.family_plan, name="family_plan"),
    path(FAMILY + "rencana/selesai/", views.family_plan_complete, name="family_plan_complete"),
    path(FAMILY + "tujuan/", views.family_goal, name="family_goal"),
    path(
        FAMILY + "tujuan/<int:goal_id>/status/",
        views.family_goal_status,
        name="family_goal_status",
    ),
    path(FAMILY + "tujuan/<int:goal_id>/langkah/", views.family_step, name="family_step"),
    path(
        FAMILY + "langkah/<int:step_id>/selesai/",
        views.family_step_done,
        name="family_step_done",
    ),
]
