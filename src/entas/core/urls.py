from django.urls import path
from django.views.generic import RedirectView

app_name = "core"
urlpatterns = [
    # Where a user lands depends on their role, which accounts decides (core sits below it).
    path("", RedirectView.as_view(pattern_name="accounts:home"), name="home"),
]
