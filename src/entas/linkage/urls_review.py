"""The review queue, one pair and its decision, merges with undo, and runs."""

from django.urls import path

from entas.linkage import views_review as views

urlpatterns = [
    path("", views.index, name="index"),
    path("antrean/", views.queue, name="queue"),
    path("<int:pk>/", views.pair_detail, name="pair"),
    path("<int:pk>/putuskan/", views.pair_decide, name="decide"),
    path("penggabungan/", views.merges, name="merges"),
    path("penggabungan/<int:pk>/batalkan/", views.merge_undo, name="merge_undo"),
    path("proses/", views.runs, name="runs"),
    path("proses/deduplikasi/", views.run_dedupe, name="run_dedupe"),
    path("model/", views.models, name="models"),
    path("model/latih/", views.model_train, name="model_train"),
    path("model/<int:pk>/pakai/", views.model_activate, name="model_activate"),
]
