from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "shequgang.cases"
    verbose_name = "事项"
