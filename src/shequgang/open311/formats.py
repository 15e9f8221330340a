"""The two GeoReport v2 formats. Endpoints build plain data (lists of dicts); this module
writes it as JSON (lists are bare arrays) or as schemaless XML (a root element, one child
element per list item, the declaration with encoding="UTF-8"), and writes errors as the
spec's list of ``{code, description}``."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}

# The element a list's items are written as, by the list's own element name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

# Characters XML 1.0 cannot carry at all; text from any door is cleaned on the way out.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def render_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def respond(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """``data`` as ``fmt``; ``root`` names the XML root element (JSON has none)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        body = render_xml(root, data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(
    fmt: str, status: int, errors: Sequence[tuple[str, str]], *, allow: str = ""
) -> HttpResponse:
    """The spec's error list. ``code`` is the HTTP status (what GeoReport clients read);
    the stable machine code follows the Chinese description in brackets."""
    items = [{"code": status, "description": f"{message} [{code}]"} for code, message in errors]
    response = respond(fmt if fmt in FORMATS else "xml", "errors", items, status=status)
    if allow:
        response["Allow"] = allow
    return response
