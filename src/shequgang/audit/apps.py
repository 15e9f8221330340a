from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "shequgang.audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from shequgang.audit.guard import ensure_guard

        # SQLite drops a table's triggers when a migration rebuilds it: put the guard
        # back after every migrate.
        post_migrate.connect(ensure_guard, sender=self)
