"""Forms for the case pages. They parse input and look up the objects it names; the
services in ``cases.services`` validate what matters (reasons, limits, photos, phones)
and raise ``DomainError`` with the Chinese message the page shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile

from shequgang.apikit.schemas import parse_pk
from shequgang.cases.dispatch.rules import default_department, dispatch_targets
from shequgang.cases.models import Case, Category, Rung, Satisfaction
from shequgang.people.place_picker import PlaceSearchWidget
from shequgang.people.roles import Perm
from shequgang.places.models import Department, Kind, Place
from shequgang.text_rules import RuleTextField

# Where a resident may say a matter is: a compound, a building (or unit) or a household.
RESIDENT_PLACE_KINDS = {Kind.COMPOUND, Kind.BUILDING, Kind.UNIT, Kind.HOUSEHOLD}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (``<input type=file multiple>``), in upload order.
    The services check the count, format and size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


# --- The place picked -----------------------------------------------------------------------


def picked_place(values: Sequence[str]) -> Place | None:
    """The deepest place chosen: the last non-empty ``place`` value."""
    for value in reversed(values):
        pk = parse_pk(value)
        if pk is not None:
            return Place.objects.filter(pk=pk).first()
    return None


# --- Raising a case ------------------------------------------------------------------------


def category_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Active leaf categories grouped under their 大类, in the admin's order."""
    leaves = Category.objects.filter(active=True, parent__active=True).select_related("parent")
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for c in leaves.order_by("parent__sort", "parent_id", "sort", "id"):
        assert c.parent is not None
        groups.setdefault(c.parent.pk, (c.parent.name, []))[1].append((c.pk, c.name))
    return list(groups.values())


