from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "shequgang.points"
    verbose_name = "积分超市"
