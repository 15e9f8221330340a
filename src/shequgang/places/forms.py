"""Forms for the place pages. They only parse input; the services validate the tree
rules and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from shequgang.apikit.schemas import parse_pk
from shequgang.places.models import PARENT_KINDS, Grid, Kind, Place

# The fields that apply to each kind of node (``name`` first). ``place_create`` and
# ``place_update`` reject compound or household attributes on other kinds.
FIELDS_BY_KIND: dict[str, list[str]] = {
    Kind.CITY: ["name", "code"],
    Kind.COUNTY: ["name", "code"],
    Kind.TOWN: ["name", "subtype", "code"],
    Kind.COMMUNITY: ["name", "subtype", "code"],
    Kind.COMPOUND: [
        "name",
        "management_mode",
        "property_company",
        "owners_committee",
        "latitude",
        "longitude",
    ],
    Kind.BUILDING: ["name", "latitude", "longitude"],
    Kind.UNIT: ["name"],
    Kind.HOUSEHOLD: ["name", "floor_area"],
}

SUBTYPES: dict[str, list[str]] = {
    Kind.TOWN: ["街道", "镇", "乡"],
    Kind.COMMUNITY: ["社区", "村"],
}


def child_kinds(parent: Place) -> list[Kind]:
    """The kinds of node that may be created directly under ``parent``."""
    return [kind for kind in Kind if parent.kind in PARENT_KINDS[kind]]


class PlaceForm(forms.Form):
    """Name and the attributes of one kind of node, for creating or editing it."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.kind = kind
        names = FIELDS_BY_KIND[kind]
        self.fields.update(forms.fields_for_model(Place, fields=names))
        if kind in SUBTYPES:
            self.fields["subtype"] = forms.ChoiceField(
                label="类型",
                choices=[("", "—"), *((s, s) for s in SUBTYPES[kind])],
                required=False,
            )

    @staticmethod
    def initial_for(place: Place) -> dict[str, Any]:
        return {name: getattr(place, name) for name in FIELDS_BY_KIND[place.kind]}

    def attributes(self) -> dict[str, Any]:
        """Everything but the name, as keyword arguments for the place services."""
        return {k: v for k, v in self.cleaned_data.items() if k != "name"}


class _BuildingChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def clean(self, value: Any) -> Any:
        # Ids that are no database id are refused before the query (SQLite cannot even
        # compare an integer past 64 bits; "²" passes isdigit() but not int()).
        for item in value if isinstance(value, list | tuple) else []:
            if parse_pk(item) is None:
                raise forms.ValidationError("选择不正确", code="invalid_pk_value")
        return super().clean(value)

    def label_from_instance(self, obj: Place) -> str:  # type: ignore[override]
        where = obj.parent.name if obj.parent is not None else ""
        grid = f"（现属{obj.grid.name}）" if obj.grid is not None else "（未划入网格）"
        return f"{where} {obj.name}{grid}"


class GridAssignForm(forms.Form):
    """Buildings of the grid's community to move into the grid."""

    def __init__(self, *args: Any, grid: Grid, candidates: QuerySet[Place], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.grid = grid
        self.fields["buildings"] = _BuildingChoiceField(
            label="划入本网格的楼栋",
            queryset=candidates,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": "请至少选择一栋楼"},
        )
