"""``shequgang purge_personal_data [--dry-run]``: apply the retention rules (see
``privacy/retention.py``). Safe to run as often as you like; run it daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shequgang.privacy.retention import purge_personal_data


class Command(BaseCommand):
    help = "Anonymise or delete personal data past its retention period (privacy.RetentionRule)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what is due, change nothing"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        dry_run = bool(opts["dry_run"])
        for o in purge_personal_data(dry_run=dry_run):
            verb = "due" if dry_run else f"done {o.done}, skipped {o.skipped}, due"
            self.stdout.write(f"{o.category}: {verb} {o.due}")
        if dry_run:
            self.stdout.write("dry run: nothing changed")
