"""Builders for the deliberation tests: a branch meeting on a case at compound A, and a
compound with enough households (with areas and heads) for an owners' vote."""

from __future__ import annotations

from decimal import Decimal

from shequgang.cases.deliberation.services import deliberation_plan
from shequgang.cases.models import Rung
from shequgang.cases.models.deliberation import Deliberation
from shequgang.people.services import ResidentInput, resident_create
from shequgang.places.models import Kind, Place
from shequgang.places.services import places_create_children
from shequgang.testing import World, synthetic_id

from .conftest import at

# The meeting: Wednesday 12 June 2030, 19:30 in Shanghai, planned on 1 June.
MEETING_AT = at(2030, 6, 12, 19, 30)
PLANNED_ON = at(2030, 6, 1, 9, 0)
DURING = at(2030, 6, 12, 19, 40)


def plan_meeting(world: World, case_ids: list[int] | None = None, **kwargs: object) -> Deliberation:
    params: dict[str, object] = {
        "actor": world.users["branch_a"],
        "rung": Rung.BRANCH,
        "case_ids": case_ids,
        "title": "小区停车位规划议事",
        "scheduled_at": MEETING_AT,
        "location": "小区党群服务站",
        "agenda": "一、通报停车情况；二、讨论方案；三、表决",
        "now": PLANNED_ON,
        **kwargs,
    }
    return deliberation_plan(**params)  # type: ignore[arg-type]


def add_households(
    world: World, areas: list[str | None], *, heads: bool = True, building: Place | None = None
) -> list[Place]:
    """Households "3xx" in building 2 of compound A, with the given floor areas (None:
    not registered), each with a household head who has an ID number."""
    parent = building or world.building_a2
    start = Place.objects.filter(parent=parent, kind=Kind.HOUSEHOLD).count()
    rows = [
        {"name": f"3{start + i:02d}", **({"floor_area": Decimal(a)} if a is not None else {})}
        for i, a in enumerate(areas)
    ]
    households = places_create_children(
        parent=parent, kind=Kind.HOUSEHOLD, rows=rows, actor=world.admin
    )
    if heads:
        for h in households:
            resident_create(
                actor=world.admin,
                data=ResidentInput(name=f"业主{h.name}", household=h, id_number=synthetic_id()),
            )
    return households
