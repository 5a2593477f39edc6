from django.urls import path

from entas.targeting.views_periods import compare, exports, households, periods

urlpatterns = [
    path("", periods.index, name="index"),
    path("periode/", periods.period_create, name="period_create"),
    path("periode/<slug:code>/", periods.period_detail, name="period"),
    path("periode/<slug:code>/klasifikasi/", periods.period_classify, name="period_classify"),
    path("periode/<slug:code>/bekukan/", periods.period_freeze, name="period_freeze"),
    path("periode/<slug:code>/ekspor/", exports.period_export, name="period_export"),
    path("bandingkan/", compare.compare, name="compare"),
    path("bandingkan/ekspor/", exports.compare_export, name="compare_export"),
    path("keluarga/<int:household_id>/", households.household_detail, name="household"),
    path(
        "keluarga/<int:household_id>/penyebab/",
        households.household_cause,
        name="household_cause",
    ),
    path(
        "keluarga/<int:household_id>/temuan/",
        households.household_finding,
        name="household_finding",
    ),
    path("peringatan/", households.alerts, name="alerts"),
    path("peringatan/<int:alert_id>/tangani/", households.alert_resolve, name="alert_resolve"),
]
