"""Campaign pages under /verval/kampanye/ (namespace "verval", see `verval.urls`)."""

from django.urls import path

from entas.verval import views_campaigns as views

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("baru/", views.campaign_create, name="campaign_create"),
    path("<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("<int:campaign_id>/keluarga/", views.campaign_households, name="campaign_households"),
    path("<int:campaign_id>/sasaran/", views.campaign_scope, name="campaign_scope"),
    path("<int:campaign_id>/unggah/", views.campaign_upload, name="campaign_upload"),
    path(
        "<int:campaign_id>/unggah/laporan/",
        views.campaign_upload_report,
        name="campaign_upload_report",
    ),
    path("<int:campaign_id>/bagi/", views.campaign_assign, name="campaign_assign"),
    path("<int:campaign_id>/pindah/", views.campaign_reassign, name="campaign_reassign"),
    path(
        "<int:campaign_id>/keluarga/<int:assignment_id>/keluarkan/",
        views.campaign_remove,
        name="campaign_remove",
    ),
    path("<int:campaign_id>/status/", views.campaign_status, name="campaign_status"),
]
