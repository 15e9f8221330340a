from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "shequgang.needs"
    label = "needs"
    verbose_name = "需求与资源"
