from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "shequgang.demo"
    verbose_name = "演示数据"
