"""The command-centre link of the top bar, for those who may watch one."""

from __future__ import annotations

from typing import Any

from django import template

from shequgang.dashboard.access import may_watch

register = template.Library()


@register.inclusion_tag("dashboard/_nav.html", takes_context=True)
def dashboard_nav(context: template.Context) -> dict[str, Any]:
    user = context["user"]
    return {"show": may_watch(user)}
