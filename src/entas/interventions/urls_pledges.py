"""Partners' pledges and the OPD spreadsheets under /intervensi/mitra/ (namespace
"interventions", see `interventions.urls`)."""

from django.urls import path

from entas.interventions import views_pledges as pledges
from entas.interventions import views_sheets as sheets

urlpatterns = [
    path("", pledges.pledge_list, name="pledge_list"),
    path("baru/", pledges.pledge_form, name="pledge_form"),
    path("<int:pledge_id>/", pledges.pledge_detail, name="pledge_detail"),
    path("<int:pledge_id>/cocokkan/", pledges.pledge_match, name="pledge_match"),
    path("<int:pledge_id>/tarik/", pledges.pledge_withdraw, name="pledge_withdraw"),
    path(
        "adopsi/<int:adoption_id>/serahkan/", pledges.adoption_delivered, name="adoption_delivered"
    ),
    path("adopsi/<int:adoption_id>/lepas/", pledges.adoption_release, name="adoption_release"),
    path("lembar/unduh/", sheets.sheet_export, name="sheet_export"),
    path("lembar/unggah/", sheets.sheet_import, name="sheet_import"),
    path("lembar/unggah/simpan/", sheets.sheet_import_confirm, name="sheet_import_confirm"),
]
