from django.urls import path, register_converter

from entas.imports import views, views_reconcile


class ReportFormat:
    """`xlsx` or `csv`: the formats the reports are written in."""

    regex = "xlsx|csv"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReportFormat, "report_format")

app_name = "imports"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("rekonsiliasi/", views_reconcile.reconcile_page, name="reconcile"),
    path(
        "rekonsiliasi/<slug:token>.<report_format:fmt>",
        views_reconcile.reconcile_download,
        name="reconcile_download",
    ),
    path("<int:batch_id>/", views.batch_detail, name="batch"),
    path("<int:batch_id>/progres/", views.batch_progress, name="progress"),
    path("<int:batch_id>/kolom/", views.mapping_change, name="mapping"),
    path("<int:batch_id>/simpan/", views.batch_commit, name="commit"),
    path("<int:batch_id>/batalkan/", views.batch_cancel, name="cancel"),
    path("<int:batch_id>/ditolak.<report_format:fmt>", views.errors_download, name="errors"),
    path("<int:batch_id>/perubahan/", views.changes, name="changes"),
    path(
        "<int:batch_id>/perubahan.<report_format:fmt>",
        views.changes_download,
        name="changes_download",
    ),
]
