"""``{% veterans_nav %}``: the staff menu entry, for users who hold the enrolment desk.
Meant for ``web/base.html``'s nav block (one line there)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from shequgang.veterans.access import VIEW, has_perm

register = template.Library()


@register.simple_tag(takes_context=True)
def veterans_nav(context: dict[str, Any]) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_perm(user, VIEW):
        return ""
    return format_html('<a href="{}">退役军人参保</a>', reverse("veterans:staff_home"))
