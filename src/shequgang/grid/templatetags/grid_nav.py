"""The grid links of the top bar: 巡查 for grid workers, 网格 for those who cut grids."""

from __future__ import annotations

from typing import Any

from django import template

from shequgang.people.roles import Perm, Role
from shequgang.people.scope import active_assignments, has_perm_anywhere

register = template.Library()


@register.inclusion_tag("grid/_nav.html", takes_context=True)
def grid_nav(context: template.Context) -> dict[str, Any]:
    user = context["user"]
    if not user.is_authenticated:
        return {"patrols": False, "cuts": False}
    return {
        "patrols": any(a.role == Role.GRID_WORKER for a in active_assignments(user)),
        "cuts": has_perm_anywhere(user, Perm.GRID_MANAGE),
    }
