"""Walk the audit log's hash chain in id order: exit 0 when every row fits, 1 naming the
first row that does not (an edited field, a deleted or inserted row)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shequgang.audit.chain import chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit 1 at the first broken row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--head",
            default="",
            help="a row_hash printed by an earlier run: also check it is still in the chain "
            "(catches the newest rows cut off)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        report = chain_verify(expect_head=opts["head"])
        if report.broken_id is not None:
            self.stderr.write(
                f"audit chain broken at row {report.broken_id}: {report.reason} "
                f"({report.checked} rows before it verified)"
            )
            sys.exit(1)
        if report.head_found is False:
            self.stderr.write(
                f"audit chain: the recorded head {opts['head']} is not in the chain "
                f"({report.checked} rows verified): rows were removed or rewritten"
            )
            sys.exit(1)
        self.stdout.write(
            f"audit chain ok: {report.checked} rows; head row {report.head_id} "
            f"hash {report.head_hash}"
        )
