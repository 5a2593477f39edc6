from django.urls import include, path

urlpatterns = [
    path("", include("entas.core.urls")),
    path("akun/", include("entas.accounts.urls")),
    path("registri/", include("entas.registry.urls")),
    path("impor/", include("entas.imports.urls")),
    path("pencocokan/", include("entas.linkage.urls")),
    path("sasaran/", include("entas.targeting.urls")),
    path("verval/", include("entas.verval.urls")),
    path("intervensi/", include("entas.interventions.urls")),
    path("ekspor/", include("entas.imports.urls_exports")),
    path("i18n/", include("django.conf.urls.i18n")),
]
