from django.urls import path

from entas.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
    path("keluarga/<int:household_id>/", views.household_detail, name="household"),
    path("individu/<int:person_id>/", views.person_detail, name="person"),
    path("ringkasan/", views.summary, name="summary"),
]
