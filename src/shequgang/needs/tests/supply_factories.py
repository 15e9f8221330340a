"""Builders for the supply-side tests: demands, units, partners, resources."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.models import User

from shequgang.needs.models import Demand, DemandSource, DemandType
from shequgang.needs.resources import ResourceInput, resource_create
from shequgang.needs.supply_models import Partner, PartnerKind, Resource
from shequgang.party.models import PairedUnit, PairedUnitKind
from shequgang.places.models import Kind, Place
from shequgang.places.services import place_create

_seq = itertools.count(1)
TODAY = dt.date(2026, 12, 9)  # a Wednesday
NOON = dt.datetime(2026, 12, 9, 4, 0, tzinfo=dt.UTC)  # 12:00 in Beijing


def make_demand(place: Place, type: str = DemandType.REPAIR, **fields: object) -> Demand:
    household = place if place.kind == Kind.HOUSEHOLD else None
    return Demand.objects.create(
        household=household,
        place=place,
        type=type,
        description=f"需求{next(_seq)}",
        source=DemandSource.RESIDENT,
        consent=True,
        **fields,
    )


def make_unit(place: Place, name: str = "") -> PairedUnit:
    return PairedUnit.objects.create(
        name=name or f"报到单位{next(_seq)}", kind=PairedUnitKind.ORGAN, place=place
    )


def make_partner(community: Place, name: str = "", accounts: list[User] = ()) -> Partner:  # type: ignore[assignment]
    partner = Partner.objects.create(
        community=community, name=name or f"合伙人{next(_seq)}", kind=PartnerKind.ENTERPRISE
    )
    partner.accounts.set(accounts)
    return partner


def offer(
    actor: User,
    place: Place,
    *,
    type: str = DemandType.REPAIR,
    unit: PairedUnit | None = None,
    capacity: int = 5,
    available_from: dt.date = TODAY,
    valid_until: dt.date = TODAY + dt.timedelta(days=60),
    title: str = "",
    **extra: object,
) -> Resource:
    return resource_create(
        actor=actor,
        data=ResourceInput(
            type=type,
            title=title or f"资源{next(_seq)}",
            place=place,
            capacity=capacity,
            available_from=available_from,
            valid_until=valid_until,
            **extra,  # type: ignore[arg-type]
        ),
        unit=unit or make_unit(place),
    )


def second_compound(world_community: Place, admin: User) -> Place:
    return place_create(
        parent=world_community, kind=Kind.COMPOUND, name=f"另一小区{next(_seq)}", actor=admin
    )
