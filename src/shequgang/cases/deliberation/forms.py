"""The small forms of the deliberation pages. They only parse; the services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from shequgang.cases.engine.art278 import Choice, MatterType
from shequgang.cases.models import Rung

_NAME_SEPARATORS = re.compile(r"[\n\r,，、;；]+")


def split_names(text: str) -> list[str]:
    """Names typed one per line (or separated by 、 or commas)."""
    return [n.strip() for n in _NAME_SEPARATORS.split(text or "") if n.strip()]


class PlanForm(forms.Form):
    rung = forms.TypedChoiceField(label="议事层级", coerce=int)
    title = forms.CharField(label="议题", max_length=100)
    scheduled_at = forms.DateTimeField(
        label="会议时间",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location = forms.CharField(label="地点", max_length=200, required=False)
    agenda = forms.CharField(label="议程", max_length=4000, required=False, widget=forms.Textarea)
    invitee_names = forms.CharField(
        label="邀请参会居民",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个姓名",
    )

    def __init__(self, *args: Any, rungs: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rung"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(r, f"{Rung(r).label} · {node}") for r, node in rungs]


class InviteForm(forms.Form):
    names = forms.CharField(label="参会人姓名", max_length=4000, widget=forms.Textarea)


class SignInForm(forms.Form):
    attendee = forms.IntegerField(required=False, min_value=1)
    name = forms.CharField(label="到场人员姓名", max_length=50, required=False)


class OptionForm(forms.Form):
    text = forms.CharField(label="表决选项", max_length=100)


class HandVoteForm(forms.Form):
    attendee = forms.IntegerField(label="参会人", min_value=1)
    option = forms.IntegerField(label="选项", min_value=1)


class MinutesForm(forms.Form):
    minutes = forms.CharField(label="会议记录", max_length=20000, widget=forms.Textarea)


class DecideForm(forms.Form):
    decision = forms.CharField(label="议定事项", max_length=4000, widget=forms.Textarea)


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=500)


class EmptyForm(forms.Form):
    pass


class FollowUpForm(forms.Form):
    text = forms.CharField(label="任务内容", max_length=500)
    assignee = forms.CharField(label="负责人账号", max_length=150, required=False)
    due_on = forms.DateField(
        label="完成期限", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class FinishForm(forms.Form):
    follow_up = forms.IntegerField(min_value=1)
    note = forms.CharField(label="完成情况", max_length=500, required=False)


class OpenVoteForm(forms.Form):
    matter_type = forms.TypedChoiceField(
        label="表决事项（民法典第二百七十八条）",
        coerce=int,
        choices=[(m.value, f"（{m.value}）{m.label}") for m in MatterType],
    )


class DeveloperForm(forms.Form):
    entry = forms.IntegerField(min_value=1)
    developer_unsold = forms.TypedChoiceField(
        coerce=lambda v: v == "1", choices=[("1", "是"), ("0", "否")]
    )


class BallotForm(forms.Form):
    entry = forms.IntegerField(min_value=1)
    choice = forms.ChoiceField(choices=[(c.value, c.label) for c in Choice])
