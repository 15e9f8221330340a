"""Build the demo city of 吕梁 through the real services.

The tree goes in through ``places.services`` (one batch per parent), grids through
``grid_create`` / ``grid_assign_buildings``, accounts through ``role_grant``. Residents are
bulk-inserted for speed, but every row is the one ``people.services.resident_create`` would
write: the same validation and the same ``resident_apply_*`` functions fill its personal
fields.

Everything happens in one transaction: a failed load leaves the database as it was.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count

from shequgang.audit.services import audit_record
from shequgang.cases.models import Case
from shequgang.demo.city import (
    CITY_CODE,
    CITY_LATITUDE,
    CITY_LONGITUDE,
    CITY_NAME,
    COUNTIES,
    LISHI,
    BuildingSpec,
    CommunitySpec,
    CompoundSpec,
    CountySpec,
    GridSpec,
)
from shequgang.demo.citywide import generated_communities, generated_modes, generated_per_town
from shequgang.demo.history.load import HistorySummary, history_load
from shequgang.demo.names import UniqueNames, chinese_ordinal, property_company
from shequgang.demo.residents import KnownHead, Member, Registry, household_members
from shequgang.demo.staff import (
    ACCOUNTS,
    CITY_DEPARTMENTS,
    DEMO_PASSWORD,
    LISHI_DEPARTMENTS,
    AccountSpec,
    DepartmentSpec,
)
from shequgang.grid.models import Patrol
from shequgang.party.activity_demo import activities_demo_load
from shequgang.party.demo import party_demo_load
from shequgang.people.id_numbers import parse_id_number
from shequgang.people.models import Resident, ResidentStatus, ResidentTag
from shequgang.people.phones import normalize_phone
from shequgang.people.roles import Role
from shequgang.people.services import (
    resident_apply_id_number,
    resident_apply_phone,
    role_grant,
)
from shequgang.places.models import Department, Grid, Kind, ManagementMode, Place
from shequgang.places.services import (
    grid_assign_buildings,
    grid_create,
    place_create,
    places_create_children,
)
from shequgang.veterans.demo import veterans_demo_load


class DemoNotEmpty(Exception):
    """The database already holds places: the demo city is never loaded twice."""


@dataclass(frozen=True)
class Scale:
    name: str
    # Add generated compounds until the seed's 2,096 (404 of them self-managed).
    fill_city: bool
    # Weights of households of 1, 2, 3 and 4 people.
    household_sizes: tuple[int, int, int, int]


SCALES = {
    "small": Scale("small", fill_city=False, household_sizes=(20, 35, 30, 15)),
    # Smaller households (and compact generated compounds, see _STYLES) keep the 2,096
    # compounds to a few minutes.
    "city": Scale("city", fill_city=True, household_sizes=(50, 35, 15, 0)),
}


@dataclass(frozen=True)
class _Style:
    """Ranges for a generated compound's layout."""

    buildings: tuple[int, int]
    units: tuple[int, int]
    floors: tuple[int, int]
    per_floor: tuple[int, int]
    floor_area: tuple[int, int]  # m²


_STYLES = {
    "old": _Style((2, 3), (2, 3), (5, 6), (2, 2), (48, 85)),  # 老旧多层
    "multi": _Style((2, 4), (2, 2), (6, 6), (2, 2), (75, 130)),  # 多层商品房
    "high": _Style((2, 3), (1, 2), (11, 18), (2, 2), (70, 140)),  # 高层
}
# The city scale's generated compounds: the same kinds of building, fewer of them.
_COMPACT = {
    "old": _Style((1, 3), (1, 1), (5, 6), (2, 2), (48, 85)),
    "multi": _Style((1, 3), (1, 1), (6, 6), (2, 2), (75, 130)),
    "high": _Style((1, 2), (1, 1), (11, 12), (2, 2), (70, 140)),
}
_RENTED_SHARE = 0.08
# A grid (全科网格) takes whole compounds until it covers about this many households.
_GRID_HOUSEHOLDS = 300
_FLUSH_EVERY = 5000


