"""In a real headless Chromium: the reveal button asks for the password in place (htmx),
a wrong one is said so, the right one shows the full value, and for the next fifteen
minutes another field opens without asking again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shequgang.browser_testing import BROWSER_MARKS, chromium
from shequgang.people import pii
from shequgang.testing import build_world

PASSWORD = "e2e-口令-2026"

pytestmark = BROWSER_MARKS


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        context.set_default_timeout(15_000)
        yield context.new_page()


def settled(page: Any) -> None:
    """htmx has swapped and settled (a locator: a string predicate would need eval,
    which the Content-Security-Policy forbids)."""
    page.locator(".htmx-request, .htmx-swapping, .htmx-settling").first.wait_for(state="detached")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_password_is_asked_in_place_before_the_full_value(page):
    # Given a secretary allowed to see full personal data, signed in through the page
    world = build_world()
    secretary = world.users["secretary_a"]
    secretary.set_password(PASSWORD)
    secretary.save(update_fields=["password"])
    a1 = world.residents["a1"]
    full_id = pii.decrypt(a1.id_number_cipher)
    page.goto(f"/login/?next=/residents/{a1.pk}/")
    page.fill("input[name=username]", "secretary_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/residents/{a1.pk}/")
    settled(page)

    # When she asks for the ID number, the password prompt replaces the button
    field = page.locator("#pii-id_number")
    field.locator("button").click()
    field.locator("input[type=password]").wait_for()
    settled(page)
    assert full_id not in page.content()
    # a wrong password is said so, in place
    field.locator("input[type=password]").fill("wrong")
    field.locator("button[type=submit]").click()
    page.locator("#pii-id_number .error", has_text="密码不正确").wait_for()
    settled(page)
    # Then the right one shows the full number
    page.locator("#pii-id_number input[type=password]").fill(PASSWORD)
    page.locator("#pii-id_number button[type=submit]").click()
    page.locator("#pii-id_number .revealed", has_text=full_id).wait_for()
    settled(page)

    # And the phone opens without asking again
    page.locator("#pii-phone button").click()
    page.locator("#pii-phone .revealed", has_text="13800000001").wait_for()
