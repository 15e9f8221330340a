from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DashboardConfig(AppConfig):
    name = "shequgang.dashboard"
    verbose_name = "智慧指挥"

    def ready(self) -> None:
        from shequgang.dashboard.overdue import ensure_overdue_index
        from shequgang.dashboard.triggers import ensure_triggers

        # SQLite rebuilds a table for many ALTERs (a later cases migration may), and
        # dropping the old table drops its triggers: put them back after every migrate.
        # and the overdue count's index, which Django's model state does not know.
        post_migrate.connect(ensure_triggers, sender=self)
        post_migrate.connect(ensure_overdue_index, sender=self)
