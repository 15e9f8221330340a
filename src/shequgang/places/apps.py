from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "shequgang.places"
    verbose_name = "地点与组织树"

    def ready(self) -> None:
        from shequgang.places import paths  # noqa: F401  registers the `descendant` lookup
