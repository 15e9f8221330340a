"""微心愿: post → review → publish → claim (exactly one) → fulfil with proof → confirm with
thanks (points to the fulfiller). ``WISH_TRANSITIONS`` is the table; every step locks
the wish row (the claim is a conditional UPDATE instead) and writes an audit entry.

A wish also records a demand (source 微心愿) for its household: the demand moves to
已匹配 when the wish is claimed and to 已满足 when the resident confirms, so the wish
counts in the 需求清单's figures."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from shequgang.actors import Actor, UserLike
from shequgang.audit.services import audit_record
from shequgang.errors import Conflict, DomainError, Forbidden
from shequgang.needs.models import (
    ACTIVE_DEMAND_STATUSES,
    Demand,
    DemandEvent,
    DemandSource,
    DemandStatus,
    DemandType,
)
from shequgang.needs.projects import demand_move
from shequgang.needs.supply_access import may_manage, served_communities_q
from shequgang.needs.supply_models import Partner, PartnerContribution
from shequgang.needs.wish_models import WISH_TRANSITIONS, Wish, WishStatus
from shequgang.people.models import Resident
from shequgang.people.roles import Perm
from shequgang.people.scope import place_in_scope, place_scope_q
from shequgang.places.models import Kind, Place
from shequgang.points.models import Source
from shequgang.points.services import points_earn
from shequgang.residency.selectors import confirmed_household_of
from shequgang.text_rules import text_clean

# A published text must not carry a phone or ID number (seven or more digits in a row).
_DIGIT_RUN = re.compile(r"[0-9０-９]{7,}")


def _now(now: dt.datetime | None) -> dt.datetime:
    value = now or timezone.now()
    if value.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return value


def claim_days() -> int:
    return int(getattr(settings, "NEEDS_WISH_CLAIM_DAYS", 30))


def surface_days() -> int:
    return int(getattr(settings, "NEEDS_WISH_SURFACE_DAYS", 7))


def _locked(wish: Wish, to: str) -> Wish:
    row = Wish.objects.select_for_update().get(pk=wish.pk)
    if to not in WISH_TRANSITIONS.get(row.status, set()):
        raise Conflict(
            "invalid_transition", f"心愿当前为「{row.get_status_display()}」，不能进行此操作"
        )
    return row


def _demand_for(
    *, wish: Wish, actor: Actor, resident: Resident | None, at: dt.datetime
) -> Demand | None:
    """The household's active demand of the wish's type (de-duplicated per household and
    type), or a new one with source 微心愿; None when that demand already has a wish."""
    existing = (
        Demand.objects.select_for_update()
        .filter(household=wish.household, type=wish.type, status__in=ACTIVE_DEMAND_STATUSES)
        .first()
    )
    if existing is not None:
        return None if Wish.objects.filter(demand=existing).exists() else existing
    demand = Demand.objects.create(
        household=wish.household,
        place=wish.household,
        type=wish.type,
        description=wish.text,
        consent=True,
        source=DemandSource.WISH,
        resident=resident,
        created_by=actor if isinstance(actor, User) else None,
    )
    DemandEvent.objects.create(
        demand=demand,
        kind="created",
        to_status=demand.status,
        reason="微心愿",
        actor=actor if isinstance(actor, User) else None,
    )
    return demand


def wish_post(
    *,
    actor: Actor,
    type: str,
    text: str,
    household: Place | None = None,
    resident: Resident | None = None,
    now: dt.datetime | None = None,
) -> Wish:
    """A resident posts a wish for their own confirmed household (``household`` left
    out), or a worker who may raise cases there posts it on a resident's behalf. The wish
    waits for review; its demand is recorded at once."""
    at = _now(now)
    if not isinstance(actor, User):
        raise Forbidden("请先登录")
    if type not in DemandType.values:
        raise DomainError("invalid_type", "心愿类型不正确")
    text = text_clean(text, field="text", label="心愿内容", limit=300, required=True)
    own = confirmed_household_of(actor)
    if household is None:
        if own is None:
            raise Forbidden("请先完成居民认证，或由社区工作人员代为登记")
        household, wisher = own, actor
    else:
        if household.kind != Kind.HOUSEHOLD:
            raise DomainError("invalid_household", "请选择一户")
        if own is not None and own.pk == household.pk:
            wisher = actor
        elif place_in_scope(actor, Perm.CASE_RAISE, household):
            wisher = None
        else:
            raise Forbidden("您不能为该户登记心愿")
    if resident is not None and resident.household_id != household.pk:
        raise DomainError("resident_elsewhere", "该居民不在此户")
    community = Place.objects.ancestor_of_kind(household, Kind.COMMUNITY)
    if community is None:
        raise DomainError("invalid_household", "该户不在任何社区内")
    with transaction.atomic():
        wish = Wish(
            community=community,
            household=household,
            resident=resident,
            wisher=wisher,
            posted_by=actor,
            type=type,
            text=text,
            posted_at=at,
        )
        wish.demand = _demand_for(wish=wish, actor=actor, resident=resident, at=at)
        wish.save()
        audit_record(actor=actor, action="needs.wish_post", obj=wish)
    return wish


def wish_review(
    *,
    actor: Actor,
    wish: Wish,
    approve: bool,
    public_text: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> Wish:
    """Staff who keep the community publish a wish with a text free of personal data
    (no names of the household; a run of seven digits — a phone or ID — is refused), or
    reject it with a note. Publishing opens the claim window (``NEEDS_WISH_CLAIM_DAYS``)."""
    at = _now(now)
    if not may_manage(actor, wish.community):
        raise Forbidden("您不能审核本社区的微心愿")
    note = text_clean(note, field="note", label="审核意见", limit=200, required=not approve)
    if approve:
        public_text = text_clean(
            public_text, field="public_text", label="公开内容", limit=300, required=True
        )
        if _DIGIT_RUN.search(public_text):
            raise DomainError("public_text_personal", "公开内容不能含电话号码或证件号码")
    to = WishStatus.PUBLISHED if approve else WishStatus.REJECTED
    with transaction.atomic():
        row = _locked(wish, to)
        row.status, row.review_note, row.reviewed_by = to, note, actor  # type: ignore[assignment]
        fields = ["status", "review_note", "reviewed_by"]
        if approve:
            row.public_text, row.published_at = public_text, at
            row.expires_at = at + dt.timedelta(days=claim_days())
            fields += ["public_text", "published_at", "expires_at"]
        row.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="needs.wish_review",
            obj=row,
            changes={"status": [WishStatus.PENDING_REVIEW, to]},
        )
    return row


def wish_claim(*, actor: Actor, wish: Wish, now: dt.datetime | None = None) -> Wish:
    """Claim a published wish: one conditional UPDATE (published, not expired, nobody
    yet), so of any number of simultaneous claims exactly one changes the row. The
    others — and a claim after expiry or withdrawal — are refused with 409 and change
    nothing. Only people who serve the wish's community may claim (Forbidden otherwise)."""
    at = _now(now)
    if not isinstance(actor, User):
        raise Forbidden("请先登录")
    if wish.wisher_id == actor.pk:
        raise Forbidden("不能认领自己的心愿")
    if not Place.objects.filter(served_communities_q(actor), pk=wish.community_id).exists():
        raise Forbidden("您不在该心愿所在社区的服务范围内")
    with transaction.atomic():
        won = Wish.objects.filter(
            pk=wish.pk, status=WishStatus.PUBLISHED, claimer__isnull=True, expires_at__gt=at
        ).update(status=WishStatus.CLAIMED, claimer=actor, claimed_at=at)
        if won != 1:
            row = Wish.objects.get(pk=wish.pk)
            if row.status == WishStatus.PUBLISHED:
                raise Conflict("wish_expired", "该心愿已过认领期限")
            if row.status == WishStatus.WITHDRAWN:
                raise Conflict("wish_withdrawn", "该心愿已撤回")
            raise Conflict("wish_taken", "该心愿已被认领")
        row = Wish.objects.get(pk=wish.pk)
        if row.demand_id is not None:
            demand = Demand.objects.select_for_update().get(pk=row.demand_id)
            if demand.status == DemandStatus.OPEN:
                demand_move(
                    demand=demand, to=DemandStatus.MATCHED, actor=actor, reason="心愿已认领", at=at
                )
        audit_record(
            actor=actor,
            action="needs.wish_claim",
            obj=row,
            changes={"status": [WishStatus.PUBLISHED, WishStatus.CLAIMED]},
        )
    return row


