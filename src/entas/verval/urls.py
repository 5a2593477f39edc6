"""Verval pages, one module per part: the officer's phone, review, campaigns, progress and
minutes, companions."""

from django.urls import include, path

app_name = "verval"

urlpatterns = [
    path("lapangan/", include("entas.verval.urls_field")),
    path("periksa/", include("entas.verval.urls_review")),
    path("kampanye/", include("entas.verval.urls_campaigns")),
    path("progres/", include("entas.verval.urls_progress")),
    path("pendampingan/", include("entas.verval.urls_companions")),
]
