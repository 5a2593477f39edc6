from django.urls import path

from entas.imports import views_exports

app_name = "exports"
urlpatterns = [
    path("", views_exports.export_page, name="page"),
    path("unduh/", views_exports.export_download, name="download"),
    path("templat-impor.xlsx", views_exports.import_template, name="import_template"),
]
