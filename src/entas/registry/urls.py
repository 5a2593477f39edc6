from django.urls import path

from entas.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
]
