"""Text the databases cannot store — a lone surrogate (``"\\ud800"`` in JSON), NUL — in
any string position of any write endpoint, in a form field or in a query parameter, is
refused at the parser: 400 ``invalid_text`` with the error shape, and nothing is written.

The endpoints and their string positions come from the OpenAPI document, so a new endpoint
is covered without editing this file. Before the parser refused them, lone surrogates
answered 500 on dozens of write paths (breach 5 of issue #13)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create
from shequgang.grid.camera_alerts import (
    INTEGRATION_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    camera_integration_create,
    sign,
)
from shequgang.testing import World

from .openapi_samples import (
    Operation,
    document,
    fill_path,
    replace,
    sample,
    string_paths,
    write_operations,
)

DOC = document()
OPERATIONS = write_operations(DOC)
JSON_OPS = [op for op in OPERATIONS if op.content_type == "application/json"]


def _text_fields(op: Operation) -> dict[str, str]:
    fields = sample(op.body_schema, DOC)
    return {k: v for k, v in fields.items() if isinstance(v, str) and v != "file"}


# Forms with a text field (the register import takes only a file).
FORM_OPS = [op for op in OPERATIONS if "form" in op.content_type and _text_fields(op)]
WRITES = ("INSERT", "UPDATE", "DELETE")

# Who may use each part of the API in the test world (the first matching prefix), so a
# poisoned body would reach the write were the parser to let it through.
PERSONAS = [
    ("/api/v1/grid/", "grid_a1"),
    ("/api/v1/deliberations", "branch_a"),
    ("/api/v1/veterans/", "county_a_command"),
    ("/api/v1/places", "city_admin"),
    ("/api/v1/", "secretary_a"),
]

# Hostile text: a lone surrogate (either half) or NUL, somewhere inside ordinary text.
poison = st.builds(
    lambda before, bad, after: before + bad + after,
    st.text(max_size=5),
    st.one_of(st.integers(0xD800, 0xDFFF).map(chr), st.just("\x00")),
    st.text(max_size=5),
)


@pytest.fixture
def call(world: World) -> Callable[[Operation, str, Any, str], Any]:
    """Send one request as the persona for its path, with real ids for its placeholders;
    each request is rolled back afterwards (a savepoint), so the world stays as built."""
    case = case_create(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=Category.objects.get(code="stairwell_light"),
        place=world.household_a1,
        title="楼道灯坏了",
    )
    ids = {
        "case_id": case.pk,
        "number": case.number,
        "place_id": world.community_a.pk,
        "community_id": world.community_a.pk,
        "household_id": world.household_a1.pk,
        "grid_id": world.grid_a1.pk,
        "resident_id": world.residents["a1"].pk,
        "year": 2026,
    }
    _, secret = camera_integration_create(actor=world.admin, name="雪亮工程平台", key="xl")
    clients: dict[str, Client] = {}

    def signed(op: Operation, body: Any) -> dict[str, str]:
        # The camera webhook's signature is its authentication.
        if not op.path.endswith("/camera-alerts"):
            return {}
        ts = str(int(time.time()))
        raw = body.encode() if isinstance(body, str) else b""
        return {
            INTEGRATION_HEADER: "xl",
            TIMESTAMP_HEADER: ts,
            SIGNATURE_HEADER: sign(secret, ts, raw),
        }

    def send(op: Operation, content_type: str, body: Any, query: str = "") -> Any:
        url = fill_path(op.path, ids)
        name = next(who for prefix, who in PERSONAS if url.startswith(prefix))
        if name not in clients:
            clients[name] = Client()
            clients[name].force_login(world.users[name])
        sid = transaction.savepoint()
        try:
            with CaptureQueriesContext(connection) as queries:
                kwargs = {"content_type": content_type} if content_type else {}
                response = getattr(clients[name], op.method)(
                    url + query, body, headers=signed(op, body), **kwargs
                )
            # The idle-session middleware re-saves a session once a minute whatever the
            # request; on a loaded machine the loop outlasts that minute. It is not the
            # endpoint writing the text, so it does not count.
            written = [
                q["sql"]
                for q in queries
                if q["sql"].lstrip().upper().startswith(WRITES)
                and '"django_session"' not in q["sql"]
            ]
            response.written = written
            return response
        finally:
            transaction.savepoint_rollback(sid)
            transaction.savepoint_commit(sid)  # released, so savepoints do not nest

    return send


def _refused(response: Any) -> str | None:
    """Why ``response`` is not a clean refusal of unstorable text, or None if it is."""
    if response.status_code != 400:
        return f"status {response.status_code}"
    body = response.json()
    if body.get("code") != "invalid_text" or not body.get("message"):
        return f"body {body}"
    if response.written:
        return f"wrote {response.written[0][:80]}"
    return None


def _with_poisoned_key(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {**body, text: "x"}


@settings(
    max_examples=8,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=poison)
@example(text="\ud800")
@example(text="楼道\udfff灯")
@example(text="a\x00b")
def test_every_json_write_refuses_unstorable_text_in_every_string(call, text):
    # Given every JSON write endpoint of the document and a plausible body for each
    failures = []
    for op in JSON_OPS:
        body = sample(op.body_schema, DOC)
        # When the text goes into each string of the body in turn (and into a key)
        bodies = [replace(body, at, text) for at in string_paths(body)]
        bodies.append(_with_poisoned_key(body, text))
        for poisoned in bodies:
            response = call(op, "application/json", json.dumps(poisoned))
            # Then the parser refuses it, with the error shape, before anything is written
            if reason := _refused(response):
                failures.append(f"{op}: {reason}")
                break
    assert not failures, f"{len(failures)} endpoints:\n" + "\n".join(failures)


@pytest.mark.parametrize("op", FORM_OPS, ids=str)
def test_every_form_write_refuses_nul_in_every_field(call, op):
    # Given a form endpoint (phones post reports as multipart; Open311-style intake as
    # urlencoded) — a lone surrogate cannot be percent-encoded, Django decodes broken
    # UTF-8 to U+FFFD, so NUL is what remains to refuse
    fields = _text_fields(op)
    for name in fields:
        form = {**fields, name: "楼道\x00灯"}
        # When NUL is posted in that field
        if op.content_type.endswith("urlencoded"):
            response = call(op, op.content_type, urlencode(form))
        else:
            response = call(op, "", form)
        # Then it is refused at the parser and nothing is written
        assert _refused(response) is None, (name, response.status_code, response.content[:200])


def _query_operations() -> Iterator[tuple[str, str]]:
    for path, ops in DOC["paths"].items():
        for method, op in ops.items():
            for param in op.get("parameters", []):
                if param["in"] == "query" and method == "get":
                    yield path, param["name"]


def test_every_query_parameter_refuses_nul(call):
    # Given every query parameter of every GET endpoint
    failures = []
    for path, name in _query_operations():
        op = Operation("get", path, "", {})
        # When NUL is sent in it
        response = call(op, "", {name: "a\x00b"})
        # Then the parser refuses it, whatever the parameter's type
        if reason := _refused(response):
            failures.append(f"GET {path}?{name}: {reason}")
    assert not failures, "\n".join(failures)
