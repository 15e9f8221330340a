"""Forms of the residency pages. They carry what was typed; the rules (ID checksum,
phone, household, password strength) are the services', whose error codes
``FIELD_OF_CODE`` pins to the field they are about."""

from __future__ import annotations

from django import forms

from shequgang.people.models import Relation
from shequgang.text_rules import RuleTextField

FIELD_OF_CODE = {
    "name_required": "name",
    "name_too_long": "name",
    "name_unstorable": "name",
    "invalid_phone": "phone",
    "phone_taken": "phone",
    "invalid_id_number": "id_number",
    "id_number_taken": "id_number",
    "invalid_household": "household",
    "invalid_relation": "relation",
    "invalid_password": "password",
    "reason_required": "reason",
    "reason_too_long": "reason",
    "reason_unstorable": "reason",
    "reset_code_wrong": "code",
    "reset_code_used": "code",
    "reset_code_expired": "code",
}

_PHONE = {"autocomplete": "tel", "inputmode": "tel"}


class _PasswordTwice(forms.Form):
    password = forms.CharField(
        label="设置密码",
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="再次输入密码",
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return data


class RegisterForm(_PasswordTwice):
    name = forms.CharField(
        label="姓名", max_length=50, widget=forms.TextInput({"autocomplete": "name"})
    )
    phone = forms.CharField(label="手机号", max_length=32, widget=forms.TextInput(_PHONE))
    id_number = forms.CharField(
        label="身份证号码", max_length=32, widget=forms.TextInput({"autocomplete": "off"})
    )
    relation = forms.ChoiceField(
        label="与户主关系", choices=Relation.choices, initial=Relation.HEAD
    )
    household = forms.CharField(
        max_length=20, required=False, error_messages={"required": "请选择所住的户"}
    )
    field_order = ["name", "phone", "id_number", "relation", "household", "password", "password2"]


class ReapplyForm(forms.Form):
    relation = forms.ChoiceField(label="与户主关系", choices=Relation.choices)
    household = forms.CharField(max_length=20, required=False)


class RefuseForm(forms.Form):
    reason = RuleTextField(label="原因", limit=200)


class ResetForm(_PasswordTwice):
    phone = forms.CharField(label="手机号", max_length=32, widget=forms.TextInput(_PHONE))
    code = forms.CharField(
        label="验证码",
        max_length=16,
        widget=forms.TextInput({"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    field_order = ["phone", "code", "password", "password2"]


def apply_error(form: forms.Form, code: str, message: str) -> None:
    """Show a service's refusal at the field it is about (or above the form)."""
    field = FIELD_OF_CODE.get(code)
    form.add_error(field if field in form.fields else None, message)
