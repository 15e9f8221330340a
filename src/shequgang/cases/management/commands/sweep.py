from typing import Any

from django.core.management.base import BaseCommand

from shequgang.cases.services.sweep import run_sweep


class Command(BaseCommand):
    help = "Flag and escalate overdue cases, close unrated ones (run every minute)"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(run_sweep()))
