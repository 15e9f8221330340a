"""``{% staff_tabbar %}``: the bottom bar of ``web/base.html`` (shown below 1024 px)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from shequgang.people.scope import active_assignments
from shequgang.web.staff_menu import tabs_for

register = template.Library()


@register.inclusion_tag("web/_tabbar.html", takes_context=True)
def staff_tabbar(context: template.Context) -> dict[str, Any]:
    user = context["user"]
    request = context.get("request")
    path = getattr(request, "path", "")
    roles = {a.role for a in active_assignments(user)}
    items = []
    for tab in tabs_for(roles, superuser=user.is_superuser):
        url = reverse(tab.url_name)
        current = path == url if url == "/" else path.startswith(url)
        items.append({"label": tab.label, "url": url, "current": current})
    return {"items": items}
