from django.apps import AppConfig


class TargetingConfig(AppConfig):
    name = "entas.targeting"
    label = "targeting"
    verbose_name = "Penetapan sasaran"
