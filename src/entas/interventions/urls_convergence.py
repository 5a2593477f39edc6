"""/intervensi/konvergensi/: the city matrix, a kelurahan's families, gaps, double-dipping,
a family's card and each organisation's progress (names of the `interventions` namespace
start with convergence_)."""

from django.urls import path

from entas.interventions import views_convergence as views
from entas.interventions import views_progress

urlpatterns = [
    path("", views.convergence_index, name="convergence_index"),
    path(
        "kelurahan/<str:kelurahan_code>/",
        views.convergence_kelurahan,
        name="convergence_kelurahan",
    ),
    path("celah/", views.coverage_gaps, name="convergence_gaps"),
    path("celah/unduh/", views.coverage_gaps_export, name="convergence_gaps_export"),
    path("bantuan-ganda/", views.double_dipping, name="convergence_double_dipping"),
    path("keluarga/<int:household_id>/", views.family_card, name="convergence_family"),
    path("capaian/", views_progress.convergence_progress, name="convergence_progress"),
    path(
        "capaian/unduh/",
        views_progress.convergence_progress_export,
        name="convergence_progress_export",
    ),
]
