from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "entas.linkage"
    label = "linkage"
    verbose_name = "Pencocokan dan deduplikasi"
