"""反映问题 in one screen: my places as a short list (my household first), my words, a
suggested category accepted with one tap; the case raised through ``case_create``."""

from __future__ import annotations

import pytest
from django.test import Client

from shequgang.cases.models import Case, Category, Source
from shequgang.portal.forms import title_from
from shequgang.testing import World

pytestmark = pytest.mark.django_db

WORDS = "三楼楼道的声控灯坏了一个星期，晚上老人下楼看不见。"


def test_the_form_offers_my_household_first_and_my_building_and_compound(
    client: Client, world: World, resident
) -> None:
    client.force_login(resident)
    page = client.get("/me/raise/").content.decode()
    household = page.index(f'name="place" value="{world.household_a1.pk}" checked')
    building = page.index(f'name="place" value="{world.building_a1.pk}"')
    compound = page.index(f'name="place" value="{world.compound_a.pk}"')
    assert household < building < compound
    assert page.count('name="place"') == 3  # nobody else's household
    assert 'name="title"' not in page  # the words are enough


def test_the_chips_suggest_three_categories_from_the_words(client: Client, resident) -> None:
    client.force_login(resident)
    page = client.get("/me/raise/chips/", {"description": WORDS}).content.decode()
    light = Category.objects.get(code="stairwell_light")
    assert page.count('name="category"') == 3
    assert page.index(f'value="{light.pk}"') < page.index("data-score")  # first chip
    assert "<html" not in page


def test_raising_from_the_words_and_an_accepted_chip(
    client: Client, world: World, resident
) -> None:
    # Given the chip the page suggested first
    light = Category.objects.get(code="stairwell_light")
    client.force_login(resident)
    # When the resident submits their words, their household and the chip
    r = client.post(
        "/me/raise/",
        {"place": world.household_a1.pk, "description": WORDS, "category": light.pk},
    )
    # Then a resident's case is raised there, titled from the first sentence
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/me/items/{case.pk}/"
    assert (case.source, case.raiser_id, case.place_id, case.category_id) == (
        Source.RESIDENT,
        resident.pk,
        world.household_a1.pk,
        light.pk,
    )
    assert case.title == "三楼楼道的声控灯坏了一个星期，晚上老人下楼看不见"
    assert case.description == WORDS


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": ""}, "请点选一个类别"),
        ({"description": " "}, "请填写遇到了什么问题"),
        ({"place": "household_a2"}, "选择一个有效的选项"),
    ],
)
def test_what_the_form_refuses(client: Client, world: World, resident, change, message) -> None:
    light = Category.objects.get(code="stairwell_light")
    data = {"place": world.household_a1.pk, "description": WORDS, "category": light.pk}
    data.update(change)
    if data["place"] == "household_a2":
        data["place"] = world.household_a2.pk  # a household that is not mine
    client.force_login(resident)
    r = client.post("/me/raise/", data)
    assert r.status_code == 400 and message in r.content.decode()
    assert not Case.objects.exists()


def test_the_title_is_the_first_sentence_cut_short() -> None:
    assert title_from("电梯坏了。已经三天") == "电梯坏了"
    assert title_from("一" * 40) == "一" * 29 + "…"
    assert title_from("\n 停水了！") == "停水了"
