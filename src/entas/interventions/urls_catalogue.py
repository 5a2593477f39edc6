"""The programme catalogue and recommendations: /intervensi/program/ (namespace
"interventions")."""

from django.urls import path

from entas.interventions import views_catalogue as views
from entas.interventions import views_proposals

urlpatterns = [
    path("", views.catalogue_list, name="catalogue_list"),
    path("baru/", views.programme_form, name="programme_form"),
    path("syarat/pratinjau/", views.eligibility_preview, name="eligibility_preview"),
    path("rekomendasi/", views.recommendations, name="recommendations"),
    path("rekomendasi/jalankan/", views.recommendations_run_view, name="recommendations_run"),
    path(
        "rekomendasi/usulkan/",
        views_proposals.recommendations_propose_view,
        name="recommendations_propose",
    ),
    path(
        "rekomendasi/<int:pk>/abaikan/",
        views.recommendation_dismiss,
        name="recommendation_dismiss",
    ),
    path("<int:pk>/", views.programme_detail, name="programme_detail"),
    path("<int:pk>/ubah/", views.programme_form, name="programme_form"),
    path("<int:pk>/kuota/", views.allocation_form, name="allocation_form"),
]
