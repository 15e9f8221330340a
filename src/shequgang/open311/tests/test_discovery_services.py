"""Service discovery, GET Service List and GET Service Definition, from the spec."""

from __future__ import annotations

import json

import pytest

from shequgang.cases.models import Category
from shequgang.open311.models import ServiceAttribute

from .conftest import BASE, rows, xml_root

FORMATS = ["json", "xml"]


def test_discovery_json_lists_the_endpoint_and_both_formats(web, db):
    response = web.get(f"{BASE}/discovery.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert data["changeset"].endswith("+08:00")


def test_discovery_xml_nests_endpoints_and_formats(web, db):
    root = xml_root(web.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_active_leaf_categories(web, world, fmt):
    Category.objects.filter(code="pets").update(active=False)
    response = web.get(f"{BASE}/services.{fmt}")
    assert response.status_code == 200
    services = {s["service_code"]: s for s in rows(response, fmt)}
    leaves = Category.objects.filter(active=True, children__isnull=True)
    assert set(services) == set(leaves.values_list("code", flat=True))
    assert "pets" not in services and "municipal" not in services  # inactive; a group
    light = services["street_light"]
    assert light["service_name"] == "路灯不亮"
    assert light["group"] == "市政设施"
    assert light["metadata"] == "false"
    assert light["type"] == "realtime"
    assert "路灯不亮" in light["keywords"] and "城市管理" in light["keywords"]
    assert "3个工作日内办结" in light["description"]


def test_services_xml_root_and_items(web, world):
    root = xml_root(web.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_with_attributes_has_metadata(web, world, fmt):
    ServiceAttribute.objects.create(
        category=Category.objects.get(code="street_light"),
        code="pole",
        description="灯杆编号",
        required=True,
    )
    services = {s["service_code"]: s for s in rows(web.get(f"{BASE}/services.{fmt}"), fmt)}
    assert services["street_light"]["metadata"] == "true"
    assert services["manhole"]["metadata"] == "false"


def test_service_definition_without_attributes_is_an_empty_list(web, world):
    data = json.loads(web.get(f"{BASE}/services/street_light.json").content)
    assert data == {"service_code": "street_light", "attributes": []}
    root = xml_root(web.get(f"{BASE}/services/street_light.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "street_light"
    attributes = root.find("attributes")
    assert attributes is not None and list(attributes) == []


def test_service_definition_with_attributes_json_and_xml(web, world):
    ServiceAttribute.objects.create(
        category=Category.objects.get(code="street_light"),
        code="kind",
        datatype="singlevaluelist",
        required=True,
        order=1,
        description="灯的类型",
        values=[{"key": "road", "name": "路灯"}, {"key": "garden", "name": "庭院灯"}],
    )
    data = json.loads(web.get(f"{BASE}/services/street_light.json").content)
    [attribute] = data["attributes"]
    assert attribute == {
        "variable": True,
        "code": "kind",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "灯的类型",
        "values": [{"key": "road", "name": "路灯"}, {"key": "garden", "name": "庭院灯"}],
    }
    root = xml_root(web.get(f"{BASE}/services/street_light.xml"))
    node = root.find("attributes/attribute")
    assert node is not None
    assert node.findtext("datatype") == "singlevaluelist"
    assert node.findtext("required") == "true"
    assert [v.findtext("key") for v in node.findall("values/value")] == ["road", "garden"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_code_is_404_in_the_error_list(web, world, fmt):
    response = web.get(f"{BASE}/services/no_such_thing.{fmt}")
    assert response.status_code == 404
    [error] = rows(response, fmt)
    assert error["code"] == "404" and "service_code" in error["description"]
    # A group (a parent category) is not a service either.
    assert web.get(f"{BASE}/services/municipal.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction_id_is_validated(web, world, fmt):
    assert web.get(f"{BASE}/services.{fmt}?jurisdiction_id=141100").status_code == 200
    assert web.get(f"{BASE}/services.{fmt}?jurisdiction_id=141102").status_code == 200
    assert web.get(f"{BASE}/services.{fmt}?jurisdiction_id=").status_code == 200  # = absent
    response = web.get(f"{BASE}/services.{fmt}?jurisdiction_id=sfgov.org")
    assert response.status_code == 404
    assert "jurisdiction_id" in rows(response, fmt)[0]["description"]
