from django.urls import path

from entas.verval import views_progress as views

urlpatterns = [
    path("<int:campaign_id>/", views.progress, name="progress"),
    path("<int:campaign_id>/ekspor/", views.progress_export, name="progress_export"),
    path("<int:campaign_id>/terlambat/", views.progress_overdue, name="progress_overdue"),
    path(
        "<int:campaign_id>/berita-acara/<str:kelurahan_code>/",
        views.minutes,
        name="minutes",
    ),
    path(
        "<int:campaign_id>/berita-acara/<str:kelurahan_code>/pdf/",
        views.minutes_pdf,
        name="minutes_pdf",
    ),
    path(
        "<int:campaign_id>/berita-acara/<str:kelurahan_code>/bnba/",
        views.minutes_bnba,
        name="minutes_bnba",
    ),
]
