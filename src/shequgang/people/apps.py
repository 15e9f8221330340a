from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "shequgang.people"
    verbose_name = "人员与权限"
