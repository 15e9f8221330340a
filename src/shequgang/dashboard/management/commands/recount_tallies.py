"""shequgang recount_tallies [--check]: rebuild the dashboard tallies from the cases, or
only compare them with a full recount (exit status 1 when they differ)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shequgang.dashboard.recount import tallies_check, tallies_rebuild


class Command(BaseCommand):
    help = "Rebuild the dashboard tallies from the cases (--check: only compare)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare with a full recount; exit 1 on any difference",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            differences = tallies_check()
            for d in differences[:50]:
                self.stdout.write(str(d))
            if differences:
                self.stderr.write(f"计数表与事项不一致：{len(differences)} 处")
                sys.exit(1)
            self.stdout.write("计数表与事项一致")
            return
        rows = tallies_rebuild()
        self.stdout.write(f"已重建计数表：{rows} 行")
