from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "entas.interventions"
    label = "interventions"
    verbose_name = "Intervensi lintas OPD dan mitra"
