from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "entas.registry"
    label = "registry"
    verbose_name = "Registri"
