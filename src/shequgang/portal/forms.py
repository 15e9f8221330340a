"""The one-screen raise form: where (the short list of the resident's own places), what
(their words), the category (a suggested chip or one of the list) and photos."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from shequgang.cases.models import Category
from shequgang.cases.web.forms import MultipleFileField
from shequgang.places.models import Place
from shequgang.text_rules import RuleTextField

TITLE_LENGTH = 30
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


def title_from(description: str) -> str:
    """The case's title from the resident's words: the first sentence, cut at
    ``TITLE_LENGTH`` characters."""
    first = _SENTENCE_END.split(description.strip(), maxsplit=1)[0].strip(" ，,。")
    first = first or description.strip()
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"


class RaiseForm(forms.Form):
    place = forms.TypedChoiceField(label="地点", coerce=int, widget=forms.RadioSelect)
    description = RuleTextField(
        label="遇到了什么问题",
        limit=4000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "用自己的话说说：什么问题、在哪里、多久了"}
        ),
    )
    category = forms.TypedChoiceField(label="类别", coerce=int)
    photos = MultipleFileField(label="照片（可不传）")

    def __init__(self, *args: Any, places: list[Place], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.places = {p.pk: p for p in places}
        place = self.fields["place"]
        assert isinstance(place, forms.TypedChoiceField)
        place.choices = [(p.pk, p.name) for p in places]
        category = self.fields["category"]
        assert isinstance(category, forms.TypedChoiceField)
        category.choices = list(
            Category.objects.filter(active=True, parent__active=True).values_list("pk", "name")
        )
        category.error_messages["required"] = "请点选一个类别"

    def clean_place(self) -> Place:
        return self.places[self.cleaned_data["place"]]

    def clean_category(self) -> Category:
        return Category.objects.get(pk=self.cleaned_data["category"])
