"""Page forms: parse what was typed; the rules are in the services."""

from __future__ import annotations

from django import forms

from shequgang.points.models import OrderStatus, Source, TxnKind

_PHOTO_TYPES = "image/jpeg,image/png,image/webp"


class LedgerFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="类型", required=False, choices=[("", "全部类型"), *TxnKind.choices]
    )
    source = forms.ChoiceField(
        label="来源", required=False, choices=[("", "全部来源"), *Source.choices]
    )
    owner = forms.CharField(label="用户名", required=False, max_length=150)
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DeskFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *OrderStatus.choices]
    )
    code = forms.CharField(label="取货码", required=False, max_length=12)


class GoodsForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    price = forms.IntegerField(label="所需积分", min_value=1, max_value=100_000)
    description = forms.CharField(label="说明", max_length=300, required=False)
    active = forms.BooleanField(label="上架", required=False, initial=True)
    photo = forms.FileField(
        label="照片",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": _PHOTO_TYPES}),
    )


class GoodsCreateForm(GoodsForm):
    stock = forms.IntegerField(label="库存", min_value=0, max_value=1_000_000)


class GoodsEditForm(GoodsForm):
    restock = forms.IntegerField(
        label="补货数量",
        required=False,
        initial=0,
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text="正数增加库存，负数减少；留空或0不变",
    )


class AwardForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    rule_code = forms.ChoiceField(label="积分规则")
    hours = forms.DecimalField(
        label="服务时长（小时）", required=False, min_value=0, max_value=24, decimal_places=2
    )
    source_ref = forms.CharField(label="来源编号", required=False, max_length=100)
    reason = forms.CharField(label="事由", max_length=200)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class AdjustmentForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    amount = forms.IntegerField(label="积分（负数为扣减）", min_value=-100_000, max_value=100_000)
    reason = forms.CharField(label="事由", max_length=200)
