"""The site's icon: a local file at /favicon.ico (WhiteNoise serves web/root/), linked from
the base template, so no page's request for it ends in a 404."""

from __future__ import annotations

import io

from django.test import Client
from PIL import Image


def test_favicon_is_served_at_the_root_as_an_icon(db):
    # Given an anonymous browser, when it asks for the icon every page implies
    response = Client().get("/favicon.ico")
    # then it gets a real .ico, not a 404
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    icon = Image.open(io.BytesIO(body))
    assert icon.format == "ICO" and icon.size[0] >= 16


def test_pages_link_the_icon(db):
    page = Client().get("/login/")
    assert page.status_code == 200
    assert '<link rel="icon" href="/favicon.ico"' in page.content.decode()
