"""Rules, caps, merchants and goods are data an administrator edits here. The ledger
(accounts, transactions, entries) is read-only: it changes only through the services."""

from __future__ import annotations

from django.contrib import admin

from shequgang.audit.readonly_admin import ReadOnlyAdmin
from shequgang.points.models import (
    Account,
    Adjustment,
    EarningRule,
    Entry,
    ExpiryRun,
    Goods,
    Merchant,
    Order,
    Policy,
    Transaction,
)


@admin.register(EarningRule)
class EarningRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "community", "source", "unit", "points", "active"]
    list_filter = ["source", "unit", "active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["community"]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "daily_cap", "monthly_cap", "expiry_months", "manual_max"]
    raw_id_fields = ["community"]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "community", "offer", "active"]
    search_fields = ["name"]
    raw_id_fields = ["community"]
    filter_horizontal = ["operators"]


@admin.register(Goods)
class GoodsAdmin(ReadOnlyAdmin):
    # Stock changes only under the row lock (catalogue.goods_update), so not here.
    list_display = ["name", "community", "price", "stock", "active"]
    search_fields = ["name"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "community", "kind", "owner", "merchant", "balance"]
    list_filter = ["kind"]
    search_fields = ["owner__username"]


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "community", "kind", "source", "amount", "capped", "reason"]
    list_filter = ["kind", "source"]
    search_fields = ["idempotency_key", "source_ref"]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "transaction", "account", "amount"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["code", "community", "goods", "merchant", "points", "status", "placed_at"]
    list_filter = ["status"]
    search_fields = ["code"]


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "community", "amount", "reason", "status", "requested_by", "decided_by"]


@admin.register(ExpiryRun)
class ExpiryRunAdmin(ReadOnlyAdmin):
    list_display = ["community", "period", "accounts", "points", "ran_at"]
