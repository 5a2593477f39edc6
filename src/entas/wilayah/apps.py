from django.apps import AppConfig


class WilayahConfig(AppConfig):
    name = "entas.wilayah"
    label = "wilayah"
    verbose_name = "Wilayah"
