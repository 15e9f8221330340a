"""The case bodies built as dicts (``cases/api/out.py``) are what the schemas the endpoints
declare render: a body validates against ``CaseDetailOut`` / ``CaseOut`` / ``EventOut``
with exactly its fields, in the schema's order, and rendered again by ninja from the
schema it means the same (datetimes within the millisecond both write). The 201 of
raising a case, its replay under the same Idempotency-Key and the GET of the case are one
body, byte for byte."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpRequest
from pydantic import BaseModel

from shequgang.api import api as ninja_api
from shequgang.apikit.testing import API_PREFIX, api_client
from shequgang.cases import services as s
from shequgang.cases.api.schemas import CaseDetailOut, CaseOut, EventOut

from .conftest import jpeg_with_gps

pytestmark = pytest.mark.django_db


def assert_renders_as(schema: type[BaseModel], content: bytes) -> None:
    """``content`` is ``schema``'s body: its keys, in order, and the same values after
    ninja renders it from the schema (nested models included, through validation)."""
    parsed = schema.model_validate_json(content)
    assert list(json.loads(content)) == list(schema.model_fields)
    rendered = ninja_api.renderer.render(HttpRequest(), parsed.model_dump(), response_status=200)
    assert schema.model_validate_json(rendered) == parsed


def raise_case(client: Any, world: Any, **fields: Any) -> Any:
    data = {"category": "stairwell_light", "place": world.household_a1.pk, "title": "楼道灯坏了"}
    return client.client.post(
        f"{API_PREFIX}/cases",
        {**data, **fields},
        headers={**client.headers, "Idempotency-Key": "body-test-1"},
    )


def test_the_201_its_replay_and_the_get_are_one_body_the_schema_renders_alike(world):
    # Given a resident raising an anonymous case with a phone and a photo, by token
    resident = api_client(world.users["nobody"], "token")
    fields = {"anonymous": "true", "raiser_phone": "13800138000", "description": "三楼"}
    created = raise_case(resident, world, **fields, photos=[jpeg_with_gps()])
    assert created.status_code == 201, created.content
    # Then it is the schema's body
    assert_renders_as(CaseDetailOut, created.content)
    body = created.json()
    assert body["raiser_phone_masked"] == "138****8000" and len(body["photos"]) == 1
    assert [e["kind"] for e in body["events"]] == ["created", "assigned"]
    # And a retry gets the same bytes back, and so does the GET
    again = raise_case(resident, world, **fields, photos=[jpeg_with_gps()])
    assert again.status_code == 201 and again.content == created.content
    detail = resident.get(f"/cases/{body['id']}")
    assert detail.status_code == 200 and detail.content == created.content


@pytest.mark.parametrize("persona", ["group_a1", "worker_a", "secretary_a", "nobody"])
def test_details_and_steps_render_as_their_schemas_for_each_persona(world, raise_case, persona):
    # An anonymous resident's case, acknowledged, with a comment on its timeline
    case = raise_case(anonymous=True, raiser_phone="13800138000")
    s.case_acknowledge(actor=world.users["group_a1"], case=case)
    s.case_comment(actor=world.users["group_a1"], case=case, text="已联系物业")
    client = api_client(world.users[persona])
    detail = client.get(f"/cases/{case.pk}")
    if detail.status_code == 404:
        return  # not this persona's case: nothing to render
    assert_renders_as(CaseDetailOut, detail.content)
    if persona == "group_a1":
        step = client.post(f"/cases/{case.pk}/start", {})
        assert step.status_code == 200, step.content
        assert_renders_as(CaseOut, step.content)
        note = client.post(f"/cases/{case.pk}/comment", {"text": "明天到场"})
        assert note.status_code == 201, note.content
        assert_renders_as(EventOut, note.content)
