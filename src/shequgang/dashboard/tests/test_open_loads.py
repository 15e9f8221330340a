"""The load tables (the ten grids and departments with the most open cases) read from
the open-load roll-ups: equal to a plain count over the cases for the city and each
county after every kind of write, ties broken by id, and the roll-ups equal to a
recount."""

import pytest
from django.core.management import call_command
from django.db.models import Count

from shequgang.cases import services as s
from shequgang.cases.models import OPEN_STATUSES, Case, Status
from shequgang.dashboard.access import DashboardScope
from shequgang.dashboard.models import DepartmentOpenTally, GridOpenTally
from shequgang.dashboard.recount import tallies_check, tallies_rebuild
from shequgang.dashboard.selectors import TOP, dashboard_figures
from shequgang.dashboard.triggers import tallies_named
from shequgang.places.models import Department, Grid

from .conftest import assert_in_step


def _plain_top(column: str, county_code: str | None = None) -> list[tuple[int, int]]:
    """The busiest ``column`` values counted over the cases themselves."""
    qs = Case.objects.filter(status__in=OPEN_STATUSES, **{f"{column}__isnull": False})
    if county_code:
        qs = qs.filter(county_code=county_code)
    rows = qs.values_list(column).annotate(n=Count("id")).order_by("-n", column)[:TOP]
    return list(rows)


def _assert_loads_equal_plain_counts(world) -> None:
    assert_in_step()
    scopes = [
        DashboardScope(world.city, None),
        DashboardScope(world.county_a, world.county_a.code),
        DashboardScope(world.county_b, world.county_b.code),
    ]
    for scope in scopes:
        f = dashboard_figures(scope=scope)
        assert [(g.id, g.open) for g in f.grids] == _plain_top("grid_id", scope.county_code)
        assert [(d.id, d.open) for d in f.departments] == _plain_top(
            "handler_department_id", scope.county_code
        )


@pytest.fixture
def busy(world, raise_case):
    """Fourteen grids of community A and twelve departments of county A, each with a
    different number of open cases (two pairs tied), so the top ten cut through them."""
    grids = [world.grid_a1, world.grid_a2] + [
        Grid.objects.create(community=world.community_a, name=f"第{i}号网格") for i in range(12)
    ]
    departments = [world.department] + [
        Department.objects.create(
            name=f"部门{i}", level=Department.Level.COUNTY, place=world.county_a
        )
        for i in range(11)
    ]
    template = raise_case(actor=world.users["nobody"])
    fields = {f.attname: getattr(template, f.attname) for f in Case._meta.concrete_fields}
    fields.pop("id")
    rows = []
    for g, grid in enumerate(grids):
        for k in range(g % 7 + 1):  # 1…7 cases: grids g and g + 7 tie
            department = departments[(g + k) % len(departments)]
            rows.append(
                Case(
                    **dict(
                        fields,
                        number=f"L-{g}-{k}",
                        grid_id=grid.pk,
                        handler_department_id=department.pk,
                        status=[Status.SUBMITTED, Status.IN_PROGRESS, Status.REOPENED][k % 3],
                    )
                )
            )
    return Case.objects.bulk_create(rows, batch_size=9)


