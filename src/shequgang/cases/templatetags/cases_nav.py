"""The case links of the top bar, shown by what the signed-in user does."""

from __future__ import annotations

from typing import Any

from django import template

from shequgang.cases.dispatch.rules import COMMAND_ROLES
from shequgang.cases.engine.routing import RUNG_ROLES
from shequgang.cases.services.notifications import unread_count
from shequgang.people.roles import Perm, Role
from shequgang.people.scope import active_assignments, has_perm_anywhere, is_unrestricted

register = template.Library()

# Those with a queue: the ladder's holders, grid workers (on-site verification) and the
# command centre (returned and handed-up cases to dispatch).
_HANDLER_ROLES: set[str] = set().union(*RUNG_ROLES.values()) | {Role.GRID_WORKER} | COMMAND_ROLES


@register.inclusion_tag("cases/_nav.html", takes_context=True)
def cases_nav(context: template.Context) -> dict[str, Any]:
    user = context["user"]
    if not user.is_authenticated:
        return {"show": False}
    return {
        "show": True,
        "handles": is_unrestricted(user)
        or any(a.role in _HANDLER_ROLES for a in active_assignments(user)),
        "sees_cases": has_perm_anywhere(user, Perm.CASE_VIEW),
        "dispatches": is_unrestricted(user)
        or any(a.role in COMMAND_ROLES for a in active_assignments(user)),
        "unread": unread_count(user),
    }
