"""The field officer's phone (issue "Verval in the field", points 2 and 3)."""

from django.urls import path

from entas.verval import views_field

urlpatterns = [
    path("", views_field.field_list, name="field_list"),
    path("sw.js", views_field.field_sw, name="field_sw"),
    path("kirim/", views_field.field_submit, name="field_submit"),
    path("<int:assignment_id>/", views_field.field_visit, name="field_visit"),
]
