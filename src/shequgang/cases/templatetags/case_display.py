"""Small display helpers for the case templates."""

from __future__ import annotations

from django import template

from shequgang.cases.models import Rung

register = template.Library()


@register.filter
def rung_label(value: int | None) -> str:
    """The ladder rung's name, e.g. 2 → "党小组（牵头议）"."""
    if value is None or value not in Rung.values:
        return ""
    return str(Rung(value).label)
