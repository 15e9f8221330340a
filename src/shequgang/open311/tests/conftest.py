"""Helpers for the Open311 tests: a client with a key, places with coordinates, and a
reader that turns either format into the same rows so each test runs for both."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
import zoneinfo
from typing import Any

import pytest
from django.test import Client

from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create
from shequgang.open311.models import Open311Client
from shequgang.open311.services import client_issue_key
from shequgang.places.models import Place

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BASE = "/open311/v2"
# 滨东花园 1号楼 and 2号楼, about 110 m apart; 建昌社区 far away in another county.
A1 = (37.5200, 111.1400)
A2 = (37.5210, 111.1400)
B = (37.2600, 111.7800)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def rows(response: Any, fmt: str) -> list[dict[str, str]]:
    """A list response (requests, services, errors …) as dicts of strings, whatever
    the format; XML is parsed with ElementTree, so it must be well-formed."""
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        data = json.loads(response.content)
        assert isinstance(data, list), "JSON lists are bare arrays"
        return [{k: _plain(v) for k, v in item.items()} for item in data]
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    return [{child.tag: child.text or "" for child in item} for item in root]


def xml_root(response: Any) -> ET.Element:
    return ET.fromstring(response.content)


@pytest.fixture
def located(world):
    """Coordinates on the buildings and the other county's community."""
    Place.objects.filter(pk=world.building_a1.pk).update(latitude=A1[0], longitude=A1[1])
    Place.objects.filter(pk=world.building_a2.pk).update(latitude=A2[0], longitude=A2[1])
    Place.objects.filter(pk=world.community_b.pk).update(latitude=B[0], longitude=B[1])
    return world


@pytest.fixture
def api_key(world) -> str:
    client = Open311Client.objects.create(name="随手拍 App", jurisdiction=world.city)
    return client_issue_key(actor=world.admin, client=client)


@pytest.fixture
def web() -> Client:
    return Client()


@pytest.fixture
def post(web, api_key):
    """POST requests.{fmt} with a valid key and the given form fields."""

    def send(fmt: str = "json", **fields: Any) -> Any:
        form = {"api_key": api_key, **fields}
        form = {k: v for k, v in form.items() if v is not None}
        return web.post(f"{BASE}/requests.{fmt}", form)

    return send


@pytest.fixture
def raise_case(world):
    def make(code: str = "street_light", place: Place | None = None, **kw: Any):
        return case_create(
            actor=world.users["nobody"],
            # Filed as through Open311 itself: published with its words.
            source=kw.pop("source", Source.OPEN311),
            category=Category.objects.get(code=code),
            place=place or world.building_a1,
            title=kw.pop("title", "路灯不亮"),
            **kw,
        )

    return make
