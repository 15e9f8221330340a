"""Forms for the resident pages. They parse input and choose the household within the
user's edit scope; the services validate ID numbers and phones, encrypt and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet

from shequgang.actors import UserLike
from shequgang.errors import DomainError, NotFound
from shequgang.people.models import Relation, Resident, ResidentStatus, ResidentTag
from shequgang.people.place_picker import PlaceSearchWidget
from shequgang.people.roles import Perm
from shequgang.people.scope import access_place
from shequgang.people.services import ResidentInput
from shequgang.places.models import Kind, Place

# Which field a service error belongs to; others are shown above the form.
_ERROR_FIELD = {
    "name_required": "name",
    "name_too_long": "name",
    "name_unstorable": "name",
    "household_required": "household",
    "invalid_household": "household",
    "not_found": "household",
    "invalid_relation": "relation",
    "invalid_status": "status",
    "id_number_format": "id_number",
    "id_number_birth_date": "id_number",
    "id_number_checksum": "id_number",
    "duplicate_id_number": "id_number",
    "invalid_phone": "phone",
    "unknown_tag": "tags",
    "reason_required": "reason",
    "reason_too_long": "reason",
    "reason_unstorable": "reason",
}


class PersonalDataInput(forms.TextInput):
    """A text input that never writes a value back into the page: personal data is shown
    only masked, so after a validation error it has to be typed again."""

    def format_value(self, value: Any) -> str | None:
        return None


class ResidentSearchForm(forms.Form):
    q = forms.CharField(label="查找", required=False, max_length=50)
    tag = forms.ChoiceField(label="标签", required=False)
    within = forms.IntegerField(label="范围", required=False, widget=forms.HiddenInput)
    inactive = forms.BooleanField(label="含迁出、死亡", required=False)

    def __init__(self, *args: Any, tags: QuerySet[ResidentTag], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        tag_field = self.fields["tag"]
        assert isinstance(tag_field, forms.ChoiceField)
        tag_field.choices = [("", "全部标签"), *((t.code, t.name) for t in tags)]


class ResidentForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    relation = forms.ChoiceField(label="与户主关系", choices=Relation.choices)
    id_number = forms.CharField(
        label="身份证号",
        required=False,
        max_length=24,
        widget=PersonalDataInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="电话",
        required=False,
        max_length=24,
        widget=PersonalDataInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label="户籍地址",
        required=False,
        max_length=200,
        help_text="与现住址不同时填写",
        widget=PersonalDataInput(attrs={"autocomplete": "off"}),
    )
    status = forms.ChoiceField(label="状态", choices=ResidentStatus.choices)
    tags = forms.ModelMultipleChoiceField(
        label="标签",
        queryset=ResidentTag.objects.filter(active=True),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label="备注", required=False, max_length=200)
    # Only on an edit: a correction of personal fields (PIPL Art. 46) says why.
    reason = forms.CharField(
        label="更正原因",
        required=False,
        max_length=200,
        help_text="修改姓名、所在户、身份证号、电话或户籍地址时必填；请勿在此填写身份证号等个人信息",
    )
    subject_request = forms.BooleanField(label="本人申请更正", required=False)

    field_order = ["name", "household", "relation", "id_number", "phone", "address"]

    def __init__(
        self, *args: Any, user: UserLike, resident: Resident | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        self.resident = resident
        # The searchable picker, scoped to the households the user may edit; the id is
        # checked again against that scope in ``clean_household``.
        widget = PlaceSearchWidget(perm=Perm.RESIDENT_EDIT, kinds=[Kind.HOUSEHOLD])
        widget.user = user if isinstance(user, User) else None
        self.fields["household"] = forms.IntegerField(label="所在户", min_value=1, widget=widget)
        self.order_fields(self.field_order)
        if resident is None:
            # New residents are registered as 在册.
            del self.fields["status"]
            del self.fields["reason"]
            del self.fields["subject_request"]
        else:
            for field, masked in (
                ("id_number", resident.id_number_masked),
                ("phone", resident.phone_masked),
                ("address", resident.address_masked),
            ):
                self.fields[field].help_text = (
                    f"当前：{masked}；留空则不修改" if masked else "未登记；留空则不修改"
                )

    @staticmethod
    def initial_for(resident: Resident) -> dict[str, Any]:
        return {
            "name": resident.name,
            "household": resident.household_id,
            "relation": resident.relation,
            "status": resident.status,
            "note": resident.note,
            "tags": list(resident.tags.all()),
        }

    def clean_household(self) -> Place:
        value = self.cleaned_data["household"]
        if isinstance(value, Place):
            return value
        try:
            place = access_place(self.user, value, Perm.RESIDENT_EDIT)
        except NotFound as exc:
            raise forms.ValidationError(exc.message) from None
        if place.kind != Kind.HOUSEHOLD:
            raise forms.ValidationError("请填写“户”的编号")
        return place

    def resident_input(self) -> ResidentInput:
        """The service input. Blank personal fields mean "unchanged" on an edit."""
        data = self.cleaned_data
        # Unchanged tags stay out of the input, so the audit row shows only real changes.
        tags_changed = self.resident is None or "tags" in self.changed_data
        return ResidentInput(
            name=data["name"],
            household=data["household"],
            relation=data["relation"],
            id_number=data["id_number"] or None,
            phone=data["phone"] or None,
            address=data["address"] or None,
            note=data["note"],
            status=data.get("status"),
            tags=[t.code for t in data["tags"]] if tags_changed else None,
            reason=data.get("reason") or None,
            subject_request=bool(data.get("subject_request")),
        )

    def add_service_error(self, exc: DomainError) -> None:
        field = _ERROR_FIELD.get(exc.code)
        self.add_error(field if field in self.fields else None, exc.message)
