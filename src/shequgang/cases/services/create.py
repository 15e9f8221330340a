"""Raising a case: the draft (checked input), its row, the first routing and clocks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO

from django.utils import timezone

from shequgang.actors import Actor
from shequgang.cases.engine.guards import actor_user
from shequgang.cases.engine.route_fields import route_fields
from shequgang.cases.engine.routing import route
from shequgang.cases.models import (
    Case,
    CaseRules,
    Category,
    Source,
)
from shequgang.cases.services.create_write import (
    CaseCreated,
    CaseDraft,
    creation_rows,
    creation_write,
)
from shequgang.cases.services.photos import CleanPhoto, clean_photo
from shequgang.errors import DomainError, NotFound
from shequgang.people import pii
from shequgang.people.masking import mask_phone
from shequgang.people.phones import national_phone, normalize_phone
from shequgang.people.roles import Perm
from shequgang.people.scope import place_in_scope
from shequgang.places.models import Kind, Place
from shequgang.places.selectors import place_ancestors_cached
from shequgang.text_rules import text_clean

CASE_PLACE_KINDS = {Kind.HOUSEHOLD, Kind.UNIT, Kind.BUILDING, Kind.COMPOUND, Kind.COMMUNITY}
_STAFF_SOURCES = {
    Source.GRID_PATROL,
    Source.STAFF,
    Source.DOOR_KNOCKING,
    Source.HOTLINE,
    Source.LIVESTREAM,
}


# --- Creation -------------------------------------------------------------------------------


def case_texts(*, title: str, description: str, raiser_name: str) -> tuple[str, str, str]:
    """A case's free texts under ``text_rules.text_clean``, in ``case_create``'s order:
    the title (required, at most 100 characters: ``title_required`` /
    ``title_too_long``), the description (4000: ``description_too_long``) and the
    raiser's name (50: ``raiser_name_too_long``). The queued intake checks with it too,
    so both doors refuse the same text with the same code."""
    return (
        text_clean(title, field="title", label="标题", limit=100, required=True),
        text_clean(description, field="description", label="描述", limit=4000),
        text_clean(raiser_name, field="raiser_name", label="姓名", limit=50),
    )


def case_draft(
    *,
    actor: Actor,
    source: str,
    category: Category,
    place: Place,
    title: str,
    description: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    raiser_name: str = "",
    raiser_phone: str = "",
    anonymous: bool = False,
    photos: Sequence[IO[bytes]] = (),
    now: dt.datetime | None = None,
    generation: int | None = None,
) -> CaseDraft:
    """The checks and reads of ``case_create``, without writing (so no transaction, and
    on SQLite no write lock, is needed for them): raises what ``case_create`` raises.
    With the request's reference ``generation``, the place chain and the ladder come
    from the process's copies (``shequgang.reference_cache``) while they are current."""
    # UTC, as the database gives datetimes back, so the case in memory serializes the
    # same as the row read back.
    now = (now or timezone.now()).astimezone(dt.UTC)
    if source not in Source.values:
        raise DomainError("invalid_source", f"未知的来源：{source}")
    if not category.active or category.has_children():
        raise DomainError("invalid_category", "请选择具体的事项小类")
    if place.kind not in CASE_PLACE_KINDS:
        raise DomainError("invalid_place", "事项地点应为社区、小区、楼栋、单元或户")
    if source in _STAFF_SOURCES and (
        actor is None or not place_in_scope(actor, Perm.CASE_RAISE, place)
    ):
        raise NotFound("地点")
    if source == Source.RESIDENT and (actor is None or not actor.is_authenticated):
        raise DomainError("unauthenticated", "请先登录", status=401)
    title, description, raiser_name = case_texts(
        title=title, description=description, raiser_name=raiser_name
    )
    for value, low, high, label in ((latitude, -90, 90, "纬度"), (longitude, -180, 180, "经度")):
        if value is not None and not low <= value <= high:
            raise DomainError("invalid_coordinates", f"{label}超出范围")
    cleaned: list[CleanPhoto] = []
    if photos:  # the rules only limit photos: no need to read them for a case without
        rules = CaseRules.current()
        if len(photos) > rules.max_photos:
            raise DomainError("too_many_photos", f"最多上传{rules.max_photos}张照片")
        cleaned = [clean_photo(p, max_bytes=rules.max_photo_bytes) for p in photos]
    phone_cipher = phone_masked = ""
    if raiser_phone.strip():
        e164 = normalize_phone(raiser_phone)
        phone_cipher, phone_masked = pii.encrypt(e164), mask_phone(national_phone(e164))
    # One query at most: the county and the routing read it.
    chain = place_ancestors_cached(place=place, generation=generation)
    county = next((p for p in reversed(chain) if p.kind == Kind.COUNTY), None)
    if county is None or not county.code:
        raise DomainError("invalid_place", "地点不属于任何县级区划")
    r = route(
        place=place,
        category=category,
        rung=category.start_rung,
        chain=chain,
        generation=generation,
    )
    user = actor_user(actor)
    return CaseDraft(
        user=user,
        source=source,
        category=category,
        place=place,
        route=r,
        fields={
            "source": source,
            "title": title,
            "description": description,
            "place_path": place.path,
            "county_code": county.code[:6],
            "grid_id": place.grid_id,
            "latitude": latitude,
            "longitude": longitude,
            "raiser_name": raiser_name or (user.get_full_name() if user else ""),
            "raiser_phone_cipher": phone_cipher,
            "raiser_phone_masked": phone_masked,
            "anonymous": anonymous,
            "rung": r.rung,
            "created_at": now,
            **route_fields(r, category=category, start=now),
        },
        photos=cleaned,
        now=now,
    )


def case_draft_save(draft: CaseDraft) -> CaseCreated:
    """Write a drafted case: number it (unique under concurrency: the county's counter
    row is locked until commit), store its photos, write the created/assigned events and
    the holder's notification (``create_write``; a caller that can make the rows before
    its own transaction calls ``creation_rows`` there and ``creation_write`` in it)."""
    return creation_write(creation_rows(draft))


def case_create(
    *,
    actor: Actor,
    source: str,
    category: Category,
    place: Place,
    title: str,
    description: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    raiser_name: str = "",
    raiser_phone: str = "",
    anonymous: bool = False,
    photos: Sequence[IO[bytes]] = (),
    now: dt.datetime | None = None,
) -> Case:
    """Raise a case through any door. Routes it to the first staffed holder at or above
    its category's starting rung, numbers it (unique under concurrency), sets its clocks,
    stores cleaned photos, and writes the created/assigned events and the holder's
    notification. Staff doors need ``case.raise`` over the place; anyone signed in may
    raise a case as a resident; integrations pass ``actor=None``. The checks and reads
    (``case_draft``) run before the writing transaction (``case_draft_save``)."""
    draft = case_draft(
        actor=actor,
        source=source,
        category=category,
        place=place,
        title=title,
        description=description,
        latitude=latitude,
        longitude=longitude,
        raiser_name=raiser_name,
        raiser_phone=raiser_phone,
        anonymous=anonymous,
        photos=photos,
        now=now,
    )
    return case_draft_save(draft).case
