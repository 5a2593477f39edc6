"""Matching tools: a citizen's report against the registry."""

from django.urls import path

from entas.linkage import views_tools

urlpatterns = [
    path("laporan/", views_tools.report_match, name="report"),
]
