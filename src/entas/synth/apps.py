from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "entas.synth"
    label = "synth"
    verbose_name = "Data sintetis"