@dataclass
class DemoSummary:
    scale: str
    seed: int
    places: dict[str, int]
    compounds_by_mode: dict[str, int]
    residents: int
    grids: int
    departments: int
    accounts: int
    cases: int = 0
    patrols: int = 0


def demo_load(*, scale: str = "small", seed: int = 1, history: bool = True) -> DemoSummary:
    """Build the demo city in one transaction. Raises DemoNotEmpty if any place or any
    demo account exists (checked inside the transaction: two racing loads cannot both
    build, the second fails on the unique root path and rolls back). Without
    ``history`` only the city, its people, grids, staff and party organisation are built
    (tests that need no cases use it: the history is most of the time)."""
    with transaction.atomic():
        usernames = [a.username for a in ACCOUNTS]
        if Place.objects.exists() or User.objects.filter(username__in=usernames).exists():
            raise DemoNotEmpty
        _Builder(SCALES[scale], seed, history=history).build()
    return demo_summary(scale=scale, seed=seed)


def demo_summary(*, scale: str, seed: int) -> DemoSummary:
    places = {
        row["kind"]: row["n"]
        for row in Place.objects.values("kind").annotate(n=Count("id")).order_by()
    }
    modes = {
        row["management_mode"]: row["n"]
        for row in Place.objects.filter(kind=Kind.COMPOUND)
        .values("management_mode")
        .annotate(n=Count("id"))
        .order_by()
    }
    return DemoSummary(
        scale=scale,
        seed=seed,
        places=places,
        compounds_by_mode=modes,
        residents=Resident.objects.count(),
        grids=Grid.objects.count(),
        departments=Department.objects.count(),
        accounts=User.objects.filter(username__in=[a.username for a in ACCOUNTS]).count(),
        cases=Case.objects.count(),
        patrols=Patrol.objects.count(),
    )


@dataclass(frozen=True)
class _At:
    """Where the builder is: the county and the names from the county down."""

    county: CountySpec
    path: tuple[str, ...]
    compact: bool = False
    centre: tuple[float, float] = (0.0, 0.0)  # (latitude, longitude) of the community

    def below(self, name: str) -> _At:
        return _At(self.county, (*self.path, name), self.compact, self.centre)


@dataclass
class _Pending:
    resident: Resident
    tags: tuple[str, ...]


@dataclass
class _Built:
    """A compound (or a village's courtyards) as built: its buildings and household count."""

    name: str
    buildings: list[Place] = field(default_factory=list)
    households: int = 0


