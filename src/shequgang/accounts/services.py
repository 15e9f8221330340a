"""Writes on login state: lifting a lockout (the admin's "unlock" action), changing a
password."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet

from shequgang.actors import Actor
from shequgang.audit.services import audit_record

LOGIN_UNLOCKED = "login.unlocked"


@transaction.atomic
def login_unlock(*, actor: Actor, attempts: QuerySet[AccessAttempt]) -> int:
    """Lift the lockout of every (username, address) pair among ``attempts`` by deleting
    that pair's failure counters, with one audit row per pair. Returns the number of
    pairs unlocked."""
    pairs = sorted(
        set(attempts.values_list("username", "ip_address")),
        key=lambda pair: (pair[0] or "", pair[1] or ""),
    )
    for username, ip in pairs:
        AccessAttempt.objects.filter(username=username, ip_address=ip).delete()
        audit_record(
            actor=actor,
            action=LOGIN_UNLOCKED,
            object_type="login",
            object_id=(username or "")[:64],
            changes={"username": [None, username], "address": [None, ip]},
        )
    return len(pairs)


PASSWORD_CHANGED = "user.password_change"


@transaction.atomic
def password_change(*, actor: Actor, user: User, password: str) -> None:
    """Set ``user``'s password (already validated by the form) and audit the change."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action=PASSWORD_CHANGED, obj=user)
