"""/pencocokan/: the review queue and merges (urls_review), report matching and
reconciliation (urls_tools)."""

from django.urls import include, path

app_name = "linkage"

urlpatterns = [
    path("", include("entas.linkage.urls_review")),
    path("", include("entas.linkage.urls_tools")),
]
