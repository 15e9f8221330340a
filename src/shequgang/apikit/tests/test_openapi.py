"""The OpenAPI document is served, complete and consistent: every operation declares its
responses and the schemas of its inputs, every reference resolves, and no response
schema carries personal data in full."""

import re

import pytest
from django.test import Client

# Response properties that would be personal data in full; responses show *_masked only.
_PLAINTEXT_PII = {"id_number", "phone", "address", "birth_date"}
_METHODS = {"get", "post", "put", "patch", "delete"}
# The tree and register endpoints.
_REGISTER = (
    "/api/v1/places",
    "/api/v1/grids",
    "/api/v1/households",
    "/api/v1/residents",
    "/api/v1/tokens",
)


@pytest.fixture
def spec(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in _METHODS:
                yield path, method, operation


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _property_names(spec, schema, seen=None):
    """Every property name reachable from ``schema``."""
    seen = set() if seen is None else seen
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return set()
        seen.add(schema["$ref"])
        return _property_names(spec, _resolve(spec, schema), seen)
    names = set(schema.get("properties", {}))
    children = list(schema.get("properties", {}).values())
    children += [
        schema[k] for k in ("items", "additionalProperties") if isinstance(schema.get(k), dict)
    ]
    for key in ("anyOf", "oneOf", "allOf"):
        children += schema.get(key, [])
    for child in children:
        names |= _property_names(spec, child, seen)
    return names


def test_the_register_is_never_public(spec):
    for path, _, operation in _operations(spec):
        if path.startswith(_REGISTER):
            assert operation.get("security"), path


def test_document_header(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"] == "1"
    schemes = spec["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}


def test_the_endpoints_of_the_brief_are_documented(spec):
    documented = {(method, path.removeprefix("/api/v1")) for path, method, _ in _operations(spec)}
    assert documented >= {
        ("get", "/places"),
        ("get", "/places/{place_id}"),
        ("patch", "/places/{place_id}"),
        ("get", "/places/{place_id}/children"),
        ("post", "/places/{place_id}/children"),
        ("get", "/places/{place_id}/subtree-counts"),
        ("get", "/grids/{grid_id}"),
        ("post", "/grids/{grid_id}/buildings"),
        ("get", "/households/{household_id}"),
        ("get", "/residents"),
        ("post", "/residents"),
        ("get", "/residents/{resident_id}"),
        ("patch", "/residents/{resident_id}"),
        ("post", "/residents/{resident_id}/reveal"),
        ("get", "/tokens"),
        ("post", "/tokens"),
        ("delete", "/tokens/{token_id}"),
    }


def test_every_operation_is_complete(spec):
    operation_ids = []
    for path, method, operation in _operations(spec):
        where = f"{method.upper()} {path}"
        operation_ids.append(operation["operationId"])
        responses = operation.get("responses", {})
        assert any(code.startswith("2") for code in responses), where
        # an authenticated operation may answer 401, and says so
        if operation.get("security"):
            assert "401" in responses, where
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                schema = _resolve(spec, response["content"]["application/json"]["schema"])
                assert {"code", "message"} <= set(schema["properties"]), (where, code)
        # every path parameter is declared with a schema
        declared = {p["name"]: p for p in operation.get("parameters", [])}
        for name in re.findall(r"{(\w+)}", path):
            assert declared[name]["in"] == "path" and declared[name]["schema"], (where, name)
        for parameter in declared.values():
            assert parameter.get("schema"), (where, parameter["name"])
        if method in {"post", "put", "patch"}:
            body = operation.get("requestBody")
            if body is not None:
                assert all(media.get("schema") for media in body["content"].values()), where
            else:
                assert declared, f"{where} takes neither a body nor parameters"
    assert len(operation_ids) == len(set(operation_ids))


def test_writes_with_a_json_body_declare_it(spec):
    for path, method, operation in _operations(spec):
        if method in {"post", "patch"} and path.startswith(_REGISTER):
            if path.endswith(("/import",)):
                continue
            body = operation.get("requestBody")
            assert body and body.get("required", False), f"{method} {path}"
            assert "application/json" in body["content"], f"{method} {path}"


def test_every_reference_resolves(spec):
    schemas = spec["components"]["schemas"]
    for ref in set(_refs(spec)):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref


def test_no_register_response_carries_personal_data_in_full(spec):
    for path, method, operation in _operations(spec):
        if not path.startswith(_REGISTER):
            continue
        for code, response in operation["responses"].items():
            if not code.startswith("2") or "application/json" not in response.get("content", {}):
                continue
            names = _property_names(spec, response["content"]["application/json"]["schema"])
            assert not names & _PLAINTEXT_PII, (method, path, names & _PLAINTEXT_PII)
            assert not {n for n in names if n.endswith(("_cipher", "_index"))}, (method, path)


_HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_docs_speak_chinese_first(spec):
    # Given the document a reader meets at /api/v1/docs
    info = spec["info"]
    # then the title and the description open in Chinese (English follows)
    assert _HAN.match(info["title"]), info["title"]
    first_line = info["description"].split("\n\n", 1)[0]
    assert _HAN.match(first_line) and "Authenticate" not in first_line
    assert "Authenticate" in info["description"]  # the English text is still there, after
    # and every operation's summary is Chinese
    english = [
        (method, path)
        for path, method, op in _operations(spec)
        if not _HAN.search(op.get("summary", ""))
    ]
    assert english == []
