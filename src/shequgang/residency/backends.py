"""Login by the phone a resident registered with.

Listed after ``ModelBackend``: a username is tried first, then the text typed as the
username is read as a phone. django-axes counts a failure under the text typed either
way (its own backend runs first) — a phone under its E.164 form whatever the spelling
(``login_names``) — so the lockout covers both doors."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from shequgang.errors import DomainError
from shequgang.people.phones import normalize_phone
from shequgang.people.services import phone_index
from shequgang.residency.login_names import looks_like_phone
from shequgang.residency.models import ResidentAccount


class PhoneBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        # Only text that may be a phone: usernames of staff never cost a phone parse.
        if password is None or not looks_like_phone(username or ""):
            return None
        try:
            e164 = normalize_phone(username or "")
        except DomainError:
            return None
        account = (
            ResidentAccount.objects.select_related("user")
            .filter(phone_index=phone_index(e164))
            .first()
        )
        if account is None:
            # The same work as a wrong password, so timing does not tell phones apart.
            User().set_password(password)
            return None
        user = account.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
