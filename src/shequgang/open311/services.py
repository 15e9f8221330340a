"""Writes for Open311: issuing client keys, and turning a ``POST requests`` into a case
through ``cases.services.case_create`` (source ``open311``) — the one write path every
door uses. Nothing here decides how a case is handled."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create
from shequgang.errors import Forbidden
from shequgang.open311.models import AttributeType, Open311Client, Open311Request
from shequgang.open311.params import Open311Error, bad, w3c_datetime
from shequgang.open311.selectors import service_attributes, service_get, within
from shequgang.people import pii
from shequgang.people.scope import is_unrestricted
from shequgang.places.models import Kind, Place

KEY_PREFIX = "o311_"
DESCRIPTION_LIMIT = 4000  # the spec's limit, and the case's
# Places a pair of coordinates may be matched to. Units and households are never picked
# from coordinates: a point on a map does not say whose door it is.
_LOCATABLE_KINDS = (Kind.BUILDING, Kind.COMPOUND, Kind.COMMUNITY)
_METRES_PER_DEGREE = 111_320.0


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# --- Client keys ------------------------------------------------------------------------------


@transaction.atomic
def client_issue_key(*, actor: Actor, client: Open311Client) -> str:
    """A new API key for ``client``, replacing any earlier one. Only its hash is stored;
    the key is returned once. Audited."""
    if actor is None or not is_unrestricted(actor):
        raise Forbidden("只有系统管理员可以签发 Open311 密钥")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    client.key_prefix = key[:12]
    client.key_hash = _hash(key)
    client.key_issued_at = timezone.now()
    client.save(update_fields=["key_prefix", "key_hash", "key_issued_at"])
    audit_record(actor=actor, action="open311.key_issue", obj=client)
    return key


def client_for_key(key: str) -> Open311Client:
    """The active client holding ``key``, or a 403 (the spec's missing/invalid key)."""
    if not key:
        raise Open311Error("api_key_missing", "缺少 api_key", status=403)
    client = (
        Open311Client.objects.select_related("jurisdiction")
        .filter(key_hash=_hash(key), active=True)
        .exclude(key_hash="")
        .first()
    )
    if client is None:
        raise Open311Error("api_key_invalid", "api_key 无效或已停用", status=403)
    return client


# --- Submitting a request ---------------------------------------------------------------------


@dataclass
class Submission:
    """A ``POST requests`` form, read but not yet checked against the data."""

    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    media_url: str = ""
    device_id: str = ""
    account_id: str = ""
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    idempotency_key: str = ""


def _limit(value: str, *, name: str, limit: int) -> str:
    if len(value) > limit:
        raise bad(f"{name}_too_long", f"{name} 不能超过 {limit} 个字符")
    return value


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


def nearest_place(*, lat: float, lon: float, area: Place, radius_m: int) -> Place | None:
    """The building, compound or community with coordinates nearest to (lat, lon) inside
    ``area`` and within ``radius_m``; the deeper node wins a tie. One bounded query."""
    dlat = radius_m / _METRES_PER_DEGREE
    dlon = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    candidates = Place.objects.filter(
        kind__in=_LOCATABLE_KINDS,
        path__descendant=area.path,
        latitude__range=(lat - dlat, lat + dlat),
        longitude__range=(lon - dlon, lon + dlon),
    )[:2000]
    best: tuple[float, int, Place] | None = None
    for place in candidates:
        assert place.latitude is not None and place.longitude is not None
        d = _distance_m(lat, lon, place.latitude, place.longitude)
        if d <= radius_m and (best is None or (d, -place.depth) < best[:2]):
            best = (d, -place.depth, place)
    return best[2] if best else None


def _locate(data: Submission, area: Place) -> Place:
    """``address_id`` is our place id; else the nearest place to lat/long; else 400."""
    if data.address_id:
        if not data.address_id.isascii() or not data.address_id.isdigit():
            raise bad("invalid_address_id", "address_id 应为地点编号（整数）")
        place = Place.objects.filter(pk=int(data.address_id[:18])).first()
        if place is None or not within(place, area):
            raise bad("unknown_address_id", "address_id 不存在或不在本辖区内")
        return place
    if data.lat is not None and data.long is not None:
        radius = settings.OPEN311_MATCH_RADIUS_M
        place = nearest_place(lat=data.lat, lon=data.long, area=area, radius_m=radius)
        if place is None:
            raise bad("location_unmatched", f"坐标 {radius} 米范围内没有本辖区登记的地点")
        return place
    if data.address_string:
        raise bad(
            "location_unmatched", "仅凭 address_string 无法定位，请同时提供 lat/long 或 address_id"
        )
    raise bad("location_required", "缺少位置：请提供 lat 和 long、address_string 或 address_id")


Answers = dict[str, str | list[str]]


def _attribute_lines(
    category: Category, given: Mapping[str, Sequence[str]]
) -> tuple[Answers, list[str]]:
    """Check the answers against the service definition; unknown codes are ignored.
    Returns the cleaned answers and the lines added to the case description."""
    cleaned: Answers = {}
    lines: list[str] = []
    for attribute in service_attributes([category])[category.pk]:
        values = [v.strip() for v in given.get(attribute.code, []) if v.strip()]
        name = f"attribute[{attribute.code}]"
        if not attribute.variable:
            continue
        if not values:
            if attribute.required:
                raise bad("attribute_required", f"缺少必填属性 {name}")
            continue
        for value in values:
            _limit(value, name=name, limit=500)
        if attribute.datatype != AttributeType.MULTI and len(values) > 1:
            raise bad("invalid_attribute", f"{name} 只能有一个值")
        if attribute.datatype in (AttributeType.SINGLE, AttributeType.MULTI):
            keys = attribute.value_keys()
            if any(v not in keys for v in values):
                raise bad("invalid_attribute", f"{name} 的取值不在选项中")
            names = {
                str(v.get("key")): str(v.get("name"))
                for v in attribute.values
                if isinstance(v, dict)
            }
            shown = "、".join(names.get(v, v) for v in values)
        elif attribute.datatype == AttributeType.NUMBER:
            try:
                if not math.isfinite(float(values[0])):
                    raise ValueError
            except ValueError:
                raise bad("invalid_attribute", f"{name} 应为数字") from None
            shown = values[0]
        elif attribute.datatype == AttributeType.DATETIME:
            w3c_datetime(values[0], name=name)
            shown = values[0]
        else:
            if attribute.datatype == AttributeType.STRING and "\n" in values[0]:
                raise bad("invalid_attribute", f"{name} 不能换行")
            shown = values[0]
        cleaned[attribute.code] = values if attribute.datatype == AttributeType.MULTI else values[0]
        lines.append(f"{attribute.description}：{shown}")
    return cleaned, lines


def _person_name(first: str, last: str) -> str:
    # Chinese names are written family name first, without a space.
    if any(ord(ch) > 0x2E7F for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def _title(category: Category, description: str) -> str:
    first_line = description.strip().splitlines()[0].strip() if description.strip() else ""
    if not first_line:
        return category.name
    return first_line if len(first_line) <= 40 else first_line[:39] + "…"


def _check_contact(data: Submission) -> None:
    if data.email:
        _limit(data.email, name="email", limit=254)
        try:
            validate_email(data.email)
        except ValidationError:
            raise bad("invalid_email", "email 格式不正确") from None
    if data.media_url:
        _limit(data.media_url, name="media_url", limit=500)
        try:
            URLValidator(schemes=["http", "https"])(data.media_url)
        except ValidationError:
            raise bad("invalid_media_url", "media_url 应为 http(s) 地址") from None
    for name in ("address_string", "device_id", "account_id", "first_name", "last_name"):
        _limit(getattr(data, name), name=name, limit=250 if name == "address_string" else 100)
    _limit(data.description, name="description", limit=DESCRIPTION_LIMIT)


@transaction.atomic
def request_submit(
    *,
    client: Open311Client,
    data: Submission,
    jurisdiction: Place | None = None,
    now: dt.datetime | None = None,
) -> tuple[Open311Request, bool]:
    """Raise a case for an Open311 ``POST requests`` from ``client`` (its key already
    checked). Locks the client row, so its volume limit and Idempotency-Key hold under
    concurrent posts; a retry with a key already used returns the first request and
    ``False``. Errors: 403 outside the key's jurisdiction, 429 over the daily limit,
    404 unknown service_code, 400 for anything else; nothing is written on error."""
    now = now or timezone.now()
    client = (
        Open311Client.objects.select_for_update().select_related("jurisdiction").get(pk=client.pk)
    )
    if not client.active:
        raise Open311Error("api_key_invalid", "api_key 无效或已停用", status=403)
    if jurisdiction is not None and not within(jurisdiction, client.jurisdiction):
        raise Open311Error("jurisdiction_forbidden", "该 api_key 不能向此辖区提交", status=403)
    area = jurisdiction or client.jurisdiction
    key = _limit(data.idempotency_key, name="Idempotency-Key", limit=100)
    if key:
        earlier = Open311Request.objects.filter(client=client, idempotency_key=key).first()
        if earlier is not None:
            return earlier, False
    since = now - dt.timedelta(hours=24)
    if client.requests.filter(created_at__gt=since).count() >= client.daily_limit:
        raise Open311Error(
            "daily_limit", f"已达每日提交上限（{client.daily_limit} 条/24小时）", status=429
        )
    if not data.service_code:
        raise bad("service_code_required", "缺少 service_code")
    category = service_get(data.service_code)
    _check_contact(data)
    place = _locate(data, area)
    answers, lines = _attribute_lines(category, data.attributes)
    parts = [data.description.strip()]
    if data.address_string:
        parts.append(f"地址：{data.address_string}")
    parts.extend(lines)
    description = "\n".join(p for p in parts if p)
    _limit(description, name="description", limit=DESCRIPTION_LIMIT)
    case = case_create(
        actor=None,
        source=Source.OPEN311,
        category=category,
        place=place,
        title=_title(category, data.description),
        description=description,
        latitude=data.lat,
        longitude=data.long,
        raiser_name=_person_name(data.first_name, data.last_name),
        raiser_phone=data.phone,
        now=now,
    )
    row = Open311Request.objects.create(
        case=case,
        client=client,
        token=secrets.token_urlsafe(16),
        idempotency_key=key,
        address_string=data.address_string,
        media_url=data.media_url,
        email_cipher=pii.encrypt(data.email) if data.email else "",
        device_id=data.device_id,
        account_id=data.account_id,
        attributes=answers,
        created_at=now,
    )
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return row, True
