"""``{% points_nav %}``: the top-bar link to points (a resident's statement; staff reach
their ledgers from there). Meant for ``web/base.html``'s nav block (one line there)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def points_nav(context: dict[str, Any]) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return format_html('<a href="{}">积分</a>', reverse("points:mine"))
