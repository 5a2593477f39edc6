from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "entas.accounts"
    label = "accounts"
    verbose_name = "Akun"
