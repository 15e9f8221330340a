"""The ledger's one write path: open accounts, lock them, post a transaction.

Every service that moves points follows the same steps inside one database transaction:

1. find or open the accounts it touches;
2. ``lock_accounts`` — ``SELECT … FOR UPDATE`` on all of them in id order (then, for a
   redemption, the goods row): a fixed order, so two postings never deadlock;
3. ``replayed`` — look the idempotency key up again *after* the lock: a concurrent
   request with the same key has committed by now and is returned instead;
4. check balances against the locked rows, then ``post``: the transaction, its entries
   and the balance columns, together.

On SQLite the project's transactions are ``BEGIN IMMEDIATE``, so writers queue and the
lock is the whole database; on PostgreSQL the row locks serialise only postings that
share an account. The CHECK constraints on balances and stock are the second line."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError
from django.db.models import F

from shequgang.actors import Actor
from shequgang.errors import DomainError
from shequgang.people.models import Resident
from shequgang.places.models import Kind, Place
from shequgang.points.models import Account, AccountKind, Entry, Merchant, Transaction

MAX_KEY_LENGTH = 200
_KEY_RE = re.compile(r"^[\x21-\x7e]+$")


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int


class InsufficientPoints(DomainError):
    status = 409

    def __init__(self, balance: int, needed: int) -> None:
        super().__init__(
            "insufficient_points",
            f"积分不足：当前可用 {balance} 分，需要 {needed} 分",
            balance=balance,
            needed=needed,
        )


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH or not _KEY_RE.match(key):
        raise DomainError(
            "invalid_idempotency_key", f"幂等键应为1至{MAX_KEY_LENGTH}个可见 ASCII 字符"
        )
    return key


def check_community(community: Place) -> Place:
    if community.kind != Kind.COMMUNITY:
        raise DomainError("not_a_community", "积分账户只能开设在社区（村）")
    return community


def person_account(*, community: Place, user: User, resident: Resident | None = None) -> Account:
    """The user's account in ``community``, opened on first use."""
    check_community(community)
    account, created = Account.objects.get_or_create(
        community=community,
        kind=AccountKind.PERSON,
        owner=user,
        defaults={"resident": resident},
    )
    if not created and resident is not None and account.resident_id is None:
        Account.objects.filter(pk=account.pk, resident__isnull=True).update(resident=resident)
    return account


def system_account(community: Place, kind: str) -> Account:
    account, _ = Account.objects.get_or_create(community=community, kind=kind)
    return account


def merchant_account(merchant: Merchant) -> Account:
    account, _ = Account.objects.get_or_create(
        community_id=merchant.community_id, kind=AccountKind.MERCHANT, merchant=merchant
    )
    return account


def lock_accounts(accounts: Iterable[Account]) -> dict[int, Account]:
    """Lock the accounts' rows in id order and return them fresh from the database."""
    ids = sorted({a.pk for a in accounts})
    return {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def replayed(key: str) -> Transaction | None:
    return Transaction.objects.filter(idempotency_key=key).first()


def post(
    *,
    community: Place,
    kind: str,
    source: str,
    legs: Sequence[Leg],
    locked: dict[int, Account],
    idempotency_key: str,
    reason: str,
    amount: int,
    at: dt.datetime,
    actor: Actor = None,
    source_ref: str = "",
    requested: int | None = None,
    capped: int = 0,
    rule_id: int | None = None,
    approver: User | None = None,
    reverses: Transaction | None = None,
) -> Transaction:
    """Write one transaction. The caller holds the locks on every leg's account
    (``locked``, from ``lock_accounts``) and has checked the key is new.

    Raises ``InsufficientPoints`` (nothing written) if any account other than the
    issuance account would go below zero."""
    if sum(leg.amount for leg in legs) != 0:
        raise ValueError("a transaction's entries must sum to zero")
    change: dict[int, int] = {}
    for leg in legs:
        if leg.amount == 0:
            raise ValueError("an entry moves a non-zero amount")
        if leg.account.pk not in locked:
            raise ValueError("post() needs every account locked first")
        change[leg.account.pk] = change.get(leg.account.pk, 0) + leg.amount
    for pk, delta in change.items():
        account = locked[pk]
        if account.kind != AccountKind.ISSUANCE and account.balance + delta < 0:
            raise InsufficientPoints(account.balance, -delta)
    txn = Transaction.objects.create(
        community=community,
        kind=kind,
        source=source,
        source_ref=source_ref[:100],
        reason=reason[:200],
        idempotency_key=idempotency_key,
        amount=amount,
        requested=requested,
        capped=capped,
        rule_id=rule_id,
        actor=actor if isinstance(actor, User) else None,
        approver=approver,
        reverses=reverses,
        created_at=at,
    )
    Entry.objects.bulk_create(
        [
            Entry(transaction=txn, account=leg.account, amount=leg.amount, created_at=at)
            for leg in legs
        ]
    )
    for pk in sorted(change):
        Account.objects.filter(pk=pk).update(balance=F("balance") + change[pk])
        locked[pk].balance += change[pk]
    return txn


def conflict(exc: IntegrityError) -> DomainError:
    """A constraint the checks above should have made unreachable: refuse cleanly."""
    return DomainError("points_conflict", "积分操作与其他操作冲突，未生效，请重试", status=409)
