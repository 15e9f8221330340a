"""The lean case page (cases/queries/case_page.py) renders what the model path renders: for a
world of varied cases — statuses, rungs, categories, holders (nodes and departments),
raisers (residents, staff on a resident's behalf, anonymous), deadlines past and
future, dispatch and verification — every list endpoint's body equals, byte for byte,
``CasePageOut`` of ``CaseOut.build`` items (the detail endpoint's serializer) rendered
by the API, page after page, for every persona. And a page costs a fixed number of
queries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequgang.api import api as ninja_api
from shequgang.apikit.testing import api_client
from shequgang.cases import services as s
from shequgang.cases.access import case_scope_q
from shequgang.cases.api.out import case_out
from shequgang.cases.api.schemas import CaseOut, CasePageOut
from shequgang.cases.dispatch.rules import dispatch_queue_q
from shequgang.cases.models import Case, Rung, Source, Status
from shequgang.cases.queries.keyset import keyset_page
from shequgang.cases.queries.selectors import case_search, work_queue
from shequgang.grid.selectors import grid_queue
from shequgang.testing import World

_SALT = "shequgang.keyset"
_RELATED = ("category", "place", "handler_place", "handler_department", "dispatcher_place")


def model_page(user: User, cases: QuerySet[Case], *, cursor: str | None, limit: int) -> bytes:
    """The reference: the page as model instances and ``CaseOut.build``, dumped and
    rendered as ninja does for a view returning a ``CasePageOut``."""
    page = keyset_page(cases.select_related(*_RELATED), cursor=cursor, size=limit)
    now = timezone.now()
    out = CasePageOut(
        items=[CaseOut.model_validate(case_out(user, c, now=now)) for c in page.rows],
        next_cursor=page.next_cursor,
    )
    rendered = ninja_api.renderer.render(HttpRequest(), out.model_dump(), response_status=200)
    return rendered.encode() if isinstance(rendered, str) else bytes(rendered)


def assert_same_page(got: bytes, expected: bytes) -> str | None:
    """Equal bodies, cursors aside: a cursor is signed with the second it was made, so
    the two cursors must carry the same position instead. Returns the next cursor."""
    got_body, expected_body = json.loads(got), json.loads(expected)
    for mine, theirs in zip(got_body["items"], expected_body["items"], strict=True):
        assert mine == theirs
    cursor, reference = got_body["next_cursor"], expected_body["next_cursor"]
    assert (cursor is None) == (reference is None)
    if cursor is not None:
        assert signing.loads(cursor, salt=_SALT) == signing.loads(reference, salt=_SALT)
        got = got.replace(cursor.encode(), b"CURSOR")
        expected = expected.replace(reference.encode(), b"CURSOR")
    assert got == expected
    return cursor  # type: ignore[no-any-return]


@pytest.fixture
def varied(world: World, raise_case: Any, depts: Any) -> list[Case]:
    """Cases in many states, through the services where a step exists; the columns only
    the dispatch loop sets (dispatcher, verification clock) are written directly."""
    resident, other = world.users["nobody"], User.objects.create_user("other", password="x")
    world.users["other"] = other
    secretary, leader = world.users["secretary_a"], world.users["group_a1"]
    now = timezone.now()
    long_ago, last_week = now - dt.timedelta(days=40), now - dt.timedelta(days=7)
    made = [
        raise_case(place=world.household_a1, actor=resident, now=long_ago),  # overdue
        raise_case(place=world.household_a1, actor=other),
        raise_case(
            "neighbour_dispute",
            place=world.household_a1,
            actor=resident,
            anonymous=True,
            raiser_name="张三",
            raiser_phone="13912345678",
        ),
        raise_case(
            "stairwell_clutter",
            place=world.household_a2,
            actor=other,
            anonymous=True,
            now=last_week,
            raiser_name="李四",
            raiser_phone="13800001111",
        ),
        raise_case("lift", place=world.household_a1, actor=resident, now=last_week),
        raise_case(
            "street_light",
            place=world.household_a2,
            actor=secretary,
            source=Source.STAFF,
            raiser_name="王五",
            raiser_phone="13700002222",
        ),
        raise_case("street_light", place=world.household_b, actor=resident),
        raise_case("noise", place=world.household_b, actor=other, anonymous=True),
        raise_case("roof_leak", place=world.household_a1, actor=resident),
        raise_case("pets", place=world.household_a2, actor=resident, now=long_ago),
        raise_case("manhole", place=world.household_a1, actor=other),
        raise_case("stairwell_light", place=world.household_a1, actor=resident),
    ]
    c = made
    s.case_acknowledge(actor=leader, case=c[1])
    s.case_start(actor=leader, case=c[1])
    s.case_escalate(actor=world.users["central_a1"], case=c[2], reason="需党小组")
    s.case_supervise(actor=secretary, case=c[4], reason="加快")
    s.case_acknowledge(actor=secretary, case=c[5])
    s.case_hold(actor=secretary, case=c[5], reason="等预算")
    s.case_return(actor=world.users["branch_a"], case=c[3], reason="层级不对")
    s.case_acknowledge(actor=leader, case=c[11])
    s.case_resolve(actor=leader, case=c[11], resolution="已修好")
    s.case_merge(actor=secretary, case=c[10], into=c[0])
    # The dispatch loop's columns: at a department, waiting for dispatch from the
    # county, and waiting for on-site verification (one past its limit, one not).
    Case.objects.filter(pk=c[6].pk).update(
        rung=Rung.DEPARTMENT, handler_place=None, handler_department=depts.cgj
    )
    Case.objects.filter(pk=c[8].pk).update(
        status=Status.TO_DISPATCH, dispatcher_place=world.county_a
    )
    Case.objects.filter(pk=c[9].pk).update(
        status=Status.VERIFYING,
        dispatcher_place=world.community_a,
        verify_due_at=now - dt.timedelta(hours=5),
    )
    Case.objects.filter(pk=c[7].pk).update(
        status=Status.VERIFYING, verify_due_at=now + dt.timedelta(days=1)
    )
    return made


FILTERS: list[dict[str, Any]] = [
    {},
    {"mine": "holder"},
    {"mine": "raised"},
    {"overdue": "true"},
    {"status": "verifying"},
    {"category": "municipal"},
    {"category": "lift", "overdue": "true"},
]


def _search(user: User, params: dict[str, Any]) -> QuerySet[Case]:
    return case_search(
        user=user,
        status=params.get("status"),
        category=params.get("category"),
        overdue=params.get("overdue") == "true",
        mine=params.get("mine"),
    )


def test_every_page_of_the_list_is_what_the_model_path_renders(world, varied):
    for persona, user in sorted(world.users.items()):
        client = api_client(user, "token")
        for params in FILTERS:
            cursor = None
            while True:
                query = {**params, "limit": 3, **({"cursor": cursor} if cursor else {})}
                response = client.get("/cases", query)
                assert response.status_code == 200, response.content
                assert response["Content-Type"] == "application/json; charset=utf-8"
                expected = model_page(user, _search(user, params), cursor=cursor, limit=3)
                try:
                    cursor = assert_same_page(response.content, expected)
                except AssertionError as failed:
                    raise AssertionError(f"{persona} {query}") from failed
                if cursor is None:
                    break


def test_the_work_queue_is_the_queue_within_the_scope(world, varied):
    """``mine=holder`` checks the scope as an expression the planner cannot search by;
    the rows are those of the plain condition."""
    held = 0
    for persona, user in sorted(world.users.items()):
        plain = work_queue(user).filter(case_scope_q(user)).order_by("resolve_due_at", "id")
        got = list(case_search(user=user, mine="holder").values_list("id", flat=True))
        assert got == list(plain.values_list("id", flat=True)), persona
        held += len(got)
    assert held >= len(varied)


def test_the_world_covers_what_the_rows_can_show(world, varied):
    """The comparison above means something only if the pages show every kind of value."""
    seen: list[dict[str, Any]] = []
    for persona in ("city_admin", "group_a1", "secretary_a", "nobody", "dept_handler"):
        response = api_client(world.users[persona], "token").get("/cases", {"limit": 100})
        seen += response.json()["items"]
    assert any(i["overdue"] for i in seen) and not all(i["overdue"] for i in seen)
    assert any(i["status"] == "verifying" and i["overdue"] for i in seen)
    assert any(i["dispatcher"] is not None for i in seen)
    assert any(i["handler_department"] is not None for i in seen)
    assert any(i["handler_place"] is None for i in seen)
    assert any(i["supervised"] for i in seen)
    assert any(i["raised_by_me"] for i in seen) and not all(i["raised_by_me"] for i in seen)
    assert any(i["anonymous"] and i["raiser_name"] is None for i in seen)  # hidden
    assert any(i["anonymous"] and i["raiser_name"] == "张三" for i in seen)  # shown
    assert any(i["raiser_phone_masked"] == "137****2222" for i in seen)
    assert {i["rung"] for i in seen} >= {2, 3, 4, 6}
    assert len({i["status"] for i in seen}) >= 6
    assert len({i["category"]["code"] for i in seen}) >= 6


def test_the_dispatch_queue_and_a_grids_queue_render_as_the_model_path(world, varied):
    command, grid_worker = world.users["county_a_command"], world.users["grid_a1"]
    dispatch = (
        Case.objects.filter(dispatch_queue_q(command))
        .filter(case_scope_q(command))
        .order_by("assigned_at", "id")
    )
    for user, path, cases in (
        (command, "/dispatch/queue", dispatch),
        (grid_worker, "/grid/queue", grid_queue(grid_worker)),
    ):
        client = api_client(user, "token")
        cursor, shown = None, 0
        while True:
            query = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            response = client.get(path, query)
            assert response.status_code == 200, response.content
            shown += len(response.json()["items"])
            cursor = assert_same_page(
                response.content, model_page(user, cases, cursor=cursor, limit=1)
            )
            if cursor is None:
                break
        assert shown >= 1, path


def test_a_list_page_costs_four_queries_however_many_rows(world, varied, raise_case):
    """The token with its user, the role assignments, the page's ids (over the ordering
    columns alone), their rows by primary key: nothing per row."""
    client = api_client(world.users["secretary_a"], "token")
    client.get("/cases")  # the token's first use stamps it (an UPDATE, once a while)

    def page_queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/cases", {"limit": 50})
        assert response.status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    few = page_queries()
    for _ in range(5):
        raise_case(place=world.household_a2, anonymous=True, raiser_name="赵六")
    many = page_queries()
    assert len(few) == len(many) == 4, many
    token, assignments, page, rows = many
    assert "token" in token and "people_roleassignment" in assignments
    assert "cases_case" in page and "cases_case" in rows and "cases_case" not in token + assignments


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/dispatch/queue", "/api/v1/grid/queue"])
def test_the_document_still_describes_the_page(db, path):
    responses = ninja_api.get_openapi_schema()["paths"][path]["get"]["responses"]
    schema = responses[200]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/CasePageOut"}
