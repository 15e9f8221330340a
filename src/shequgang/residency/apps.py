from django.apps import AppConfig


class ResidencyConfig(AppConfig):
    name = "shequgang.residency"
    verbose_name = "居民账号"
