"""The overdue count (超期): exact at its boundaries for every status, and today's part
read from its partial index (dashboard.overdue; the days before today from the due-day
tally, test_due_day_tally)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequgang.cases.engine.deadlines import overdue_q, resolve_late_q
from shequgang.cases.models import CLOCK_STATUSES, Case, Status
from shequgang.dashboard.access import DashboardScope
from shequgang.dashboard.overdue import DROP_INDEX, INDEX, ensure_overdue_index
from shequgang.dashboard.selectors import dashboard_figures, overdue_count

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def scopes(world):
    return {
        "city": DashboardScope(world.city, None),
        "a": DashboardScope(world.county_a, world.county_a.code),
        "b": DashboardScope(world.county_b, world.county_b.code),
    }


def _set(case, *, status, due):
    Case.objects.filter(pk=case.pk).update(status=status, resolve_due_at=due)


@pytest.mark.parametrize("status", Status.values)
def test_each_status_at_the_deadline_boundary(world, raise_case, scopes, status):
    # Given three cases of county A in one status: due a second ago, due exactly now,
    # due in a second.
    before, at, after = (raise_case(now=NOW - dt.timedelta(days=30)) for _ in range(3))
    _set(before, status=status, due=NOW - SECOND)
    _set(at, status=status, due=NOW)
    _set(after, status=status, due=NOW + SECOND)
    # When the overdue figure is read at NOW
    counted = overdue_count(scopes["a"], NOW)
    # Then only the one due a second ago counts, and only if its clock runs.
    assert counted == (1 if status in CLOCK_STATUSES else 0)
    assert overdue_count(scopes["city"], NOW) == counted
    assert overdue_count(scopes["b"], NOW) == 0
    # A second later the one due at NOW is overdue too.
    assert overdue_count(scopes["a"], NOW + SECOND) == (2 if status in CLOCK_STATUSES else 0)


def test_equals_a_plain_count_by_county(world, raise_case, scopes):
    statuses = list(Status.values)
    for i in range(2 * len(statuses)):
        place = world.household_b if i % 3 == 0 else None
        case = raise_case(place=place, now=NOW - dt.timedelta(days=30))
        _set(case, status=statuses[i % len(statuses)], due=NOW + (i - 9) * SECOND)
    for when in (NOW - 10 * SECOND, NOW, NOW + 3 * SECOND, NOW + 20 * SECOND):
        plain = Case.objects.filter(resolve_late_q(when))
        assert overdue_count(scopes["city"], when) == plain.count()
        for key, county in (("a", world.county_a), ("b", world.county_b)):
            expected = plain.filter(county_code=county.code).count()
            assert overdue_count(scopes[key], when) == expected
    assert dashboard_figures(scope=scopes["city"], now=NOW).overdue == (
        Case.objects.filter(resolve_late_q(NOW)).count()
    )


def test_late_verification_is_not_the_figures_overdue(world, raise_case, scopes):
    # Given a case waiting for on-site verification: past its verification limit, within
    # its resolution deadline
    case = raise_case(now=NOW - dt.timedelta(days=30))
    Case.objects.filter(pk=case.pk).update(
        status=Status.VERIFYING, resolve_due_at=NOW + SECOND, verify_due_at=NOW - SECOND
    )
    # Then the lists' overdue rule has it (超时未核查) and the figure does not (超期 is
    # the resolution deadline alone, resolve_late_q)
    assert Case.objects.filter(overdue_q(NOW)).count() == 1
    assert Case.objects.filter(resolve_late_q(NOW)).count() == 0
    assert overdue_count(scopes["a"], NOW) == overdue_count(scopes["city"], NOW) == 0
    # Even past its resolution deadline: a case being verified has no running
    # resolution clock.
    assert overdue_count(scopes["a"], NOW + 2 * SECOND) == 0


def _overdue_query(scope):
    with CaptureQueriesContext(connection) as ctx:
        overdue_count(scope, timezone.now())
    [sql] = [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]]
    return sql


def test_sqlite_counts_from_the_partial_index(world, scopes):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's planner")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + _overdue_query(scopes["city"]))
        plan = " | ".join(row[-1] for row in cursor.fetchall())
    # Statuses as literals: SQLite matches the query to the index condition; with bound
    # parameters it scanned the county_code index instead. Only today's range is read.
    assert f"COVERING INDEX {INDEX} (status=? AND resolve_due_at>? AND resolve_due_at<?)" in plan, (
        plan
    )


def test_postgresql_can_count_from_the_partial_index(world, scopes):
    if connection.vendor != "postgresql":
        pytest.skip("planner switches are PostgreSQL's")
    off = ("enable_seqscan", "enable_bitmapscan")
    with connection.cursor() as cursor:
        for name in off:
            cursor.execute(f"SET {name} = off")
        cursor.execute("EXPLAIN " + _overdue_query(scopes["city"]))
        plan = " ".join(row[0] for row in cursor.fetchall())
        for name in off:
            cursor.execute(f"SET {name} = on")
    assert f"Index Only Scan using {INDEX}" in plan, plan


def test_the_index_comes_back_after_a_table_rebuild(db):
    # A SQLite rebuild of cases_case (a later migration's ALTER) drops indexes Django
    # does not know; post_migrate puts this one back.
    with connection.cursor() as cursor:
        cursor.execute(DROP_INDEX)
    assert INDEX not in _indexes()
    ensure_overdue_index()
    assert INDEX in _indexes()


def _indexes():
    with connection.cursor() as cursor:
        return {
            name
            for name, info in connection.introspection.get_constraints(cursor, "cases_case").items()
            if info["index"]
        }