class _Builder:
    def __init__(self, scale: Scale, seed: int, *, history: bool = True) -> None:
        self.scale = scale
        self.seed = seed
        self.with_history = history
        self.history = HistorySummary(cases=0, grids_drawn=0)
        self.rng = random.Random(seed)
        self.registry = Registry(self.rng)
        self.pending: list[_Pending] = []
        self.tag_ids = dict(ResidentTag.objects.filter(active=True).values_list("code", "id"))
        self.known_heads = {
            a.place: KnownHead(a.full_name, "M", ("party_member",))
            for a in ACCOUNTS
            if a.role == Role.CENTRAL_HOUSEHOLD
        }
        self.generated_modes = generated_modes(self.rng) if scale.fill_city else []

    # --- The tree -------------------------------------------------------------------------

    def build(self) -> None:
        password = make_password(DEMO_PASSWORD)  # hashed once: the accounts share it
        admin_spec = ACCOUNTS[0]
        admin = User.objects.create(
            username=admin_spec.username,
            first_name=admin_spec.full_name,
            password=password,
            is_staff=True,
            is_superuser=True,
        )
        city = place_create(
            parent=None,
            kind=Kind.CITY,
            name=CITY_NAME,
            code=CITY_CODE,
            latitude=CITY_LATITUDE,
            longitude=CITY_LONGITUDE,
            actor=None,
        )
        counties = places_create_children(
            parent=city,
            kind=Kind.COUNTY,
            rows=[
                {"name": c.name, "code": c.code, "latitude": c.latitude, "longitude": c.longitude}
                for c in COUNTIES
            ],
            actor=None,
        )
        for spec, county in zip(COUNTIES, counties, strict=True):
            self._county(spec, county)
        self._flush()
        self._departments(city, Department.Level.CITY, CITY_DEPARTMENTS)
        self._departments(counties[0], Department.Level.COUNTY, LISHI_DEPARTMENTS)
        assert counties[0].name == LISHI.name
        self._accounts(admin, city, password)
        # Veterans' insurance applications to the 2026 program (shequgang loadveterans).
        veterans_demo_load()
        # Party organisation, 双报到 and 双包联 (party/demo.py).
        party_demo_load()
        # Six months of cases, meetings, patrols, activities and points, through the
        # services with the clock moved (demo/history/); the supermarket opens in it.
        if self.with_history:
            self.history = history_load(admin=admin, scale=self.scale.name, seed=self.seed)
            # Today's 双服务 activities: one just finished, one open for sign-up.
            activities_demo_load()

    def _county(self, spec: CountySpec, county: Place) -> None:
        towns = places_create_children(
            parent=county,
            kind=Kind.TOWN,
            rows=[{"name": t.name, "subtype": t.subtype} for t in spec.towns],
            actor=None,
        )
        extra = generated_per_town(spec) if self.scale.fill_city else [0] * len(towns)
        compound_names = UniqueNames(
            c.name for t in spec.towns for m in t.communities for c in m.compounds
        )
        for town_spec, town, count in zip(spec.towns, towns, extra, strict=True):
            communities = list(town_spec.communities) + generated_communities(
                self.rng, town_spec, count, compound_names, self.generated_modes
            )
            places = places_create_children(
                parent=town,
                kind=Kind.COMMUNITY,
                rows=[{"name": c.name, "subtype": c.subtype} for c in communities],
                actor=None,
            )
            for i, (community_spec, community) in enumerate(zip(communities, places, strict=True)):
                # Communities past the named ones are generated: compact compounds.
                compact = i >= len(town_spec.communities)
                # A community's compounds stand together, a few kilometres from the seat.
                centre = (
                    spec.latitude + self.rng.uniform(-0.02, 0.02),
                    spec.longitude + self.rng.uniform(-0.02, 0.02),
                )
                at = _At(spec, (spec.name, town.name, community.name), compact, centre)
                self._community(at, community_spec, community)

    def _community(self, at: _At, spec: CommunitySpec, community: Place) -> None:
        built: list[_Built] = []
        if spec.compounds:
            compounds = places_create_children(
                parent=community,
                kind=Kind.COMPOUND,
                rows=[self._compound_row(at, c) for c in spec.compounds],
                actor=None,
            )
            for compound_spec, compound in zip(spec.compounds, compounds, strict=True):
                built.append(self._compound(at.below(compound.name), compound_spec, compound))
        if spec.courtyards:
            built.append(self._courtyards(at, community, spec.courtyards))
        self._grids(community, spec.grids, built)

    def _compound_row(self, at: _At, spec: CompoundSpec) -> dict[str, Any]:
        county = at.county
        # Compounds of one community lie within a few hundred metres of each other.
        row: dict[str, Any] = {
            "name": spec.name,
            "management_mode": spec.mode,
            "latitude": round(at.centre[0] + self.rng.uniform(-0.004, 0.004), 5),
            "longitude": round(at.centre[1] + self.rng.uniform(-0.005, 0.005), 5),
        }
        if spec.mode == ManagementMode.PROPERTY_COMPANY:
            row["property_company"] = spec.property_company or property_company(
                self.rng, county.name
            )
        elif spec.mode == ManagementMode.OWNERS_COMMITTEE:
            row["owners_committee"] = f"{spec.name}业主委员会"
        elif spec.mode == ManagementMode.PROPERTY_COMMITTEE:
            row["owners_committee"] = f"{spec.name}物业管理委员会"
        return row

    def _compound(self, at: _At, spec: CompoundSpec, compound: Place) -> _Built:
        style = (_COMPACT if at.compact else _STYLES)[spec.style]
        layout = spec.buildings or self._layout(style)
        origin = (compound.latitude or at.centre[0], compound.longitude or at.centre[1])
        buildings = places_create_children(
            parent=compound,
            kind=Kind.BUILDING,
            rows=[{"name": b.name, **_building_position(origin, i)} for i, b in enumerate(layout)],
            actor=None,
        )
        built = _Built(compound.name, buildings)
        area_range = style.floor_area
        for b_spec, building in zip(layout, buildings, strict=True):
            # Homes in the same position on every floor have the same floor plan.
            areas = [self._area(area_range) for _ in range(b_spec.per_floor)]
            rows = [
                {"name": f"{floor}{pos + 1:02d}", "floor_area": areas[pos]}
                for floor in range(1, b_spec.floors + 1)
                for pos in range(b_spec.per_floor)
            ]
            if b_spec.units == 0:
                parents = [building]
            else:
                parents = places_create_children(
                    parent=building,
                    kind=Kind.UNIT,
                    rows=[{"name": f"{u}单元"} for u in range(1, b_spec.units + 1)],
                    actor=None,
                )
            for parent in parents:
                households = places_create_children(
                    parent=parent, kind=Kind.HOUSEHOLD, rows=rows, actor=None
                )
                home = at.below(building.name)
                self._populate(home if parent is building else home.below(parent.name), households)
                built.households += len(households)
        return built

    def _courtyards(self, at: _At, village: Place, count: int) -> _Built:
        """A village's courtyards (院): buildings standing in the village, 1-2 households."""
        buildings = places_create_children(
            parent=village,
            kind=Kind.BUILDING,
            rows=[
                {"name": f"{(n - 1) // 3 + 1}组{n}号院", **_building_position(at.centre, n - 1)}
                for n in range(1, count + 1)
            ],
            actor=None,
        )
        built = _Built(village.name, buildings)
        for building in buildings:
            homes = 1 if self.rng.random() < 0.7 else 2
            households = places_create_children(
                parent=building,
                kind=Kind.HOUSEHOLD,
                rows=[
                    {"name": f"{h}户", "floor_area": self._area((90, 160))}
                    for h in range(1, homes + 1)
                ],
                actor=None,
            )
            self._populate(at.below(building.name), households)
            built.households += len(households)
        return built

    def _layout(self, style: _Style) -> list[BuildingSpec]:
        return [
            BuildingSpec(
                f"{n}号楼",
                units=self.rng.randint(*style.units),
                floors=self.rng.randint(*style.floors),
                per_floor=self.rng.randint(*style.per_floor),
            )
            for n in range(1, self.rng.randint(*style.buildings) + 1)
        ]

    def _area(self, bounds: tuple[int, int]) -> Decimal:
        return Decimal(f"{self.rng.uniform(*bounds):.2f}")

    # --- Grids ----------------------------------------------------------------------------

    def _grids(self, community: Place, specs: Sequence[GridSpec], built: list[_Built]) -> None:
        if specs:
            groups = [self._grid_buildings(spec, built) for spec in specs]
            names = [spec.name for spec in specs]
        else:
            groups = []
            current: list[Place] = []
            households = 0
            for part in built:
                current.extend(part.buildings)
                households += part.households
                if households >= _GRID_HOUSEHOLDS:
                    groups.append(current)
                    current, households = [], 0
            if current:
                groups.append(current)
            names = [f"第{chinese_ordinal(n)}网格" for n in range(1, len(groups) + 1)]
        for name, buildings in zip(names, groups, strict=True):
            grid = grid_create(community=community, name=name, actor=None)
            grid_assign_buildings(grid=grid, buildings=buildings, actor=None)

    @staticmethod
    def _grid_buildings(spec: GridSpec, built: list[_Built]) -> list[Place]:
        by_compound = {part.name: part for part in built}
        buildings = [b for name in spec.compounds for b in by_compound[name].buildings]
        for compound, building in spec.buildings:
            buildings.extend(b for b in by_compound[compound].buildings if b.name == building)
        return buildings

    # --- Residents ------------------------------------------------------------------------

    def _populate(self, at: _At, households: list[Place]) -> None:
        weights = self.scale.household_sizes
        for household in households:
            size = self.rng.choices((1, 2, 3, 4), weights=weights)[0]
            known_head = self.known_heads.get((*at.path, household.name))
            # A known head lives in their own home, not a rented one.
            rented = self.rng.random() < _RENTED_SHARE and known_head is None
            members = household_members(
                self.rng,
                self.registry,
                area=at.county.code,
                size=size,
                rented=rented,
                known_head=known_head,
            )
            for member in members:
                self.pending.append(_Pending(self._resident(household, member), member.tags))
        if len(self.pending) >= _FLUSH_EVERY:
            self._flush()

    @staticmethod
    def _resident(household: Place, member: Member) -> Resident:
        """The row ``resident_create`` would write for ``member``: the same validation
        and the same functions put the encrypted, indexed and masked fields on it."""
        resident = Resident(
            household=household,
            name=member.name,
            relation=member.relation,
            status=ResidentStatus.ACTIVE,
            note="",
        )
        resident_apply_id_number(resident=resident, parsed=parse_id_number(member.id_number))
        if member.phone is not None:
            resident_apply_phone(resident=resident, e164=normalize_phone(member.phone))
        return resident

    def _flush(self) -> None:
        if not self.pending:
            return
        created = Resident.objects.bulk_create([p.resident for p in self.pending], batch_size=1000)
        through = Resident.tags.through
        links = [
            through(resident_id=resident.pk, residenttag_id=self.tag_ids[code])
            for resident, pending in zip(created, self.pending, strict=True)
            for code in pending.tags
        ]
        through.objects.bulk_create(links, batch_size=2000)
        audit_record(
            actor=None,
            action="resident.bulk_create",
            object_type="people.resident",
            changes={"count": [None, len(created)], "source": [None, "demo"]},
        )
        self.pending = []

    # --- Departments and accounts -----------------------------------------------------------

    @staticmethod
    def _departments(place: Place, level: str, specs: Sequence[DepartmentSpec]) -> None:
        Department.objects.bulk_create(
            [
                Department(
                    name=d.name, short_name=d.short_name, level=level, sort=d.sort, place=place
                )
                for d in specs
            ]
        )
        audit_record(
            actor=None,
            action="department.bulk_create",
            object_type="places.department",
            changes={"place": [None, place.pk], "count": [None, len(specs)]},
        )

    def _accounts(self, admin: User, city: Place, password: str) -> None:
        for spec in ACCOUNTS:
            user = (
                admin
                if spec.username == admin.username
                else User.objects.create(
                    username=spec.username, first_name=spec.full_name, password=password
                )
            )
            role_grant(
                actor=admin,
                user=user,
                role=spec.role,
                may_view_full_pii=spec.may_view_full_pii,
                **_node(spec, city),
            )


# Buildings of a compound stand in rows of four, about 65 m apart north-south and 60 m
# east-west (degrees near 37.5°N), so a grid of whole buildings has a boundary of its own.
_ROW_STEP, _COLUMN_STEP, _PER_ROW = 0.0006, 0.0007, 4


def _building_position(origin: tuple[float, float], index: int) -> dict[str, float]:
    row, column = divmod(index, _PER_ROW)
    return {
        "latitude": round(origin[0] - row * _ROW_STEP, 6),
        "longitude": round(origin[1] + column * _COLUMN_STEP, 6),
    }


def _node(spec: AccountSpec, city: Place) -> dict[str, Any]:
    place = city
    for name in spec.place:
        place = Place.objects.get(parent=place, name=name)
    if spec.grid:
        return {"grid": Grid.objects.get(community=place, name=spec.grid)}
    if spec.department:
        return {"department": Department.objects.get(place=place, name=spec.department)}
    return {"place": place}
