"""The category suggestion's endpoint (mounted at /api/v1): the three likeliest 小类 for
the words of a report being written, so a form can offer them as one-tap choices."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from shequgang import reference_cache
from shequgang.apikit.auth import request_user
from shequgang.apikit.schemas import SafeStr, errors
from shequgang.cases.suggest.model import Suggestion, suggest_categories

router = Router(tags=["事项分类·统计·消息"])


class SuggestQuery(Schema):
    text: Annotated[SafeStr, Field(max_length=4000, description="问题描述")] = ""


class SuggestionOut(Schema):
    category: str = Field(description="小类代码")
    category_id: int
    name: str = Field(description="小类名称")
    group: str = Field(description="大类名称")
    score: float = Field(description="模型给出的概率（0–1）")

    @staticmethod
    def build(s: Suggestion) -> SuggestionOut:
        return SuggestionOut(
            category=s.code, category_id=s.category_id, name=s.name, group=s.group, score=s.score
        )


class SuggestionsOut(Schema):
    items: list[SuggestionOut]


@router.get(
    "/cases/suggest-category",
    response={200: SuggestionsOut, **errors()},
    summary="根据描述推荐事项类别",
)
def suggest_category(request: HttpRequest, query: Query[SuggestQuery]) -> SuggestionsOut:
    """Up to three leaf categories for ``text``, likeliest first, each with the model's
    probability; no items for blank text. Trained on the categories' names and keywords
    and past cases (``docs/category_suggestion.md``)."""
    user = request_user(request)
    found = suggest_categories(query.text, generation=reference_cache.generation_of(user))
    return SuggestionsOut(items=[SuggestionOut.build(s) for s in found])
