"""Poverty lines, rule sets and score weights: /sasaran/garis/ and /sasaran/aturan/."""

from django.urls import path

from entas.targeting import views_settings as views

urlpatterns = [
    path("garis/", views.lines, name="lines"),
    path("garis/baru/", views.line_create, name="line_create"),
    path("garis/<int:line_id>/ubah/", views.line_revise, name="line_revise"),
    path("aturan/", views.parameters, name="parameters"),
    path(
        "aturan/aturan/unggah/",
        views.parameters_upload,
        {"kind": views.RULES},
        name="rules_upload",
    ),
    path(
        "aturan/bobot/unggah/",
        views.parameters_upload,
        {"kind": views.WEIGHTS},
        name="weights_upload",
    ),
    path("aturan/<str:kind>/<int:pk>/", views.parameters_detail, name="parameters_detail"),
    path(
        "aturan/<str:kind>/<int:pk>/pakai/",
        views.parameters_activate,
        name="parameters_activate",
    ),
    path(
        "aturan/<str:kind>/<int:pk>/unduh/",
        views.parameters_download,
        name="parameters_download",
    ),
]
