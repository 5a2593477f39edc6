"""/intervensi/rujukan/: each OPD's referral queue, a referral's steps, Dinsos' proposal."""

from django.urls import path

from entas.interventions import views_referrals as views

urlpatterns = [
    path("", views.referral_queue, name="referral_queue"),
    path("usul/", views.referral_propose, name="referral_propose"),
    path("<int:referral_id>/", views.referral_detail, name="referral_detail"),
    path("<int:referral_id>/terima/", views.referral_accept, name="referral_accept"),
    path("<int:referral_id>/tolak/", views.referral_decline, name="referral_decline"),
    path("<int:referral_id>/jadwal/", views.referral_schedule, name="referral_schedule"),
    path("<int:referral_id>/salurkan/", views.referral_deliver, name="referral_deliver"),
    path("<int:referral_id>/hasil/", views.referral_outcome, name="referral_outcome"),
    path("<int:referral_id>/batal/", views.referral_cancel, name="referral_cancel"),
]
