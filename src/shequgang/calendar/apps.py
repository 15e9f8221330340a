from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "shequgang.calendar"
    verbose_name = "工作日历"

    def ready(self) -> None:
        from shequgang.calendar import checks  # noqa: F401  registers calendar.W001
