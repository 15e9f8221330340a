"""A register export with full values is a reveal: full ID numbers and phones only after
the password was typed again (as for ``/reveal``); otherwise, and always for a bearer
token, the masked sheet. A wrong password on the page exports nothing."""

from __future__ import annotations

from django.test import Client

from shequgang.apikit.testing import api_client
from shequgang.audit.models import AuditEntry
from shequgang.people import pii
from shequgang.people.tests.test_exporting import read
from shequgang.testing import World

API = "/residents/export"
PAGE = "/register/export.xlsx"


def id_numbers(content: bytes) -> set[str]:
    return {str(r["身份证号"]) for r in read(content)}


def full_ids(world: World) -> set[str]:
    return {pii.decrypt(world.residents[k].id_number_cipher) for k in ("a1", "a2")}


def masked_ids(world: World) -> set[str]:
    return {world.residents[k].id_number_masked for k in ("a1", "a2")}


def test_the_api_export_is_masked_until_the_password_is_confirmed(world: World) -> None:
    # given the secretary of 城东社区, granted full view, signed in but not re-confirmed
    secretary = api_client(world.users["secretary_a"], "session")
    # when she exports, then the ID numbers are masked
    masked = secretary.get(API, {"within": world.community_a.pk})
    assert masked.status_code == 200
    assert id_numbers(masked.content) == masked_ids(world)
    # when she confirms her password and exports again, then they are in full
    assert secretary.post("/auth/confirm-password", {"password": "x"}).status_code == 200
    full = secretary.get(API, {"within": world.community_a.pk})
    assert id_numbers(full.content) == full_ids(world)
    audited = AuditEntry.objects.filter(action="resident.export").order_by("id")
    assert [e.changes["full_values"][1] for e in audited] == [False, True]


def test_a_token_always_gets_the_masked_sheet(world: World) -> None:
    # given a system holding the secretary's token
    system = api_client(world.users["secretary_a"], "token")
    # when it exports, then the ID numbers are masked
    response = system.get(API, {"within": world.community_a.pk})
    assert response.status_code == 200
    assert id_numbers(response.content) == masked_ids(world)


def test_the_page_exports_in_full_only_with_the_right_password(world: World) -> None:
    client = Client()
    client.force_login(world.users["secretary_a"])
    form = {"within": world.community_a.pk}
    # without a password: masked
    masked = client.post(PAGE, form)
    assert masked.status_code == 200
    assert id_numbers(masked.content) == masked_ids(world)
    # with a wrong one: refused, nothing exported
    wrong = client.post(PAGE, {**form, "password": "wrong"})
    assert wrong.status_code == 403
    assert "密码不正确" in wrong.content.decode()
    assert AuditEntry.objects.filter(action="resident.export").count() == 1
    # with the right one: in full
    full = client.post(PAGE, {**form, "password": "x"})
    assert full.status_code == 200
    assert id_numbers(full.content) == full_ids(world)
