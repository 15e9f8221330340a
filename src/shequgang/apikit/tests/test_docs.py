"""The API docs work on an intranet with no way out: Swagger UI comes from our own
static files, and the page asks no outside host for anything."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

_ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.fixture
def docs_html(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def test_docs_load_only_local_assets(docs_html):
    assets = _ASSET.findall(docs_html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        assert not re.match(r"^(https?:)?//", asset), asset
        assert asset.startswith("/static/"), asset
        # and the file is really there to be served
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not re.search(r"https?://(?!localhost|127\.0\.0\.1)", docs_html.split("<body", 1)[0])


def test_docs_point_at_our_document_and_switch_the_validator_off(docs_html):
    found = re.search(r'id="swagger-settings">(.*?)</script>', docs_html, re.S)
    assert found is not None
    settings = json.loads(found.group(1))
    assert settings["url"] == "/api/v1/openapi.json"
    # Swagger UI would otherwise fetch a badge from validator.swagger.io
    assert settings["validatorUrl"] is None


def test_the_bundled_scripts_exist_and_load_nothing_at_start(db):
    init = finders.find("ninja/swagger-ui-init.js")
    assert init is not None
    with open(init, encoding="utf-8") as f:
        code = re.sub(r"//.*", "", f.read())
    assert not re.search(r"https?://", code)
