"""Writes on 社区合伙人: registering a partner (optionally with a points counter, created
through the points app's own ``merchant_create``), owning an existing merchant, recording
a contribution, and a rating by someone the partner served.

"Served" means: the rater's confirmed household had a wish fulfilled by one of the
partner's accounts, or a demand met in a project that used one of the partner's
resources."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.errors import Conflict, DomainError, Forbidden
from shequgang.needs.resources import phone_fields
from shequgang.needs.supply_access import may_manage, partners_that_served
from shequgang.needs.supply_models import (
    Partner,
    PartnerContribution,
    PartnerKind,
    PartnerRating,
)
from shequgang.places.models import Kind, Place
from shequgang.points.catalogue import merchant_create
from shequgang.points.models import Merchant
from shequgang.text_rules import text_clean


def _must_manage(actor: Actor, community: Place) -> None:
    if not may_manage(actor, community):
        raise Forbidden("您不能管理本社区的合伙人")


def partner_register(
    *,
    actor: Actor,
    community: Place,
    name: str,
    kind: str,
    offers: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    accounts: list[User] | None = None,
    accepts_points: bool = False,
    merchant_address: str = "",
    merchant_offer: str = "",
) -> Partner:
    """Register a partner with a community. With ``accepts_points`` its points counter
    is created at once (``points.catalogue.merchant_create``, with the points desk's
    checks) and owned by it, with the partner's accounts as the counter's operators."""
    _must_manage(actor, community)
    if community.kind != Kind.COMMUNITY:
        raise DomainError("invalid_community", "请选择社区")
    if kind not in PartnerKind.values:
        raise DomainError("invalid_kind", "合伙人类别不正确")
    name = text_clean(
        name, field="name", label="名称", limit=100, required=True, collapse_spaces=True
    )
    offers = text_clean(offers, field="offers", label="可提供", limit=300)
    contact_name = text_clean(contact_name, field="contact_name", label="联系人", limit=50)
    cipher, masked = phone_fields(contact_phone)
    if Partner.objects.filter(community=community, name=name).exists():
        raise Conflict("duplicate_partner", "本社区已有同名合伙人")
    with transaction.atomic():
        merchant = None
        if accepts_points:
            merchant = merchant_create(
                actor=actor,
                community=community,
                name=name,
                address=merchant_address,
                offer=merchant_offer,
                operators=accounts,
            )
        try:
            partner = Partner.objects.create(
                community=community,
                name=name,
                kind=kind,
                offers=offers,
                contact_name=contact_name,
                contact_phone_cipher=cipher,
                contact_phone_masked=masked,
                merchant=merchant,
            )
        except IntegrityError:
            raise Conflict("duplicate_partner", "本社区已有同名合伙人") from None
        if accounts:
            partner.accounts.set(accounts)
        audit_record(actor=actor, action="needs.partner_register", obj=partner)
    return partner


def partner_own_merchant(*, actor: Actor, partner: Partner, merchant: Merchant) -> Partner:
    """A partner takes over an existing points merchant of its own community."""
    _must_manage(actor, partner.community)
    if merchant.community_id != partner.community_id:
        raise DomainError("merchant_other_community", "商家与合伙人不在同一社区", status=409)
    with transaction.atomic():
        row = Partner.objects.select_for_update().get(pk=partner.pk)
        if row.merchant_id is not None or Partner.objects.filter(merchant=merchant).exists():
            raise Conflict("merchant_owned", "该商家已属于合伙人")
        row.merchant = merchant
        row.save(update_fields=["merchant"])
        audit_record(
            actor=actor,
            action="needs.partner_own_merchant",
            obj=row,
            changes={"merchant": [None, merchant.pk]},
        )
    return row


def contribution_record(
    *,
    actor: Actor,
    partner: Partner,
    description: str,
    on: dt.date,
    hours: Decimal | int | str = 0,
) -> PartnerContribution:
    _must_manage(actor, partner.community)
    description = text_clean(
        description, field="description", label="贡献内容", limit=200, required=True
    )
    try:
        amount = Decimal(str(hours))
    except ArithmeticError:
        raise DomainError("invalid_hours", "服务时长应为数字") from None
    if not amount.is_finite() or not 0 <= amount < 100_000:
        raise DomainError("invalid_hours", "服务时长应在0至99999小时之间")
    with transaction.atomic():
        row = PartnerContribution.objects.create(
            partner=partner,
            description=description,
            hours=amount.quantize(Decimal("0.1")),
            on=on,
            recorded_by=actor if isinstance(actor, User) else None,
        )
        audit_record(actor=actor, action="needs.contribution_record", obj=partner)
    return row


def was_served_by(user: User, partner: Partner) -> bool:
    return partners_that_served(user).filter(pk=partner.pk).exists()


def partner_rate(
    *,
    actor: Actor,
    partner: Partner,
    stars: int,
    comment: str = "",
    now: dt.datetime | None = None,
) -> PartnerRating:
    """Rate a partner who served the rater's household (1–5 stars; a second rating by
    the same person replaces the first)."""
    at = now or timezone.now()
    if not isinstance(actor, User) or not was_served_by(actor, partner):
        raise Forbidden("只有接受过该合伙人服务的居民可以评价")
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise DomainError("invalid_stars", "评分应为1至5星")
    comment = text_clean(comment, field="comment", label="评价", limit=200)
    with transaction.atomic():
        rating, _ = PartnerRating.objects.update_or_create(
            partner=partner,
            rater=actor,
            defaults={"stars": stars, "comment": comment, "rated_at": at},
        )
        audit_record(actor=actor, action="needs.partner_rate", obj=partner)
    return rating
