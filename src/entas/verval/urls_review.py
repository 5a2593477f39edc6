from django.urls import path

from entas.verval import views_review as views

urlpatterns = [
    path("", views.review_queue, name="review_queue"),
    path("<int:visit_id>/", views.visit_detail, name="visit_detail"),
    path("<int:visit_id>/setujui/", views.visit_approve, name="visit_approve"),
    path("<int:visit_id>/kembalikan/", views.visit_return, name="visit_return"),
    path("foto/<int:photo_id>/", views.visit_photo, name="visit_photo"),
]
