"""``{% residency_nav %}``: the staff menu entry 待认证居民, for the workers who confirm
residents' accounts (community workers, grid workers, community secretaries)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from shequgang.people.scope import has_perm_anywhere
from shequgang.residency.selectors import CONFIRMERS

register = template.Library()


@register.simple_tag(takes_context=True)
def residency_nav(context: dict[str, Any]) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_perm_anywhere(user, CONFIRMERS):
        return ""
    return format_html('<a href="{}">待认证居民</a>', reverse("residency:queue"))
