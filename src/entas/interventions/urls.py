"""Interventions pages, one module per part: catalogue and recommendations, the OPD's
referral queue, convergence, partners' pledges and spreadsheets."""

from django.urls import include, path

app_name = "interventions"

urlpatterns = [
    path("program/", include("entas.interventions.urls_catalogue")),
    path("rujukan/", include("entas.interventions.urls_referrals")),
    path("konvergensi/", include("entas.interventions.urls_convergence")),
    path("mitra/", include("entas.interventions.urls_pledges")),
]
