"""``shequgang loadveterans``: the demo applications of the 2026 veterans' program."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequgang.veterans.demo import veterans_demo_load


class Command(BaseCommand):
    help = "Load the demo veterans' insurance applications (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = veterans_demo_load()
        self.stdout.write(
            f"veterans demo: {result.created} created ({result.withdrawn} withdrawn), "
            f"{result.skipped} already present"
        )
