"""shequgang recount_tallies [--check] [--tally NAME …]: rebuild the dashboard tallies
from the cases, or only compare them with a full recount (exit status 1 when they
differ); all tallies, or only the named ones."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shequgang.dashboard.recount import tallies_check, tallies_rebuild
from shequgang.dashboard.triggers import TALLIES, tallies_named


class Command(BaseCommand):
    help = "Rebuild the dashboard tallies from the cases (--check: only compare)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare with a full recount; exit 1 on any difference",
        )
        parser.add_argument(
            "--tally",
            action="append",
            choices=[t.name for t in TALLIES],
            help="only this tally (repeatable; default: all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tallies = tallies_named(*options["tally"]) if options["tally"] else TALLIES
        if options["check"]:
            differences = tallies_check(tallies)
            for d in differences[:50]:
                self.stdout.write(str(d))
            if differences:
                self.stderr.write(f"计数表与事项不一致：{len(differences)} 处")
                sys.exit(1)
            self.stdout.write("计数表与事项一致")
            return
        rows = tallies_rebuild(tallies)
        self.stdout.write(f"已重建计数表：{rows} 行")
