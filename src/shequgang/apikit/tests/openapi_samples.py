"""The write operations of /api/v1/ as the OpenAPI document lists them, and a plausible
sample body for each, with the path to every string in it. Used by the hostile-text
tests to reach every string position of every endpoint without a hand-kept list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shequgang.api import api

WRITE_METHODS = ("post", "put", "patch", "delete")
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in the document, with {placeholders}
    content_type: str  # "" when the operation takes no body
    body_schema: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def document() -> dict[str, Any]:
    return api.get_openapi_schema()


def write_operations(doc: dict[str, Any]) -> list[Operation]:
    found = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method not in WRITE_METHODS:
                continue
            content: dict[str, Any] = op.get("requestBody", {}).get("content", {})
            content_type = next(iter(content), "")
            schema = content[content_type].get("schema", {}) if content_type else {}
            found.append(Operation(method, path, content_type, schema))
    return found


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(s, doc).get("type") != "null"]
            return _resolve(options[0], doc) if options else {"type": "null"}
    if "allOf" in schema:
        return _resolve(schema["allOf"][0], doc)
    return schema


def sample(schema: dict[str, Any], doc: dict[str, Any]) -> Any:
    """A value of ``schema``: every property present, strings in Chinese, dates valid."""
    schema = _resolve(schema, doc)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: sample(sub, doc) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [sample(schema.get("items", {}), doc)]
    if kind == "string":
        fmt = schema.get("format", "")
        if fmt == "date":
            return "2030-06-12"
        if fmt == "date-time":
            return "2030-06-12T19:30:00+08:00"
        if fmt == "binary":
            return "file"
        return "楼道灯坏了"[: schema.get("maxLength", 5)]
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return True
    return "楼道灯坏了"


def string_paths(value: Any, at: Path = ()) -> list[Path]:
    """Where the strings are in ``value``."""
    if isinstance(value, str):
        return [at]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in string_paths(v, (*at, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in string_paths(v, (*at, i))]
    return []


def replace(value: Any, at: Path, new: Any) -> Any:
    """A copy of ``value`` with the item at ``at`` replaced by ``new``."""
    if not at:
        return new
    head, rest = at[0], at[1:]
    if isinstance(value, dict):
        return {k: replace(v, rest, new) if k == head else v for k, v in value.items()}
    return [replace(v, rest, new) if i == head else v for i, v in enumerate(value)]


def fill_path(path: str, ids: dict[str, Any]) -> str:
    """``/cases/{case_id}/comment`` with a real id for each placeholder (``1`` if unknown)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)