class CaseRaiseForm(forms.Form):
    # Shown by the searchable picker; read from the request's ``place`` values.
    place = forms.CharField(
        label="地点",
        required=False,
        widget=PlaceSearchWidget(perm=Perm.CASE_RAISE, kinds=sorted(RESIDENT_PLACE_KINDS)),
    )
    category = forms.TypedChoiceField(label="类别", coerce=int)
    title = RuleTextField(
        label="标题",
        limit=100,
        widget=forms.TextInput(attrs={"placeholder": "一句话说明问题"}),
    )
    description = RuleTextField(
        label="详细描述",
        required=False,
        limit=4000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "时间、具体位置、影响等"}),
    )
    photos = MultipleFileField(label="照片", help_text="最多9张，可不传")
    anonymous = forms.BooleanField(
        label="对楼栋、小区匿名", required=False, help_text="社区及以上仍可看到您的姓名"
    )
    phone = forms.CharField(
        label="联系电话",
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text="选填，方便办理人员联系您",
    )

    def __init__(
        self, *args: Any, places: Sequence[str] = (), user: User | None = None, **kwargs: Any
    ) -> None:
        """``places``: the picker's values (``request.POST.getlist("place")``); ``user``
        scopes the picker's search."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        widget = self.fields["place"].widget
        assert isinstance(widget, PlaceSearchWidget)
        widget.user = user
        field = self.fields["category"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "请选择"), *category_choices()]
        self.picked: Place | None = picked_place(places)

    def clean_category(self) -> Category:
        category = Category.objects.filter(pk=self.cleaned_data["category"]).first()
        if category is None:
            raise forms.ValidationError("请选择类别")
        return category

    def clean(self) -> dict[str, Any] | None:
        if self.picked is None or self.picked.kind not in RESIDENT_PLACE_KINDS:
            self.add_error(None, "请选择到小区、楼栋或户")
        return super().clean()


# --- Actions on a case ---------------------------------------------------------------------


class ActionForm(forms.Form):
    """Base of the action forms: knows the case (for choices) and what it parses to."""

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.case = case


class ReasonForm(ActionForm):
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(ActionForm):
    resolution = forms.CharField(
        label="办理结果", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(label="现场照片")


class ExtensionRequestForm(ActionForm):
    days = forms.IntegerField(label="延期（工作日）", min_value=1, max_value=30, initial=3)
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(ActionForm):
    approve = forms.TypedChoiceField(
        label="审批",
        choices=[("1", "批准"), ("0", "驳回")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="意见", required=False)


def rung_choices() -> list[tuple[str, str]]:
    return [("", "按类别默认"), *((str(v), label) for v, label in Rung.choices)]


class RerouteForm(ActionForm):
    category = forms.TypedChoiceField(
        label="更正类别", coerce=int, required=False, empty_value=None
    )
    rung = forms.TypedChoiceField(label="起始层级", coerce=int, required=False, empty_value=None)
    reason = forms.CharField(label="说明", required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        category = self.fields["category"]
        rung = self.fields["rung"]
        assert isinstance(category, forms.TypedChoiceField)
        assert isinstance(rung, forms.TypedChoiceField)
        category.choices = [("", "不变"), *category_choices()]
        rung.choices = rung_choices()

    def clean_category(self) -> Category | None:
        pk = self.cleaned_data["category"]
        return None if pk is None else Category.objects.filter(pk=pk).first()


def transfer_targets(case: Case) -> list[tuple[str, str]]:
    """Where a case may be transferred on its rung: the other departments of its county
    and city, or the other nodes of the holder's kind under the same parent (the next
    building)."""
    if case.handler_department_id is not None:
        departments = dispatch_targets(case).exclude(pk=case.handler_department_id)
        return [(f"d:{d.pk}", d.name) for d in departments]
    holder = case.handler_place
    if holder is None or holder.parent_id is None:
        return []
    places = (
        Place.objects.filter(parent_id=holder.parent_id, kind=holder.kind)
        .exclude(pk=holder.pk)
        .order_by("path")
    )
    return [(f"p:{p.pk}", p.name) for p in places]


class TransferForm(ActionForm):
    to = forms.ChoiceField(label="流转给")
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "请选择"), *transfer_targets(case)]

    def targets(self) -> dict[str, Any]:
        kind, _, pk = str(self.cleaned_data["to"]).partition(":")
        if kind == "d":
            return {"to_department": Department.objects.get(pk=int(pk))}
        return {"to_place": Place.objects.get(pk=int(pk))}


class MergeForm(ActionForm):
    into = forms.CharField(
        label="并入事项编号", max_length=32, widget=forms.TextInput(attrs={"class": "mono"})
    )
    reason = forms.CharField(label="说明", required=False)


class CommentForm(ActionForm):
    text = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RateForm(ActionForm):
    solved = forms.TypedChoiceField(
        label="问题解决了吗",
        choices=[("1", "已解决"), ("0", "未解决")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label="满意度", choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = RuleTextField(
        label="评价", required=False, limit=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class EmptyForm(ActionForm):
    pass


class DispatchForm(ActionForm):
    """派遣: the departments of the case's county and city, the routing table's first."""

    department = forms.TypedChoiceField(label="派遣给", coerce=int)
    reason = RuleTextField(label="派遣说明", required=False, limit=1000)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.TypedChoiceField)
        default = default_department(case)
        targets = list(dispatch_targets(case))
        if default is not None:
            targets.sort(key=lambda d: d.pk != default.pk)
            field.initial = default.pk
        field.choices = [
            (d.pk, d.name + ("（派遣路由）" if default and d.pk == default.pk else ""))
            for d in targets
        ]

    def clean_department(self) -> Department | None:
        return Department.objects.filter(pk=self.cleaned_data["department"]).first()


class ReportForm(ActionForm):
    result = forms.CharField(
        label="办理结果", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(label="办理照片")


class VerifyForm(ActionForm):
    passed = forms.TypedChoiceField(
        label="核查结果",
        choices=[("1", "通过，办结"), ("0", "未通过，退回部门")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="说明（未通过时必填）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = MultipleFileField(label="现场照片", help_text="至少一张")


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "acknowledge": EmptyForm,
    "start": EmptyForm,
    "resolve": ResolveForm,
    "escalate": ReasonForm,
    "return": ReasonForm,
    "transfer": TransferForm,
    "request_extension": ExtensionRequestForm,
    "decide_extension": ExtensionDecisionForm,
    "hold": ReasonForm,
    "resume": ReasonForm,
    "supervise": ReasonForm,
    "reroute": RerouteForm,
    "merge": MergeForm,
    "request_dispatch": ReasonForm,
    "dispatch": DispatchForm,
    "report": ReportForm,
    "verify": VerifyForm,
    "rate": RateForm,
    "comment": CommentForm,
}


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False)
    category = forms.TypedChoiceField(label="类别", required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label="只看超期", required=False)
    q = forms.CharField(
        label="查找",
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "编号或标题", "aria-label": "查找"}
        ),
    )

    def __init__(self, *args: Any, statuses: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        category = self.fields["category"]
        assert isinstance(status, forms.ChoiceField)
        assert isinstance(category, forms.TypedChoiceField)
        status.choices = [("", "全部状态"), *statuses]
        status.widget.attrs["aria-label"] = "状态"
        category.widget.attrs["aria-label"] = "类别"
        category.choices = [("", "全部类别"), *category_choices()]
