"""``shequgang loadpoints``: demo catalogue, merchant and points for 城东社区."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequgang.points.demo import points_demo_load


class Command(BaseCommand):
    help = "Load demo points data for 城东社区 (after loaddemo; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = points_demo_load()
        self.stdout.write(
            f"points demo: {result.goods} goods created, {result.awards} awards, "
            f"{result.orders} orders (repeats add nothing)"
        )
