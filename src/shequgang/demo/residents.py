"""Synthetic households for the demo city: plausible families with valid, unique ID numbers
(GB 11643, the county's area code) and mobile numbers, relations and a few care tags.

Pure data: nothing here touches the database. Ages are reckoned at a fixed date, not today,
so one seed gives the same people whenever it is loaded."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from shequgang.demo.names import given_name, surname
from shequgang.people.id_numbers import make_id_number
from shequgang.people.models import Relation

REFERENCE_DATE = dt.date(2026, 1, 1)

# Where tenants (流动人口) were registered: 太原小店, 大同平城, 临汾尧都, 延安宝塔, 郑州中原.
_ORIGINS = ("140105", "140213", "141002", "610602", "410102")
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "180", "181", "182", "183", "185", "186", "187", "188", "189",
)  # fmt: skip


@dataclass(frozen=True)
class Member:
    """One resident as the register would receive it."""

    name: str
    relation: str
    id_number: str
    phone: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class KnownHead:
    """A household whose head is a named person (e.g. a demo account's holder)."""

    name: str
    sex: str
    tags: tuple[str, ...] = ()


class Registry:
    """Hands out ID numbers and mobile numbers, each at most once in the whole city."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._ids: set[str] = set()
        self._phones: set[str] = set()

    def id_number(self, area: str, birth: dt.date, sex: str) -> str:
        # The sequence's parity carries the sex (odd = male).
        for _ in range(1000):
            sequence = self._rng.randrange(0, 999)
            if (sequence % 2 == 1) != (sex == "M"):
                sequence += 1
            value = make_id_number(area, birth, sequence)
            if value not in self._ids:
                self._ids.add(value)
                return value
        raise RuntimeError(f"no free ID number for {area} {birth}")

    def phone(self) -> str:
        while True:
            value = self._rng.choice(_MOBILE_PREFIXES) + f"{self._rng.randrange(10**8):08d}"
            if value not in self._phones:
                self._phones.add(value)
                return value


@dataclass
class _Draft:
    family: str
    sex: str
    age: int
    relation: str
    tags: list[str] = field(default_factory=list)
    given: str = ""


def household_members(
    rng: random.Random,
    registry: Registry,
    *,
    area: str,
    size: int,
    rented: bool = False,
    known_head: KnownHead | None = None,
) -> list[Member]:
    """``size`` (1-4) people living together: a family registered in ``area``, or
    tenants (租住人员) from elsewhere when ``rented``."""
    drafts = _tenants(rng, size) if rented else _family(rng, size)
    if known_head is not None:
        head = drafts[0]
        head.family, head.given, head.sex = known_head.name[0], known_head.name[1:], known_head.sex
        head.tags.extend(t for t in known_head.tags if t not in head.tags)
    _tag(rng, drafts)
    area = rng.choice(_ORIGINS) if rented else area
    members = []
    for d in drafts:
        birth = _birth_date(rng, d.age)
        given = d.given or given_name(rng, birth_year=birth.year, sex=d.sex)
        wants_phone = d.age >= 16 and (d.age < 80 or rng.random() < 0.5)
        members.append(
            Member(
                name=d.family + given,
                relation=d.relation,
                id_number=registry.id_number(area, birth, d.sex),
                phone=registry.phone() if wants_phone else None,
                tags=tuple(d.tags),
            )
        )
    return members


def _birth_date(rng: random.Random, age: int) -> dt.date:
    """A birth date making the person ``age`` years old on the reference date."""
    return dt.date(REFERENCE_DATE.year - age, 1, 1) - dt.timedelta(days=rng.randrange(1, 365))


def _other(sex: str) -> str:
    return "F" if sex == "M" else "M"


def _couple(rng: random.Random, low: int, high: int) -> list[_Draft]:
    head_sex = "M" if rng.random() < 0.85 else "F"
    head_age = rng.randint(low, high)
    # Husbands tend to be a little older.
    gap = rng.randint(-1, 5) if head_sex == "M" else -rng.randint(-1, 5)
    spouse_age = max(low - 2, min(high + 5, head_age - gap))
    return [
        _Draft(surname(rng), head_sex, head_age, Relation.HEAD),
        _Draft(surname(rng), _other(head_sex), spouse_age, Relation.SPOUSE),
    ]


def _child(rng: random.Random, couple: list[_Draft]) -> _Draft:
    father = next((d for d in couple if d.sex == "M"), couple[0])
    youngest_parent = min(d.age for d in couple)
    age = rng.randint(0, max(0, min(30, youngest_parent - 22)))
    return _Draft(father.family, rng.choice("MF"), age, Relation.CHILD)


def _family(rng: random.Random, size: int) -> list[_Draft]:
    if size <= 1:
        elder = rng.random() < 0.6
        age = rng.randint(62, 92) if elder else rng.randint(24, 58)
        return [_Draft(surname(rng), rng.choice("MF"), age, Relation.HEAD)]
    if size == 2:
        roll = rng.random()
        if roll < 0.35:
            return _couple(rng, 60, 86)
        if roll < 0.8:
            return _couple(rng, 24, 40)
        parent = _Draft(surname(rng), rng.choice("MF"), rng.randint(32, 55), Relation.HEAD)
        return [parent, _child(rng, [parent])]
    people = _couple(rng, 28, 52)
    head = people[0]
    if size == 4 and rng.random() < 0.5 and head.age + 22 <= 95:
        sex = rng.choice("MF")
        family = head.family if sex == "M" else surname(rng)
        people.append(_Draft(family, sex, min(95, head.age + rng.randint(22, 32)), Relation.PARENT))
    while len(people) < size:
        people.append(_child(rng, people[:2]))
    return people


def _tenants(rng: random.Random, size: int) -> list[_Draft]:
    first = _Draft(surname(rng), rng.choice("MF"), rng.randint(20, 45), Relation.TENANT)
    people = [first]
    if size >= 2:
        age = max(20, first.age + rng.randint(-3, 3))
        people.append(_Draft(surname(rng), _other(first.sex), age, Relation.TENANT))
    for d in people:
        d.tags.append("floating")
    return people


def _tag(rng: random.Random, people: list[_Draft]) -> None:
    """Care and status tags (codes from people/migrations/0002_default_tags.py)."""
    adults = [d for d in people if d.age >= 18]
    if len(people) == 1 and people[0].age >= 60:
        people[0].tags.append("elder_alone")
        if rng.random() < 0.05:
            people[0].tags.append("extreme_poverty")
    if len(people) == 2 and all(d.age >= 60 for d in people):
        for d in people:
            d.tags.append("elder_empty_nest")
    working_parents = [d for d in adults if d.relation in {"head", "spouse"} and d.age < 55]
    for d in people:
        if d.age >= 80:
            d.tags.append("elder_80")
        if d.age >= 18 and rng.random() < (0.12 if d.age >= 55 else 0.06):
            d.tags.append("party_member")
        if d.sex == "M" and d.age >= 40 and rng.random() < 0.03:
            d.tags.append("veteran")
        if rng.random() < 0.012:
            d.tags.append("disabled")
        if 20 <= d.age <= 45 and rng.random() < 0.03:
            d.tags.append("new_economy_worker")
        if (
            d.relation == Relation.CHILD
            and 3 <= d.age <= 14
            and len(working_parents) == 2
            and rng.random() < 0.4
        ):
            d.tags.append("dual_working_child")
    if rng.random() < 0.02:
        people[0].tags.append("low_income")
    for d in people:
        # A tag given twice (a known head's and a random one) is one tag.
        d.tags[:] = list(dict.fromkeys(d.tags))
