"""GET /api/v1/dashboard/figures: scope rules and figures on a small world."""

import datetime as dt

import pytest
from django.utils import timezone

from shequgang.apikit.testing import api_client
from shequgang.cases import services as s
from shequgang.cases.engine.measures import compute_measures
from shequgang.cases.models import Category, Status
from shequgang.cases.services.sweep import run_sweep
from shequgang.dashboard.access import DashboardScope
from shequgang.dashboard.selectors import (
    SHANGHAI,
    dashboard_figures,
    local_today,
    measures_from_tallies,
    month_start,
)


def get(world, persona, **params):
    return api_client(world.users[persona]).get("/dashboard/figures", params)


@pytest.fixture
def cases(world, raise_case):
    """County A: one resolved and rated, one open, one dispute, one merged, one overdue
    (raised 40 days ago); county B: one open."""
    resident, leader = world.users["nobody"], world.users["group_a1"]
    done = raise_case(actor=resident)
    s.case_acknowledge(actor=leader, case=done)
    s.case_resolve(actor=leader, case=done, resolution="好")
    s.case_rate(actor=resident, case=done, solved=True, satisfaction="basic")
    raise_case(actor=resident, latitude=37.52, longitude=111.14)
    raise_case("neighbour_dispute", actor=resident)
    dup = raise_case(actor=resident)
    s.case_merge(actor=world.users["secretary_a"], case=dup, into=done)
    late = raise_case(actor=resident, now=timezone.now() - dt.timedelta(days=40))
    raise_case("street_light", place=world.household_b, actor=resident)
    return {"done": done, "late": late}


def test_county_command_sees_its_county(world, cases):
    response = get(world, "county_a_command")  # no scope: their own
    assert response.status_code == 200
    body = response.json()
    assert body["scope"]["id"] == world.county_a.pk
    assert body["total"] == 5  # county B's case is not counted
    statuses = {s["status"]: s["n"] for s in body["by_status"]}
    assert statuses == {"submitted": 3, "closed": 1, "merged": 1}  # rated: closed
    assert body["open"] == 3
    assert body["overdue"] == 1  # the case raised 40 days ago, before any sweep
    assert [a["name"] for a in body["areas"]] == ["滨河街道"]
    assert body["areas"][0]["open"] == 3
    cats = {c["id"]: (c["this_week"], c["last_week"]) for c in body["categories"]}
    # Raised this week: three stairwell-light cases (one merged) and the dispute; the
    # case of 40 days ago is neither this week nor last.
    assert cats == {
        Category.objects.get(code="stairwell_light").pk: (3, 0),
        Category.objects.get(code="neighbour_dispute").pk: (1, 0),
    }
    by_code = get(world, "county_a_command", scope=world.county_a.code).json()
    assert by_code["scope"]["id"] == world.county_a.pk and by_code["total"] == 5


@pytest.mark.parametrize(
    "scope_of",
    [
        lambda w: w.county_b.code,
        lambda w: w.county_b.pk,
        lambda w: w.county_a.parent_id,  # the city
        lambda w: w.community_a.pk,  # not a city or county
        lambda w: 999999,
        lambda w: "141199",
    ],
)
def test_county_command_outside_its_scope_is_404(world, scope_of):
    response = get(world, "county_a_command", scope=scope_of(world))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_bad_scope_is_422(world):
    assert get(world, "county_a_command", scope="abc").status_code == 422
    assert get(world, "county_a_command", months=13).status_code == 422


@pytest.mark.parametrize("persona", ["worker_a", "grid_a1", "dept_handler", "nobody"])
def test_without_the_command_role_is_403(world, persona):
    response = get(world, persona, scope=world.county_a.code)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_anonymous_is_401(world):
    assert api_client(None).get("/dashboard/figures").status_code == 401


def test_city_admin_sees_both_counties(world, cases):
    body = get(world, "city_admin", scope=world.county_a.parent_id).json()
    assert body["total"] == 6
    assert {a["name"]: a["open"] for a in body["areas"]} == {
        world.county_a.name: 3,
        world.county_b.name: 1,
    }
    county_b = get(world, "city_admin", scope=world.county_b.code).json()
    assert county_b["total"] == 1


def test_red_cards_and_loads_after_the_sweep(world, cases):
    run_sweep(now=timezone.now())
    body = get(world, "county_a_command").json()
    assert body["red"] == 1  # the late case: escalated with a red card
    assert body["overdue"] == 0  # escalated: new deadline
    assert body["areas"][0]["red"] == 1
    assert sum(g["open"] for g in body["grids"]) <= body["open"]
    assert body["grids"] and body["grids"][0]["name"].endswith("第一网格")


def _month_window(now):
    first = month_start(local_today(now))
    start = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
    end = dt.datetime.combine(month_start(first, back=-1), dt.time(), tzinfo=SHANGHAI)
    return first, start, end


def test_measures_from_tallies_equal_compute_measures(world, cases):
    now = timezone.now()
    first, start, end = _month_window(now)
    for place, code in ((world.county_a, world.county_a.code), (world.county_a.parent, None)):
        scope = DashboardScope(place, code)
        tallied = measures_from_tallies(scope=scope, first=first, last=first)
        assert tallied == compute_measures(path=place.path, start=start, end=end)
    scope = DashboardScope(world.county_a, world.county_a.code)
    m = dashboard_figures(scope=scope, now=now).measures
    assert m.total == 3  # this month's county-A cases, merged left out
    assert (m.ratios["disputes_local"].numerator, m.ratios["disputes_local"].denominator) == (0, 1)
    body = get(world, "county_a_command").json()["measures"]
    assert body["total"] == 3
    assert body["ratios"]["satisfied"]["denominator"] == 1


def test_months_widen_the_measures(world, cases):
    body = get(world, "county_a_command", months=3).json()["measures"]
    assert body["total"] == 4  # with the case raised 40 days ago


def test_dispute_flag_edited_later_counts_at_once(world, cases):
    Category.objects.filter(code="stairwell_light").update(is_dispute=True)
    m = get(world, "county_a_command").json()["measures"]["ratios"]["disputes_local"]
    _first, start, end = _month_window(timezone.now())
    expected = compute_measures(path=world.county_a.path, start=start, end=end)
    assert (m["numerator"], m["denominator"]) == (
        expected.ratios["disputes_local"].numerator,
        expected.ratios["disputes_local"].denominator,
    )
    assert m["denominator"] == 3


def test_in_openapi(world):
    doc = api_client(world.users["city_admin"]).get("/openapi.json").json()
    assert "/api/v1/dashboard/figures" in doc["paths"]


def test_unknown_status_is_counted(world, cases):
    from shequgang.cases.models import Case

    Case.objects.filter(pk=cases["late"].pk).update(status="dispatched")
    body = get(world, "county_a_command").json()
    statuses = {s["status"]: (s["label"], s["open"]) for s in body["by_status"]}
    assert statuses["dispatched"] == ("dispatched", False)
    assert statuses[Status.SUBMITTED] == ("待签收", True)
