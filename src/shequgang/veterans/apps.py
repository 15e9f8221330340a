from django.apps import AppConfig


class VeteransConfig(AppConfig):
    name = "shequgang.veterans"
    verbose_name = "退役军人参保申报"
