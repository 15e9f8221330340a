"""Forms of the activity pages: they parse and bound what was typed; the services in
``party.activities`` check the rules (time window, capacity, who may act)."""

from __future__ import annotations

from typing import Any

from django import forms

from shequgang.errors import DomainError
from shequgang.party.activities import ActivityInput
from shequgang.party.activity_models import ActivityKind
from shequgang.party.models import PairedUnit
from shequgang.places.models import Kind, Place
from shequgang.text_rules import RuleTextField

_NO_TIME = "请填写开始和结束时间"
_NOT_INTEGER = "名额和积分应为整数"


def form_data(form: forms.Form) -> dict[str, Any]:
    """The cleaned data of a bound form, or ``DomainError("invalid_input")`` carrying the
    first error's message, for a page that reports refusals as one message."""
    if form.is_valid():
        return form.cleaned_data
    first = next(iter(form.errors.values()))[0]
    raise DomainError("invalid_input", str(first))


class PublishForm(forms.Form):
    """Publishing an activity. ``publishers`` are the (value, label) choices of where the
    user may publish: ``c:<community>``, or ``u:<unit>:<community>`` for the liaison of a
    paired unit (computed for the user by the view)."""

    publisher = forms.ChoiceField(
        error_messages={"required": "请选择发布主体", "invalid_choice": "请选择发布主体"}
    )
    kind = forms.ChoiceField(choices=ActivityKind.choices, required=False)
    title = RuleTextField(label="标题", limit=100)
    location = RuleTextField(label="地点", limit=200)
    starts_at = forms.DateTimeField(error_messages={"required": _NO_TIME, "invalid": _NO_TIME})
    ends_at = forms.DateTimeField(error_messages={"required": _NO_TIME, "invalid": _NO_TIME})
    capacity = forms.IntegerField(
        error_messages={"required": "请填写名额", "invalid": _NOT_INTEGER}
    )
    points = forms.IntegerField(required=False, error_messages={"invalid": _NOT_INTEGER})
    activity_type = forms.CharField(required=False, max_length=40)
    description = RuleTextField(label="内容", limit=4000, required=False)
    skills_wanted = RuleTextField(label="技能", limit=200, required=False)

    def __init__(self, *args: Any, publishers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        publisher = self.fields["publisher"]
        assert isinstance(publisher, forms.ChoiceField)
        publisher.choices = publishers

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        where = str(data.get("publisher") or "")
        if where:
            parts = where.split(":")
            data["community"] = Place.objects.get(pk=int(parts[-1]), kind=Kind.COMMUNITY)
            data["unit"] = PairedUnit.objects.get(pk=int(parts[1])) if parts[0] == "u" else None
        return data

    def activity_input(self) -> ActivityInput:
        d = self.cleaned_data
        return ActivityInput(
            title=d["title"],
            location=d["location"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            capacity=d["capacity"],
            points=d["points"] or 0,
            kind=d["kind"] or ActivityKind.ACTIVITY,
            activity_type=d["activity_type"] or "volunteer_hour",
            description=d["description"],
            skills_wanted=d["skills_wanted"],
        )


class CodeForm(forms.Form):
    """Checking in or out with the on-site code (the service compares it)."""

    code = forms.CharField(required=False, max_length=32)


class RateForm(forms.Form):
    stars = forms.IntegerField(
        error_messages={"required": "请选择1至5星", "invalid": "请选择1至5星"}
    )
    comment = RuleTextField(label="评价", limit=300, required=False)


class CancelForm(forms.Form):
    reason = RuleTextField(label="取消原因", limit=500)


class ConfirmHoursForm(forms.Form):
    # The sign-up's id is looked up within the activity (NotFound alike for garbage).
    signup = forms.CharField(required=False, max_length=32)
    hours = forms.DecimalField(required=False, error_messages={"invalid": "时长应为数字"})
    note = RuleTextField(label="说明", limit=200, required=False)
