from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "entas.imports"
    label = "imports"
    verbose_name = "Impor dan ekspor"
