"""Writes on the 资源清单: offering, keeping an offer current, withdrawing it, and using
its capacity (a conditional UPDATE, so two matches never take the last place twice).

Who may: staff who keep the place's community (``MANAGE``); a 报到单位's liaison for
their unit; a partner's account for their partner; an active party member for themselves
as a volunteer. Expiry needs no write: ``ResourceQuerySet.live`` leaves expired and
exhausted offers out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.errors import DomainError, Forbidden
from shequgang.needs.models import DemandType
from shequgang.needs.supply_access import may_manage
from shequgang.needs.supply_models import EVERY_DAY, OffererKind, Partner, Resource
from shequgang.party.models import Member, PairedUnit
from shequgang.people import pii
from shequgang.people.masking import mask_phone
from shequgang.people.phones import national_phone, normalize_phone
from shequgang.places.models import Kind, Place
from shequgang.text_rules import text_clean

MAX_CAPACITY = 100_000


@dataclass
class ResourceInput:
    type: str
    title: str
    place: Place
    capacity: int
    available_from: dt.date
    valid_until: dt.date
    available_until: dt.date | None = None
    days: int = EVERY_DAY
    description: str = ""
    contact_name: str = ""
    contact_phone: str = ""


@dataclass
class PlaceChain:
    community: Place | None
    town: Place | None


def place_chain(place: Place) -> PlaceChain:
    """The community and town at or above ``place`` (None above them)."""
    return PlaceChain(
        community=Place.objects.ancestor_of_kind(place, Kind.COMMUNITY),
        town=Place.objects.ancestor_of_kind(place, Kind.TOWN),
    )


def phone_fields(raw: str) -> tuple[str, str]:
    """(ciphertext, masked form) of a contact phone; ("", "") for none."""
    if not raw.strip():
        return "", ""
    e164 = normalize_phone(raw)
    return pii.encrypt(e164), mask_phone(national_phone(e164))


def _check(data: ResourceInput) -> ResourceInput:
    if data.type not in DemandType.values:
        raise DomainError("invalid_type", "资源类型不正确")
    data.title = text_clean(data.title, field="title", label="资源名称", limit=100, required=True)
    data.description = text_clean(data.description, field="description", label="说明", limit=500)
    data.contact_name = text_clean(
        data.contact_name, field="contact_name", label="联系人", limit=50
    )
    if isinstance(data.capacity, bool) or not 1 <= data.capacity <= MAX_CAPACITY:
        raise DomainError("invalid_capacity", f"可服务数量应在1至{MAX_CAPACITY}之间")
    if not 1 <= data.days <= EVERY_DAY:
        raise DomainError("invalid_days", "可用星期不正确")
    if data.valid_until < data.available_from:
        raise DomainError("invalid_dates", "有效期不能早于可用开始日期")
    if data.available_until is not None and data.available_until < data.available_from:
        raise DomainError("invalid_dates", "可用截止不能早于可用开始日期")
    return data


def _offerer_allowed(actor: Actor, resource: Resource) -> bool:
    """Staff of the place, or the offerer's own people."""
    if not isinstance(actor, User):
        return False
    if may_manage(actor, resource.place):
        return True
    if resource.unit_id is not None:
        return PairedUnit.objects.filter(pk=resource.unit_id, accounts=actor.pk).exists()
    if resource.partner_id is not None:
        return Partner.objects.filter(pk=resource.partner_id, accounts=actor.pk).exists()
    if resource.volunteer_id == actor.pk:
        return Member.objects.filter(user_id=actor.pk, active=True).exists()
    return False


