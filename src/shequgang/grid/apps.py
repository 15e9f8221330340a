from django.apps import AppConfig


class GridConfig(AppConfig):
    name = "shequgang.grid"
    verbose_name = "网格与巡查"
