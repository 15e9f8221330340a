"""Forms for the needs pages: parsing only; the rules live in the services."""

from __future__ import annotations

from django import forms

from shequgang.needs.models import DemandStatus, DemandType, Urgency, VisitOutcome


class VisitForm(forms.Form):
    outcome = forms.ChoiceField(choices=VisitOutcome.choices)
    met_whom = forms.CharField(required=False, max_length=200)
    revisit_on = forms.DateField(required=False)
    note = forms.CharField(required=False, max_length=2000)


class DemandForm(forms.Form):
    type = forms.ChoiceField(label="类型", choices=DemandType.choices)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.LOW)
    description = forms.CharField(label="需求描述", max_length=2000)
    consent = forms.BooleanField(label="居民同意记录", required=False)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=DemandStatus.choices)
    reason = forms.CharField(required=False, max_length=2000)


class DemandFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部状态"), *DemandStatus.choices], required=False
    )
    type = forms.ChoiceField(
        label="类型", choices=[("", "全部类型"), *DemandType.choices], required=False
    )
    urgency = forms.ChoiceField(
        label="紧急程度", choices=[("", "全部"), *Urgency.choices], required=False
    )
    campaign = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    place = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class CampaignForm(forms.Form):
    title = forms.CharField(label="名称", max_length=200)
    goal = forms.CharField(label="目标", max_length=400, required=False)
    starts_on = forms.DateField(label="开始日期")
    ends_on = forms.DateField(label="结束日期")
    targets = forms.TypedMultipleChoiceField(label="范围", coerce=int, choices=[])
    visitors = forms.TypedMultipleChoiceField(label="走访人", coerce=int, choices=[])

    def __init__(
        self,
        *args: object,
        targets: list[tuple[int, str]],
        visitors: list[tuple[int, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["targets"].choices = targets  # type: ignore[attr-defined]
        self.fields["visitors"].choices = visitors  # type: ignore[attr-defined]
