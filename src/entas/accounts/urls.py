from django.contrib.auth import views as auth_views
from django.urls import path

from entas.accounts import views, views_users
from entas.accounts.forms import SignInForm

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "masuk/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_log, name="audit_log"),
    path("sandi/", views.password_change, name="password_change"),
    path("organisasi/", views_users.organization_list, name="organization_list"),
    path("organisasi/baru/", views_users.organization_create, name="organization_create"),
    path(
        "organisasi/<int:organization_id>/",
        views_users.organization_detail,
        name="organization_detail",
    ),
    path(
        "organisasi/<int:organization_id>/ubah/",
        views_users.organization_update,
        name="organization_update",
    ),
    path(
        "organisasi/<int:organization_id>/pengguna/baru/",
        views_users.officer_create,
        name="officer_create",
    ),
    path(
        "organisasi/<int:organization_id>/pengguna/<int:user_id>/ubah/",
        views_users.officer_update,
        name="officer_update",
    ),
    path(
        "organisasi/<int:organization_id>/pengguna/<int:user_id>/status/",
        views_users.officer_status,
        name="officer_status",
    ),
    path(
        "organisasi/<int:organization_id>/pengguna/<int:user_id>/sandi/",
        views_users.officer_password,
        name="officer_password",
    ),
]
