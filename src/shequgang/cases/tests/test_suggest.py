"""The category suggestion: trained on the categories and past cases, kept per process,
trained again when the categories change; its endpoint."""

from __future__ import annotations

import pytest

from shequgang.apikit.testing import api_client
from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create
from shequgang.cases.suggest import model
from shequgang.cases.suggest.evaluate import HELD_OUT_BYTE, evaluate, is_held_out
from shequgang.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_model() -> None:
    model.forget()


def _codes(text: str) -> list[str]:
    return [s.code for s in model.suggest_categories(text)]


def test_a_description_in_residents_words_suggests_its_category_first() -> None:
    # Given the default categories, when a resident describes a broken lift
    # then the lift comes first, among three suggestions with falling scores.
    found = model.suggest_categories("3号楼电梯又坏了，我妈被困在里面半小时")
    assert found[0].code == "lift"
    assert len(found) == 3
    assert found[0].score >= found[1].score >= found[2].score > 0


def test_blank_or_unknown_text_suggests_nothing() -> None:
    assert model.suggest_categories("   ") == []
    assert model.suggest_categories("qqqq") == []


def test_a_new_category_is_learnt_at_the_next_request() -> None:
    # Given a model already trained
    assert "falling_objects" not in _codes("高空抛物砸坏了车")
    # When an administrator adds a category (the reference generation moves with it)
    Category.objects.create(
        parent=Category.objects.get(code="safety"), code="falling_objects", name="高空抛物"
    )
    # Then the next suggestion knows it
    assert _codes("高空抛物砸坏了车")[0] == "falling_objects"


def test_a_retired_category_is_no_longer_suggested() -> None:
    assert _codes("电梯坏了")[0] == "lift"
    Category.objects.filter(code="lift").update(active=False)
    assert "lift" not in _codes("电梯坏了")


def test_past_cases_teach_the_words_of_the_city(world: World) -> None:
    # Given cases that call a broken 单元门 by a local word the keywords do not have
    door = Category.objects.get(code="building_door")
    for n in range(6):
        case_create(
            actor=world.users["grid_a1"],
            source=Source.GRID_PATROL,
            category=door,
            place=world.building_a1,
            title=f"铁将军把门打不开 {n}",
        )
    # When the model is trained again (a category changes)
    Category.objects.filter(code="roof_leak").update(name="屋面渗漏")
    # Then that word suggests the category
    assert _codes("铁将军打不开")[0] == "building_door"


def test_the_split_is_fixed_by_the_case_number() -> None:
    numbers = [f"141102-20261207-{n:05d}" for n in range(2000)]
    held = [n for n in numbers if is_held_out(n)]
    assert held == [n for n in numbers if is_held_out(n)]  # the same every time
    assert 0.15 < len(held) / len(numbers) < 0.25  # about HELD_OUT_BYTE / 256
    assert HELD_OUT_BYTE == 52


def test_evaluate_scores_both_test_sets() -> None:
    trained_on, scores = evaluate()
    assert trained_on == 0
    cases, phrases = scores
    assert cases.count == 0
    assert phrases.count == 96 and phrases.top3 >= phrases.top1 > phrases.count // 2


def test_the_endpoint_answers_three_with_scores(world: World) -> None:
    client = api_client(world.users["nobody"])
    r = client.get("/cases/suggest-category", {"text": "楼道里的灯晚上不亮"})
    assert r.status_code == 200, r.content
    items = r.json()["items"]
    assert items[0]["category"] == "stairwell_light"
    assert len(items) == 3 and set(items[0]) == {
        "category",
        "category_id",
        "name",
        "group",
        "score",
    }
    assert client.get("/cases/suggest-category", {"text": ""}).json() == {"items": []}


def test_the_endpoint_refuses_anonymous_callers_and_long_text(world: World) -> None:
    assert api_client(None).get("/cases/suggest-category", {"text": "电梯"}).status_code == 401
    r = api_client(world.users["nobody"]).get("/cases/suggest-category", {"text": "电" * 4001})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
