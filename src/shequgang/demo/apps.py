from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "shequgang.demo"
    verbose_name = "演示数据"

    def ready(self) -> None:
        from shequgang.demo import checks  # noqa: F401  (registers the start-up check)
