"""Writes that give and correct points: earning (the stable entry point other apps call),
awards by staff, manual adjustments with a second approver, and reversals.

Redemptions are in ``redemptions``, the catalogue in ``catalogue``, expiry in ``expiry``.

**For other apps** (activities, deliberations, micro-wishes, verified reports)::

    from shequgang.points.services import points_earn

    txn = points_earn(
        actor=organiser, user=member, community=community,
        rule_code="volunteer_hour", hours=Decimal("2.5"),   # or amount=20
        source=Source.ACTIVITY, source_ref=f"activity:{activity.pk}",
        reason="参加「清洁家园」志愿服务",
        idempotency_key=f"activity:{activity.pk}:user:{member.pk}",
    )
    txn.amount    # points actually given (after caps)
    txn.capped    # points the caps cut off

Call it inside your own ``transaction.atomic()`` if the award must commit with your write.
It does not check the actor's permissions: the calling service has decided the award is
due; ``actor`` is recorded. The signature is kept stable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.errors import Conflict, DomainError, Forbidden
from shequgang.people.models import Resident
from shequgang.people.scope import is_unrestricted
from shequgang.places.models import Place
from shequgang.points import access
from shequgang.points.ledger import (
    Leg,
    check_community,
    check_key,
    conflict,
    lock_accounts,
    person_account,
    post,
    replayed,
    system_account,
)
from shequgang.points.models import (
    EARNING_SOURCES,
    AccountKind,
    Adjustment,
    AdjustmentStatus,
    EarningRule,
    Source,
    Transaction,
    TxnKind,
)
from shequgang.points.rules import MAX_AWARD, cap_room, policy_for, rule_for, rule_points
from shequgang.text_rules import text_clean

# Transactions a reversal may undo; redemptions are undone by cancelling the order.
REVERSIBLE = {TxnKind.EARN, TxnKind.ADJUST}


def _now(now: dt.datetime | None) -> dt.datetime:
    value = now or timezone.now()
    if value.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return value


def _reason(value: str, label: str) -> str:
    # One line in the ledger: inner line breaks and runs of spaces become one space.
    return text_clean(
        value, field="reason", label=label, limit=200, required=True, collapse_spaces=True
    )


def _same_earning(txn: Transaction, *, community: Place, user: User) -> Transaction:
    """A replayed key must name the same earning; anything else is a caller bug."""
    person = txn.entries.filter(account__kind=AccountKind.PERSON).first()
    same_person = person is None or person.account.owner_id == user.pk
    if txn.kind != TxnKind.EARN or txn.community_id != community.pk or not same_person:
        raise DomainError("idempotency_key_reused", "该幂等键已用于另一笔积分操作", status=422)
    return txn


def points_earn(
    *,
    actor: Actor,
    user: User,
    community: Place,
    amount: int | None = None,
    rule_code: str | None = None,
    hours: Decimal | float | int | str | None = None,
    source: str,
    source_ref: str,
    reason: str,
    idempotency_key: str,
    resident: Resident | None = None,
    now: dt.datetime | None = None,
) -> Transaction:
    """Give ``user`` points in ``community`` for one earning event, at most once per
    ``idempotency_key``: a repeated key returns the first transaction unchanged.

    The amount is ``amount``, or the rule's points (per event, or per hour × ``hours``)
    when ``rule_code`` is given — exactly one of the two. The community's daily and
    monthly caps apply partially: the award is cut to the room left, and the
    transaction records ``requested`` and ``capped`` (a fully capped event is still
    recorded, with no entries, so its key is spent).

    Locks the person's and the issuance account (id order); writes the transaction,
    its two entries and both balances in one database transaction. Raises DomainError
    (``invalid_source``, ``unknown_rule``, ``hours_required``, ``invalid_amount``, …)
    and writes nothing on bad input."""
    at = _now(now)
    key = check_key(idempotency_key)
    check_community(community)
    if source not in EARNING_SOURCES:
        raise DomainError("invalid_source", "积分来源不正确")
    reason = _reason(reason, "事由")
    if (amount is None) == (rule_code is None):
        raise DomainError("amount_or_rule", "请指定积分数或积分规则（二选一）")
    rule: EarningRule | None = None
    if rule_code is not None:
        rule = rule_for(community, rule_code)
        requested = rule_points(rule, hours)
    else:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise DomainError("invalid_amount", "积分应为整数")
        requested = amount
    if requested <= 0 or requested > MAX_AWARD:
        raise DomainError("invalid_amount", f"单次获得积分应在1至{MAX_AWARD}之间")

    found = replayed(key)
    if found is not None:
        return _same_earning(found, community=community, user=user)
    try:
        with transaction.atomic():
            person = person_account(community=community, user=user, resident=resident)
            issuance = system_account(community, AccountKind.ISSUANCE)
            locked = lock_accounts([person, issuance])
            found = replayed(key)
            if found is not None:
                return _same_earning(found, community=community, user=user)
            room = cap_room(policy=policy_for(community), account=person, at=at).room
            given = requested if room is None else min(requested, room)
            legs = [Leg(issuance, -given), Leg(person, given)] if given else []
            txn = post(
                community=community,
                kind=TxnKind.EARN,
                source=source,
                legs=legs,
                locked=locked,
                idempotency_key=key,
                reason=reason,
                amount=given,
                requested=requested,
                capped=requested - given,
                rule_id=rule.pk if rule else None,
                actor=actor,
                source_ref=source_ref,
                at=at,
            )
    except IntegrityError as exc:
        found = replayed(key)
        if found is None:
            raise conflict(exc) from exc
        return _same_earning(found, community=community, user=user)
    return txn


def points_award(
    *,
    actor: Actor,
    user: User,
    community: Place,
    rule_code: str,
    hours: Decimal | float | int | str | None = None,
    source_ref: str = "",
    reason: str,
    idempotency_key: str,
    now: dt.datetime | None = None,
) -> Transaction:
    """Staff award points by a rule by hand (the award page and API). Allowed when the
    actor holds one of the rule's ``awarded_by`` roles on the community (or above), and
    never to themselves (their own points come from someone else's hand)."""
    check_community(community)
    rule = rule_for(community, rule_code)
    allowed = set(rule.awarded_by or [])
    if actor is None or (
        not is_unrestricted(actor) and not (access.roles_in_community(actor, community) & allowed)
    ):
        raise Forbidden("您不能按此规则发放积分")
    if actor.pk == user.pk:
        raise Forbidden("不能给自己发放积分")
    return points_earn(
        actor=actor,
        user=user,
        community=community,
        rule_code=rule_code,
        hours=hours,
        source=rule.source,
        source_ref=source_ref,
        reason=reason,
        idempotency_key=idempotency_key,
        now=now,
    )


def adjustment_request(
    *,
    actor: Actor,
    user: User,
    community: Place,
    amount: int,
    reason: str,
    now: dt.datetime | None = None,
) -> Adjustment:
    """Ask for a manual adjustment (positive gives, negative deducts). Nothing moves
    until another person approves it (``adjustment_decide``)."""
    at = _now(now)
    check_community(community)
    if not access.may_in_community(actor, access.AWARD, community):
        raise Forbidden("您不能申请调整本社区积分")
    reason = _reason(reason, "调整事由")
    limit = policy_for(community).manual_max
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
        raise DomainError("invalid_amount", "调整积分应为非零整数")
    if abs(amount) > limit:
        raise DomainError("adjustment_too_large", f"单笔人工调整不能超过{limit}分")
    assert isinstance(actor, User)
    with transaction.atomic():
        account = person_account(community=community, user=user)
        adjustment = Adjustment.objects.create(
            community=community,
            account=account,
            amount=amount,
            reason=reason,
            requested_by=actor,
            requested_at=at,
        )
        audit_record(
            actor=actor,
            action="points.adjustment_request",
            obj=adjustment,
            changes={"amount": [None, amount], "account": [None, account.pk]},
        )
    return adjustment


def adjustment_decide(
    *,
    actor: Actor,
    adjustment: Adjustment,
    approve: bool,
    now: dt.datetime | None = None,
) -> Adjustment:
    """Approve (post it) or reject a pending adjustment. The approver must hold the
    approval permission on the community and must not be the person who asked.
    Locks the adjustment row, then the accounts (id order)."""
    at = _now(now)
    community = adjustment.community
    if not access.may_in_community(actor, access.APPROVE, community):
        raise Forbidden("您不能审批本社区的积分调整")
    assert isinstance(actor, User)
    if actor.pk == adjustment.requested_by_id:
        raise DomainError("approver_must_differ", "人工调整须由申请人以外的人审批", status=403)
    with transaction.atomic():
        adj = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
        if adj.status != AdjustmentStatus.PENDING:
            raise Conflict("already_decided", "该调整已审批")
        if approve:
            person = adj.account
            issuance = system_account(community, AccountKind.ISSUANCE)
            locked = lock_accounts([person, issuance])
            adj.transaction = post(
                community=community,
                kind=TxnKind.ADJUST,
                source=Source.MANUAL,
                legs=[Leg(issuance, -adj.amount), Leg(person, adj.amount)],
                locked=locked,
                idempotency_key=f"adjustment:{adj.pk}",
                reason=adj.reason,
                amount=abs(adj.amount),
                actor=adj.requested_by,
                approver=actor,
                source_ref=f"adjustment:{adj.pk}",
                at=at,
            )
        adj.status = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED
        adj.decided_by, adj.decided_at = actor, at
        adj.save(update_fields=["status", "decided_by", "decided_at", "transaction"])
        audit_record(
            actor=actor,
            action="points.adjustment_" + ("approve" if approve else "reject"),
            obj=adj,
            changes={"status": [AdjustmentStatus.PENDING, adj.status]},
        )
    return adj


def points_reverse(
    *, actor: Actor, txn: Transaction, reason: str, now: dt.datetime | None = None
) -> Transaction:
    """Undo an earning or an adjustment with a new transaction of the opposite entries
    (the original stays). A transaction is reversed at most once; a reversal that would
    take a balance below zero (the points were already spent) is refused with
    ``insufficient_points``."""
    at = _now(now)
    if not access.may_in_community(actor, access.APPROVE, txn.community):
        raise Forbidden("您不能冲正本社区的积分")
    reason = _reason(reason, "冲正事由")
    if txn.kind not in REVERSIBLE:
        raise DomainError("not_reversible", "只有积分获得和人工调整可以冲正；兑换请取消订单")
    key = f"reversal:{txn.pk}"
    try:
        with transaction.atomic():
            entries = list(txn.entries.select_related("account"))
            locked = lock_accounts([e.account for e in entries])
            if replayed(key) is not None or Transaction.objects.filter(reverses=txn).exists():
                raise Conflict("already_reversed", "该笔积分已冲正")
            reversal = post(
                community=txn.community,
                kind=TxnKind.REVERSAL,
                source=txn.source,
                legs=[Leg(e.account, -e.amount) for e in entries],
                locked=locked,
                idempotency_key=key,
                reason=reason,
                amount=txn.amount,
                actor=actor,
                approver=actor if txn.source == Source.MANUAL and isinstance(actor, User) else None,
                source_ref=f"reversal:{txn.pk}",
                reverses=txn,
                at=at,
            )
            audit_record(
                actor=actor,
                action="points.reverse",
                obj=txn,
                changes={"reversed_by": [None, reversal.pk]},
            )
    except IntegrityError as exc:
        raise conflict(exc) from exc
    return reversal