def resource_create(
    *,
    actor: Actor,
    data: ResourceInput,
    unit: PairedUnit | None = None,
    partner: Partner | None = None,
    volunteer: User | None = None,
) -> Resource:
    """Offer a resource for exactly one offerer (a unit, a partner or a volunteer).
    Raises Forbidden unless the actor may offer for that offerer at that place; the
    contact phone is stored encrypted and masked. Writes the row and an audit entry."""
    data = _check(data)
    offerers = [o for o in (unit, partner, volunteer) if o is not None]
    if len(offerers) != 1:
        raise DomainError("offerer_required", "请指定一个资源提供方（报到单位、合伙人或志愿者）")
    kind = OffererKind.UNIT if unit else OffererKind.PARTNER if partner else OffererKind.VOLUNTEER
    chain = place_chain(data.place)
    cipher, masked = phone_fields(data.contact_phone)
    resource = Resource(
        type=data.type,
        title=data.title,
        description=data.description,
        offerer_kind=kind,
        unit=unit,
        partner=partner,
        volunteer=volunteer,
        place=data.place,
        community=chain.community,
        town=chain.town,
        place_path=data.place.path,
        capacity=data.capacity,
        remaining=data.capacity,
        available_from=data.available_from,
        available_until=data.available_until,
        days=data.days,
        contact_name=data.contact_name,
        contact_phone_cipher=cipher,
        contact_phone_masked=masked,
        valid_until=data.valid_until,
        created_by=actor if isinstance(actor, User) else None,
    )
    if actor is not None and not _offerer_allowed(actor, resource):
        raise Forbidden("您不能为该提供方登记资源")
    with transaction.atomic():
        resource.save()
        audit_record(actor=actor, action="needs.resource_create", obj=resource)
    return resource


def resource_update(
    *,
    actor: Actor,
    resource: Resource,
    valid_until: dt.date | None = None,
    available_until: dt.date | None = None,
    capacity: int | None = None,
    contact_phone: str | None = None,
    active: bool | None = None,
) -> Resource:
    """Keep an offer current: extend or shorten it, change its capacity (what was used
    stays used: remaining = new capacity − used, refused below what is used), change the
    contact, pause or resume it. Locks the row."""
    if not _offerer_allowed(actor, resource):
        raise Forbidden("您不能维护该资源")
    with transaction.atomic():
        row = Resource.objects.select_for_update().get(pk=resource.pk)
        before = {"valid_until": str(row.valid_until), "capacity": row.capacity}
        fields: list[str] = ["updated_at"]
        if valid_until is not None:
            if valid_until < row.available_from:
                raise DomainError("invalid_dates", "有效期不能早于可用开始日期")
            row.valid_until = valid_until
            fields.append("valid_until")
        if available_until is not None:
            if available_until < row.available_from:
                raise DomainError("invalid_dates", "可用截止不能早于可用开始日期")
            row.available_until = available_until
            fields.append("available_until")
        if capacity is not None:
            used = row.capacity - row.remaining
            if isinstance(capacity, bool) or not used <= capacity <= MAX_CAPACITY or capacity < 1:
                raise DomainError("invalid_capacity", f"可服务数量不能少于已使用的{used}")
            row.capacity, row.remaining = capacity, capacity - used
            fields += ["capacity", "remaining"]
        if contact_phone is not None:
            row.contact_phone_cipher, row.contact_phone_masked = phone_fields(contact_phone)
            fields += ["contact_phone_cipher", "contact_phone_masked"]
        if active is not None:
            row.active = active
            fields.append("active")
        row.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="needs.resource_update",
            obj=row,
            changes={
                "valid_until": [before["valid_until"], str(row.valid_until)],
                "capacity": [before["capacity"], row.capacity],
            },
        )
    return row


def resource_use(*, resource: Resource, today: dt.date, quantity: int = 1) -> None:
    """Take ``quantity`` of a live resource's capacity, in one conditional UPDATE (call
    inside the caller's transaction). Raises Conflict ``resource_unavailable`` when it is
    expired, paused or has less left, so the last place is never taken twice."""
    taken = (
        Resource.objects.live(today)
        .filter(pk=resource.pk, remaining__gte=quantity)
        .update(remaining=F("remaining") - quantity)
    )
    if taken != 1:
        raise DomainError("resource_unavailable", "该资源已过期或已用完", status=409)
