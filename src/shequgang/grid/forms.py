"""Forms of the grid pages. They parse input and look up what it names; the services
validate the rules (boundaries, moves, scope) and raise the messages the pages show."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib.auth.models import User

from shequgang.apikit.schemas import parse_pk
from shequgang.cases.models import Category
from shequgang.cases.web.forms import MultipleFileField, category_choices
from shequgang.people.place_picker import PlaceSearchWidget
from shequgang.people.roles import Perm
from shequgang.places.models import Grid, Kind, Place


class GridForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    code = forms.CharField(label="编码", max_length=32, required=False)
    boundary = forms.CharField(
        label="边界（GeoJSON）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"}),
        help_text='Polygon 或 MultiPolygon，坐标顺序为 [经度, 纬度]，例如 {"type": "Polygon", '
        '"coordinates": [[[111.14, 37.52], [111.15, 37.52], [111.15, 37.53], [111.14, 37.52]]]}',
    )
    latitude = forms.FloatField(label="中心纬度", required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label="中心经度", required=False, min_value=-180, max_value=180)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(grid: Grid) -> dict[str, Any]:
        return {
            "name": grid.name,
            "code": grid.code,
            "boundary": json.dumps(grid.boundary, ensure_ascii=False) if grid.boundary else "",
            "latitude": grid.latitude,
            "longitude": grid.longitude,
        }


class _PlaceIdsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Checkboxes of places; ids that are no database id are refused before the query
    (SQLite cannot even compare an integer past 64 bits)."""

    def clean(self, value: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else []:
            if parse_pk(item) is None:
                raise forms.ValidationError("选择不正确", code="invalid_pk_value")
        return super().clean(value)


class CutForm(forms.Form):
    """The buildings (and whole compounds) the grid should cover; ``move`` confirms
    taking buildings from other grids."""

    buildings = _PlaceIdsField(
        queryset=Place.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    compounds = _PlaceIdsField(
        queryset=Place.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    move = forms.BooleanField(required=False)

    def __init__(self, *args: Any, community: Place, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        below = Place.objects.filter(path__descendant=community.path)
        self.fields["buildings"].queryset = below.filter(kind=Kind.BUILDING)  # type: ignore[attr-defined]
        self.fields["compounds"].queryset = below.filter(kind=Kind.COMPOUND)  # type: ignore[attr-defined]


class WorkerForm(forms.Form):
    username = forms.CharField(label="账号（用户名）", max_length=150)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_username(self) -> User:
        user = User.objects.filter(
            username=self.cleaned_data["username"].strip(), is_active=True
        ).first()
        if user is None:
            raise forms.ValidationError("没有这个账号")
        return user


class ReportForm(forms.Form):
    """An event found on patrol, on a phone."""

    category = forms.TypedChoiceField(label="类别", coerce=int)
    place = forms.TypedChoiceField(label="地点", coerce=int)
    title = forms.CharField(
        label="标题",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "一句话说明问题"}),
    )
    description = forms.CharField(
        label="详细描述", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(label="照片", help_text="可拍照上传，最多9张")
    handled = forms.ChoiceField(
        label="处置方式",
        choices=[("dispatch", "需要派遣"), ("spot", "自行处置（已当场解决）")],
        initial="dispatch",
        widget=forms.RadioSelect,
    )
    handling = forms.CharField(
        label="现场处置情况",
        required=False,
        max_length=4000,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "自行处置时填写：做了什么、结果如何"}
        ),
    )
    latitude = forms.FloatField(
        required=False, widget=forms.HiddenInput, min_value=-90, max_value=90
    )
    longitude = forms.FloatField(
        required=False, widget=forms.HiddenInput, min_value=-180, max_value=180
    )

    def __init__(self, *args: Any, grid: Grid, user: User | None = None, **kwargs: Any) -> None:
        """``user`` scopes the place picker's search (the grid's places stay the choices)."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.TypedChoiceField)
        category.choices = [("", "请选择"), *category_choices()]
        place = self.fields["place"]
        assert isinstance(place, forms.TypedChoiceField)
        nodes = (
            Place.objects.filter(grid=grid)
            .select_related("parent")
            .order_by("path")
            .values_list("pk", "name", "kind", "parent__name")
        )
        place.choices = [("", "请选择")] + [
            (pk, name if kind == Kind.BUILDING else f"{parent} {name}")
            for pk, name, kind, parent in nodes
        ]
        widget = PlaceSearchWidget(perm=Perm.CASE_RAISE, kinds=sorted({k for *_, k, _ in nodes}))
        widget.user = user
        place.widget = widget

    def clean_category(self) -> Category:
        category = Category.objects.filter(pk=self.cleaned_data["category"]).first()
        if category is None:
            raise forms.ValidationError("请选择类别")
        return category

    def clean_place(self) -> Place:
        place = Place.objects.filter(pk=self.cleaned_data["place"]).first()
        if place is None:
            raise forms.ValidationError("请选择地点")
        return place
