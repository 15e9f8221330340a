"""A third-party Open311 client — written only from the spec, knowing nothing of our
code — discovers the endpoint, lists services, submits a request and reads it back, in
XML (the spec's required format) and in JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.test import Client

from .conftest import A1


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class GeoReportClient:
    """The calls a civic app makes: GET with a query string, POST form-encoded."""

    def __init__(self, http: Client, discovery_url: str, fmt: str = "xml") -> None:
        self.http, self.fmt = http, fmt
        discovery = self._get(discovery_url.replace(".xml", f".{fmt}"))
        spec = "http://wiki.open311.org/GeoReport_v2"
        if fmt == "xml":
            endpoints = [
                {"url": e.findtext("url"), "specification": e.findtext("specification")}
                for e in discovery.iter("endpoint")
            ]
        else:
            endpoints = discovery["endpoints"]
        self.base = next(e["url"] for e in endpoints if e["specification"] == spec)

    def _get(self, url: str) -> Any:
        parts = urlsplit(url)
        response = self.http.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert response.status_code == 200, response.content
        return self._parse(response.content)

    def _parse(self, content: bytes) -> Any:
        if self.fmt == "json":
            return json.loads(content)
        return ET.fromstring(content)

    def _records(self, parsed: Any) -> list[dict[str, str]]:
        if self.fmt == "json":
            return [{k: _plain(v) for k, v in item.items()} for item in parsed]
        return [{c.tag: c.text or "" for c in item} for item in parsed]

    def services(self) -> list[dict[str, str]]:
        return self._records(self._get(f"{self.base}/services.{self.fmt}"))

    def submit(self, **form: str) -> dict[str, str]:
        response = self.http.post(
            urlsplit(f"{self.base}/requests.{self.fmt}").path,
            urlencode(form),
            content_type="application/x-www-form-urlencoded; charset=utf-8",
        )
        assert response.status_code == 200, response.content
        return self._records(self._parse(response.content))[0]

    def requests(self, **query: str) -> list[dict[str, str]]:
        suffix = f"?{urlencode(query)}" if query else ""
        return self._records(self._get(f"{self.base}/requests.{self.fmt}{suffix}"))

    def request(self, request_id: str) -> dict[str, str]:
        [record] = self._records(self._get(f"{self.base}/requests/{request_id}.{self.fmt}"))
        return record


def _round_trip(located: Any, api_key: str, fmt: str) -> None:
    app = GeoReportClient(Client(), "http://testserver/open311/v2/discovery.xml", fmt)
    services = app.services()
    light = next(s for s in services if s["service_name"] == "路灯不亮")
    assert (light["type"], light["metadata"]) == ("realtime", "false")
    created = app.submit(
        api_key=api_key,
        service_code=light["service_code"],
        lat=str(A1[0]),
        long=str(A1[1]),
        description="小区门口路灯坏了",
        email="citizen@example.com",
    )
    request_id = created["service_request_id"]
    record = app.request(request_id)
    assert record["status"] == "open"
    assert record["service_code"] == light["service_code"]
    assert record["description"] == "小区门口路灯坏了"
    assert "citizen@example.com" not in json.dumps(record)
    listed = app.requests(status="open", service_code=light["service_code"])
    assert request_id in [r["service_request_id"] for r in listed]
    assert app.requests(status="closed") == []


def test_an_xml_client_lists_services_and_reads_requests(located, api_key):
    _round_trip(located, api_key, "xml")


def test_a_json_client_lists_services_and_reads_requests(located, api_key):
    _round_trip(located, api_key, "json")
