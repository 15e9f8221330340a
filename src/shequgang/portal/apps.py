from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "shequgang.portal"
    verbose_name = "居民门户"
