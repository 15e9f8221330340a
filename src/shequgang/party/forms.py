"""Page forms: they parse and bound the input; the services validate the rules."""

from __future__ import annotations

from django import forms

from shequgang.party.models import MemberStatus


class MemberForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    status = forms.ChoiceField(label="类别", choices=MemberStatus.choices)
    id_number = forms.CharField(label="身份证号码", max_length=40, required=False)
    phone = forms.CharField(label="手机号码", max_length=32, required=False)


class ReportForm(forms.Form):
    community = forms.IntegerField(label="居住地社区", min_value=1)


class PairingForm(forms.Form):
    unit = forms.IntegerField(label="单位", min_value=1)
    started_on = forms.DateField(label="开始日期")
    contact_name = forms.CharField(label="对接联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="对接电话", max_length=32, required=False)
    offer = forms.CharField(
        label="共建内容", max_length=2000, required=False, widget=forms.Textarea
    )