def test_loads_equal_plain_counts_after_every_write_path(world, raise_case, busy):
    # Given open cases spread over 14 grids and 12 departments (bulk_create)
    _assert_loads_equal_plain_counts(world)
    assert GridOpenTally.objects.filter(n__gt=0).count() == 14
    # When cases leave the open statuses through the services
    leader, resident = world.users["group_a1"], world.users["nobody"]
    for case in busy[:3]:
        case = Case.objects.get(pk=case.pk)
        if case.status == Status.SUBMITTED:
            s.case_acknowledge(actor=leader, case=case)
        case = s.case_resolve(actor=leader, case=Case.objects.get(pk=case.pk), resolution="好")
    _assert_loads_equal_plain_counts(world)
    s.case_rate(
        actor=resident, case=Case.objects.get(pk=busy[0].pk), solved=True, satisfaction="basic"
    )
    _assert_loads_equal_plain_counts(world)
    # set-wise: cases move grid and department, a status the engine does not know, back
    # to open, grid and department cleared
    ids = [c.pk for c in busy]
    Case.objects.filter(pk__in=ids[3:9]).update(grid_id=world.grid_a2.pk)
    Case.objects.filter(pk__in=ids[9:14]).update(handler_department_id=world.department.pk)
    Case.objects.filter(pk__in=ids[14:18]).update(status="brand_new_status")
    _assert_loads_equal_plain_counts(world)
    Case.objects.filter(pk__in=ids[14:16]).update(status=Status.REOPENED)
    Case.objects.filter(pk__in=ids[18:20]).update(grid_id=None, handler_department_id=None)
    _assert_loads_equal_plain_counts(world)
    # save() of every column, as the admin does: a case moves to county B
    case = Case.objects.get(pk=ids[20])
    case.county_code = world.county_b.code
    case.save()
    _assert_loads_equal_plain_counts(world)
    # and deletes
    Case.objects.filter(pk__in=ids[21:30]).delete()
    _assert_loads_equal_plain_counts(world)
    assert tallies_check() == []


def test_a_grid_under_two_county_codes_is_summed_city_wide(world, raise_case, busy):
    # Given the least busy grid's cases split over both counties' codes (as a case whose
    # county was corrected by hand, keeping its grid, would be)
    last = _plain_top("grid_id")[-1][0]
    Case.objects.filter(grid_id=last).update(county_code=world.county_b.code)
    moved = Case.objects.filter(grid_id=last).first()
    assert moved is not None
    for i in range(3):
        Case.objects.create(
            **{
                f.attname: getattr(moved, f.attname)
                for f in Case._meta.concrete_fields
                if f.attname != "id"
            }
            | {"number": f"M-{i}", "county_code": world.county_a.code}
        )
    # Then it has a roll-up row in each county, and the city adds them up
    assert GridOpenTally.objects.filter(grid_id=last, n__gt=0).count() == 2
    _assert_loads_equal_plain_counts(world)
    city = dashboard_figures(scope=DashboardScope(world.city, None))
    assert last in [g.id for g in city.grids]


def test_names_and_order_of_the_load_tables(world, busy):
    f = dashboard_figures(scope=DashboardScope(world.county_a, world.county_a.code))
    assert len(f.grids) == len(f.departments) == TOP
    assert [g.open for g in f.grids] == sorted((g.open for g in f.grids), reverse=True)
    # ties (grids g and g + 7 have as many cases) by id
    tied = [(g.open, g.id) for g in f.grids]
    assert tied == sorted(tied, key=lambda t: (-t[0], t[1]))
    grid = Grid.objects.select_related("community").get(pk=f.grids[0].id)
    assert f.grids[0].name == str(grid)
    assert f.departments[0].name == Department.objects.get(pk=f.departments[0].id).name


def test_recount_checks_and_rebuilds_the_open_loads(world, busy):
    assert tallies_check() == []
    row = GridOpenTally.objects.filter(n__gt=0).first()
    assert row is not None
    GridOpenTally.objects.filter(pk=row.pk).update(n=row.n + 1)
    DepartmentOpenTally.objects.create(county_code=world.county_b.code, department_id=999, n=1)
    differences = tallies_check()
    assert {d.tally for d in differences} == {"grid_open", "department_open"}
    with pytest.raises(SystemExit):
        call_command("recount_tallies", "--check", "--tally", "grid_open")
    call_command("recount_tallies", "--check", "--tally", "state")  # the others are equal
    call_command("recount_tallies", "--tally", "grid_open", "--tally", "department_open")
    assert tallies_check() == []
    assert_in_step()
    assert tallies_rebuild(tallies_named("department_open")) == 12