def wish_withdraw(
    *, actor: Actor, wish: Wish, reason: str = "", now: dt.datetime | None = None
) -> Wish:
    """The resident (or staff) withdraws a wish not yet claimed; its demand is closed as
    cannot-meet with the reason."""
    at = _now(now)
    own = isinstance(actor, User) and wish.wisher_id == actor.pk
    if not own and not may_manage(actor, wish.community):
        raise Forbidden("您不能撤回该心愿")
    reason = text_clean(reason, field="reason", label="撤回原因", limit=200) or "心愿已撤回"
    with transaction.atomic():
        row = _locked(wish, WishStatus.WITHDRAWN)
        before = row.status
        row.status = WishStatus.WITHDRAWN
        row.save(update_fields=["status"])
        if row.demand_id is not None:
            demand = Demand.objects.select_for_update().get(pk=row.demand_id)
            if demand.status in ACTIVE_DEMAND_STATUSES:
                demand_move(
                    demand=demand, to=DemandStatus.CANNOT_MEET, actor=actor, reason=reason, at=at
                )
        audit_record(
            actor=actor,
            action="needs.wish_withdraw",
            obj=row,
            changes={"status": [before, WishStatus.WITHDRAWN]},
        )
    return row


def wish_fulfil(
    *,
    actor: Actor,
    wish: Wish,
    proof_note: str,
    proof_photo: object | None = None,
    now: dt.datetime | None = None,
) -> Wish:
    """The claimer reports the wish fulfilled, with a note and optionally a photo."""
    at = _now(now)
    if not isinstance(actor, User) or wish.claimer_id != actor.pk:
        raise Forbidden("只有认领人可以提交完成情况")
    proof_note = text_clean(
        proof_note, field="proof_note", label="完成说明", limit=200, required=True
    )
    with transaction.atomic():
        row = _locked(wish, WishStatus.FULFILLED)
        row.status, row.proof_note, row.fulfilled_at = WishStatus.FULFILLED, proof_note, at
        fields = ["status", "proof_note", "fulfilled_at"]
        if proof_photo is not None:
            row.proof_photo = proof_photo  # type: ignore[assignment]
            fields.append("proof_photo")
        row.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="needs.wish_fulfil",
            obj=row,
            changes={"status": [WishStatus.CLAIMED, WishStatus.FULFILLED]},
        )
    return row


