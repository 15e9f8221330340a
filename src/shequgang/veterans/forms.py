"""Page forms. They only parse what was typed; the rules are in ``eligibility`` and the
services, which give the same answers to the pages and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet

from shequgang.people.place_picker import PlaceSearchWidget
from shequgang.places.models import Place
from shequgang.veterans.access import INTAKE_KINDS
from shequgang.veterans.models import Program
from shequgang.veterans.services import ApplicationCorrection, ApplicationInput

# The registration choice for people registered outside the program's areas: the rules
# then answer ``not_registered`` with the reason, rather than the form refusing silently.
ELSEWHERE = "elsewhere"


def _group_choices(program: Program) -> list[tuple[str, str]]:
    return [(pg.group.code, pg.group.name) for pg in program.groups.select_related("group")]


def _area_choices(program: Program) -> list[tuple[str, str]]:
    return [(a.code, a.name) for a in program.areas.all()]


class ApplyForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(
        label="身份证号码",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label="联系电话", max_length=32, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    group = forms.ChoiceField(label="人员类别")
    registration_code = forms.ChoiceField(label="户籍所在县（市、区）")
    certificate = forms.CharField(label="优待证号", max_length=64, required=False)
    consent = forms.BooleanField(label="", required=False)

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program = program
        group_field = self.fields["group"]
        area_field = self.fields["registration_code"]
        assert isinstance(group_field, forms.ChoiceField)
        assert isinstance(area_field, forms.ChoiceField)
        group_field.choices = [("", "请选择"), *_group_choices(program)]
        area_field.choices = [
            ("", "请选择"),
            *_area_choices(program),
            (ELSEWHERE, "其他地区（非吕梁籍）"),
        ]
        self.fields["consent"].label = f"本人同意将以上信息提供给{program.insurer}用于投保"

    def to_input(self, intake_place: Place | None = None) -> ApplicationInput:
        data = self.cleaned_data
        return ApplicationInput(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            certificate=data.get("certificate") or "",
            group=data["group"],
            registration_code=data["registration_code"],
            consent=bool(data.get("consent")),
            intake_place=intake_place,
        )


class CheckForm(ApplyForm):
    """The same fields, all optional: the check explains whatever is missing."""

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, program=program, **kwargs)
        for field in self.fields.values():
            field.required = False


class StaffApplyForm(ApplyForm):
    # The searchable picker (city, county, town or community); the id it sends is
    # checked against ``places``, where the user may take applications.
    intake_place = forms.ModelChoiceField(
        label="受理地点",
        queryset=Place.objects.none(),
        widget=PlaceSearchWidget(kinds=list(INTAKE_KINDS)),
        error_messages={
            "required": "请选择受理地点",
            "invalid_choice": "所选受理地点不存在或不在您的辖区",
        },
    )

    def __init__(
        self,
        *args: Any,
        program: Program,
        places: QuerySet[Place],
        user: User | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, program=program, **kwargs)
        field = self.fields["intake_place"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = places
        assert isinstance(field.widget, PlaceSearchWidget)
        field.widget.user = user
        self.order_fields(["intake_place"])
        self.fields["consent"].label = "申请人已同意将以上信息提供给承保机构"


class StatusForm(forms.Form):
    reference = forms.CharField(label="受理编号", max_length=32)
    id_tail = forms.CharField(label="身份证号码后6位", min_length=6, max_length=6)


class CorrectForm(forms.Form):
    """Blank fields stay as they are."""

    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(label="身份证号码", max_length=32, required=False)
    phone = forms.CharField(label="联系电话", max_length=32, required=False)
    certificate = forms.CharField(label="优待证号", max_length=64, required=False)
    group = forms.ChoiceField(label="人员类别", required=False)
    registration_code = forms.ChoiceField(label="户籍所在县（市、区）", required=False)
    reason = forms.CharField(label="更正原因", max_length=200)

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field = self.fields["group"]
        area_field = self.fields["registration_code"]
        assert isinstance(group_field, forms.ChoiceField)
        assert isinstance(area_field, forms.ChoiceField)
        group_field.choices = [("", "不变"), *_group_choices(program)]
        area_field.choices = [("", "不变"), *_area_choices(program)]

    def to_correction(self) -> ApplicationCorrection:
        data = self.cleaned_data

        def given(field: str) -> str | None:
            value = (data.get(field) or "").strip()
            return value or None

        return ApplicationCorrection(
            name=given("name"),
            id_number=given("id_number"),
            phone=given("phone"),
            certificate=given("certificate"),
            group=given("group"),
            registration_code=given("registration_code"),
        )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=200)
