"""The whole-city work queue can walk its partial index in queue order instead of sorting
every open case (the benchmark measures the planners' choice at 1,000,000 cases; a test
database is too small for them to prefer it, so here the alternatives are switched off)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequgang.cases.queries.selectors import work_queue
from shequgang.testing import World


def test_the_broad_queue_can_walk_its_partial_index_in_order(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("planner switches are PostgreSQL's")
    with CaptureQueriesContext(connection) as ctx:
        list(work_queue(world.admin)[:50])
    [query] = [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]]
    off = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
    with connection.cursor() as cursor:
        for name in off:
            cursor.execute(f"SET {name} = off")
        cursor.execute("EXPLAIN " + query)
        plan = " ".join(row[0] for row in cursor.fetchall())
        for name in off:
            cursor.execute(f"SET {name} = on")
    assert "Index Scan using case_queue_broad" in plan, plan
    assert "Sort" not in plan, plan


def test_the_index_condition_lists_the_statuses_in_the_queries_order(world: World) -> None:
    # SQLite uses a partial index only when the query's IN list matches its condition.
    with CaptureQueriesContext(connection) as ctx:
        list(work_queue(world.admin)[:50])
    [query] = [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]]
    ordered = [
        "acknowledged",
        "in_progress",
        "on_hold",
        "reopened",
        "returned",
        "submitted",
        "to_dispatch",
    ]
    positions = [query.index(f"'{status}'") for status in ordered]
    assert positions == sorted(positions), query
