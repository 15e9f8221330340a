"""Reconciliation: recompute every balance from the entries and compare.

Two aggregate queries: entries summed per account (one GROUP BY) against the stored
balance column, and entries summed per transaction, which must be zero. Any difference
means a write went around the services (or a bug): the report lists each one."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Sum

from shequgang.points.models import Account, Entry


@dataclass(frozen=True)
class BalanceDifference:
    account_id: int
    community_id: int
    kind: str
    stored: int
    from_entries: int

    @property
    def difference(self) -> int:
        return self.stored - self.from_entries


@dataclass(frozen=True)
class UnbalancedTransaction:
    transaction_id: int
    total: int


@dataclass
class Report:
    accounts: int = 0
    transactions: int = 0
    balances: list[BalanceDifference] = field(default_factory=list)
    unbalanced: list[UnbalancedTransaction] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.balances and not self.unbalanced


def reconcile() -> Report:
    sums = dict(
        Entry.objects.order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    report = Report()
    for pk, community_id, kind, balance in Account.objects.order_by("pk").values_list(
        "pk", "community_id", "kind", "balance"
    ):
        report.accounts += 1
        computed = sums.get(pk) or 0
        if computed != balance:
            report.balances.append(
                BalanceDifference(pk, community_id, kind, stored=balance, from_entries=computed)
            )
    per_txn = (
        Entry.objects.order_by()
        .values("transaction_id")
        .annotate(total=Sum("amount"))
        .values_list("transaction_id", "total")
    )
    for txn_id, total in per_txn:
        report.transactions += 1
        if total != 0:
            report.unbalanced.append(UnbalancedTransaction(txn_id, total))
    return report
