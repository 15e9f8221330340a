"""A resident downloads their own data (我的 → 我的数据, ``POST /api/v1/me/data``): only
their own, only after typing the password again, a few times a minute, audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from shequgang.apikit.testing import api_client
from shequgang.audit.models import AuditEntry
from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create
from shequgang.cases.services.followers import case_follow
from shequgang.people import pii
from shequgang.people.models import Resident
from shequgang.portal.tests.conftest import confirmed_resident
from shequgang.residency.tests.factories import PASSWORD, registered
from shequgang.spreadsheets.testing import cell_with, cells_with, formula_cells, workbook_cells
from shequgang.testing import World, synthetic_id

URL = reverse("portal:my_data")
OWN_ID = synthetic_id(birth=dt.date(1961, 2, 3))


def exports() -> int:
    return AuditEntry.objects.filter(action="resident.own_export").count()


@pytest.fixture
def me(world: World) -> User:
    """Confirmed in household A1, with a case of their own (whose text starts like a
    formula) and a neighbour's case they follow."""
    user = confirmed_resident(world, world.household_a1, name="刘桂兰", id_number=OWN_ID)
    light = Category.objects.get(code="stairwell_light")
    case_create(
        actor=user,
        source=Source.RESIDENT,
        category=light,
        place=world.household_a1,
        title="=HYPERLINK 楼道灯不亮",
    )
    theirs = case_create(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=light,
        place=world.household_a2,
        title="2号楼楼道灯也坏了",
    )
    case_follow(actor=user, case_id=theirs.pk)
    return user


@pytest.fixture
def neighbour(world: World) -> User:
    return confirmed_resident(world, world.household_a2, name="陈邻居", confirmer="grid_a2")


def _page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_fits_the_me_tab_and_asks_for_the_password(me):
    page = _page(me).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="password"' in html and "我的数据" in html
    assert URL in _page(me).get(reverse("portal:me")).content.decode()


def test_without_the_password_nothing_is_given_and_nothing_logged(me):
    client = _page(me)
    for password in ("", "not-my-password"):
        answer = client.post(URL, {"format": "xlsx", "password": password})
        assert answer.status_code == 400
        assert "密码不正确" in answer.content.decode()
        assert answer["Content-Type"].startswith("text/html")
    assert exports() == 0


def test_the_workbook_holds_my_data_decrypted_and_safe(world, me, neighbour):
    answer = _page(me).post(URL, {"format": "xlsx", "password": PASSWORD})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    content = answer.content
    # Then my register row, decrypted for me: name and full ID number
    assert "居民登记" in {c.sheet for c in cells_with(content, OWN_ID)}
    assert "居民登记" in {c.sheet for c in cells_with(content, "刘桂兰")}
    sheets = {c.sheet for c in workbook_cells(content)}
    assert {"居民登记", "账号", "我反映的事项", "我关注的事项", "积分", "活动报名"} <= sheets
    assert cell_with(content, "2号楼楼道灯也坏了").sheet == "我关注的事项"
    # And my own text that starts like a formula went through the shared writer
    assert not formula_cells(content)
    # And nothing of the neighbour's
    other = Resident.objects.get(user=neighbour)
    assert not [c for c in workbook_cells(content) if "陈邻居" in str(c.value)]
    assert not [
        c for c in workbook_cells(content) if pii.decrypt(other.id_number_cipher) in str(c.value)
    ]
    # And the copy is audited on my row, counts only
    entry = AuditEntry.objects.get(action="resident.own_export")
    assert entry.object_id == str(Resident.objects.get(user=me).pk)
    assert entry.changes["format"] == [None, "xlsx"]
    assert "刘桂兰" not in json.dumps(entry.changes, ensure_ascii=False)


def test_json_and_the_confirmation_lasts_a_while(me):
    client = _page(me)
    assert client.post(URL, {"format": "json", "password": PASSWORD}).status_code == 200
    # Within REAUTH_MINUTES the password need not be typed again
    answer = client.post(URL, {"format": "json"})
    assert answer.status_code == 200
    data = json.loads(answer.content)
    assert data["resident"]["id_number"] == OWN_ID
    assert [c["title"] for c in data["cases_raised"]] == ["=HYPERLINK 楼道灯不亮"]
    assert [f["title"] for f in data["cases_followed"]] == ["2号楼楼道灯也坏了"]
    assert client.post(URL, {"format": "pdf"}).status_code == 400
    assert exports() == 2


def test_rate_limited_per_login(me, neighbour, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "privacy.own_export": 2}
    client = _page(me)
    codes = [
        client.post(URL, {"format": "json", "password": PASSWORD}).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    assert exports() == 2
    # Another login is counted on its own
    assert _page(neighbour).post(URL, {"format": "json", "password": PASSWORD}).status_code == 200


def test_pending_staff_and_visitors_get_no_copy(world):
    pending = registered(world.household_a1, name="李待审")
    answer = _page(pending.user).post(URL, {"format": "json", "password": PASSWORD})
    assert answer.status_code == 409
    assert "认证" in answer.content.decode()
    # A staff login is not a resident: the resident pages send it to the staff home
    staff = _page(world.users["secretary_a"]).post(URL, {"format": "json", "password": "x"})
    assert staff.status_code == 302
    assert Client().post(URL, {"format": "json"}).status_code == 302
    assert exports() == 0


def test_the_api_needs_a_fresh_password_and_gives_only_my_own(world, me, neighbour):
    api = api_client(me)
    refused = api.post("/me/data", {"format": "json"})
    assert (refused.status_code, refused.json()["code"]) == (403, "reauth_required")
    assert api.post("/auth/confirm-password", {"password": PASSWORD}).status_code == 200
    answer = api.post("/me/data", {"format": "json"})
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert json.loads(answer.content)["resident"]["name"] == "刘桂兰"
    # A bad format is a 400 with a code; no id can be passed to reach someone else
    bad = api.post("/me/data", {"format": "pdf"})
    assert bad.status_code in (400, 422) and "code" in bad.json()
    # A bearer token cannot download, nor can a staff login (no resident account)
    assert api_client(me, "token").post("/me/data", {"format": "json"}).status_code == 403
    staff = api_client(world.users["secretary_a"])
    assert staff.post("/auth/confirm-password", {"password": "x"}).status_code == 200
    assert staff.post("/me/data", {"format": "json"}).status_code == 404
    assert exports() == 1
