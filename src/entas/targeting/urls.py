from django.urls import include, path

app_name = "targeting"
urlpatterns = [
    path("", include("entas.targeting.urls_periods")),
    path("", include("entas.targeting.urls_settings")),
]
