from django.apps import AppConfig


class ApikitConfig(AppConfig):
    name = "shequgang.apikit"
    verbose_name = "API"
