"""``shequgang reconcile_points``: the nightly check that every stored balance equals the
sum of its entries and every transaction sums to zero. Exits 1 on any difference."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequgang.points.reconcile import reconcile


class Command(BaseCommand):
    help = "Recompute every points balance from the ledger and report differences"

    def handle(self, *args: Any, **options: Any) -> None:
        report = reconcile()
        for d in report.balances:
            self.stdout.write(
                f"BALANCE account={d.account_id} community={d.community_id} kind={d.kind} "
                f"stored={d.stored} entries={d.from_entries} difference={d.difference:+d}"
            )
        for t in report.unbalanced:
            self.stdout.write(f"UNBALANCED transaction={t.transaction_id} sum={t.total:+d}")
        summary = (
            f"{report.accounts} accounts, {report.transactions} transactions: "
            f"{len(report.balances)} balance differences, "
            f"{len(report.unbalanced)} unbalanced transactions"
        )
        if not report.ok:
            raise CommandError(summary)
        self.stdout.write(f"OK {summary}")
