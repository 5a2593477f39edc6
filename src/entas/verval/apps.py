from django.apps import AppConfig


class VervalConfig(AppConfig):
    name = "entas.verval"
    label = "verval"
    verbose_name = "Verval lapangan"
