from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shequgang.web"
    verbose_name = "页面"
