from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "shequgang.party"
    verbose_name = "党建引领（组织、双报到、双包联）"
