"""Start-up check: outside demo mode no active account may still hold the published demo
password. It runs with every management command that checks the project — ``shequgang
serve``, ``migrate``, ``check --deploy`` — and stops them with an error."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import User
from django.core.checks import CheckMessage, Error, register
from django.db import DatabaseError
from django.db.models import Count

from shequgang.demo.staff import ACCOUNTS, DEMO_PASSWORD

DEMO_PASSWORD_IN_USE = "shequgang.E001"


def demo_password_holders() -> list[str]:
    """Usernames of active accounts whose password is the demo's. ``loaddemo`` hashes it
    once for all its accounts, so they share one hash string; checking each hash shared
    by several accounts, and the README personas' own, costs a few hash computations
    however many accounts there are (a one-off account given the password by hand is
    refused at login by ``DemoPasswordRefusal`` instead)."""
    active = User.objects.filter(is_active=True)
    shared = (
        active.values("password").annotate(n=Count("id")).filter(n__gt=1).values_list("password")
    )
    personas = active.filter(username__in=[a.username for a in ACCOUNTS]).values_list("password")
    candidates = {row[0] for row in shared} | {row[0] for row in personas}
    hits = [encoded for encoded in candidates if check_password(DEMO_PASSWORD, encoded)]
    return list(
        active.filter(password__in=hits).order_by("username").values_list("username", flat=True)
    )


@register()
def demo_password_outside_demo(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.DEMO_MODE:
        return []
    try:
        holders = demo_password_holders()
    except DatabaseError:
        return []  # no tables yet: nothing to hold a password before the first migrate
    if not holders:
        return []
    shown = "、".join(holders[:5]) + ("…" if len(holders) > 5 else "")
    return [
        Error(
            f"{len(holders)} active accounts still use the published demo password "
            f"({shown}) and SHEQUGANG_DEMO is off",
            hint=(
                "Give each a new password (`shequgang changepassword <username>`) or "
                "deactivate it, or run the demo with SHEQUGANG_DEMO=1."
            ),
            id=DEMO_PASSWORD_IN_USE,
        )
    ]