def wish_confirm(
    *, actor: Actor, wish: Wish, thanks: str = "", now: dt.datetime | None = None
) -> Wish:
    """The resident confirms (staff may, for a wish posted on a resident's behalf) and
    thanks the fulfiller: the wish is done, its demand met, and the fulfiller earns the
    ``micro_wish`` rule's points in the wish's community (once per wish). A partner's
    account fulfilling it adds to the partner's contribution record."""
    at = _now(now)
    own = isinstance(actor, User) and wish.wisher_id == actor.pk
    if not own and not (wish.wisher_id is None and may_manage(actor, wish.community)):
        raise Forbidden("只有心愿人可以确认")
    thanks = text_clean(thanks, field="thanks", label="感谢的话", limit=200)
    with transaction.atomic():
        row = _locked(wish, WishStatus.CONFIRMED)
        assert row.claimer is not None
        txn = points_earn(
            actor=actor,
            user=row.claimer,
            community=row.community,
            rule_code="micro_wish",
            source=Source.MICRO_WISH,
            source_ref=f"needs_wish:{row.pk}",
            reason="认领并完成微心愿",
            idempotency_key=f"needs_wish:{row.pk}",
            now=at,
        )
        row.status, row.confirmed_at, row.thanks = WishStatus.CONFIRMED, at, thanks
        row.points_awarded = txn.amount
        row.save(update_fields=["status", "confirmed_at", "thanks", "points_awarded"])
        if row.demand_id is not None:
            demand = Demand.objects.select_for_update().get(pk=row.demand_id)
            if demand.status in ACTIVE_DEMAND_STATUSES:
                demand_move(
                    demand=demand, to=DemandStatus.MET, actor=actor, reason="心愿已完成", at=at
                )
        partner = Partner.objects.filter(
            accounts=row.claimer_id, community=row.community, active=True
        ).first()
        if partner is not None:
            PartnerContribution.objects.create(
                partner=partner,
                description=f"完成微心愿：{row.public_text[:100]}",
                wish=row,
                on=timezone.localdate(at),
                recorded_by=actor if isinstance(actor, User) else None,
            )
        audit_record(
            actor=actor,
            action="needs.wish_confirm",
            obj=row,
            changes={"status": [WishStatus.FULFILLED, WishStatus.CONFIRMED]},
        )
    return row


def stale_wishes(user: UserLike, *, now: dt.datetime | None = None) -> QuerySet[Wish]:
    """Wishes published more than ``NEEDS_WISH_SURFACE_DAYS`` ago and still unclaimed, in
    the communities where ``user`` sees party work (branch secretaries, group leaders,
    community staff): read live, no sweep to run."""
    at = _now(now)
    cutoff = at - dt.timedelta(days=surface_days())
    return Wish.objects.filter(
        place_scope_q(user, Perm.PARTY_VIEW, prefix="household__"),
        Q(expires_at__gt=at),
        status=WishStatus.PUBLISHED,
        published_at__lte=cutoff,
    ).order_by("published_at", "pk")
