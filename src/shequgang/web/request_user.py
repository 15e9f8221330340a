"""The signed-in user of a page request, typed.

Django types ``request.user`` as ``User | AnonymousUser``; every page that acts for
someone sits behind ``login_required`` and wants a ``User``. This is the one place that
narrows it. It raises ``PermissionDenied`` (403) rather than asserting, so a view that
forgot ``login_required`` refuses the anonymous caller instead of acting for nobody,
even under ``python -O``. API endpoints use ``apikit.auth.request_user`` (the user their
token or session authentication established).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def request_user(request: HttpRequest) -> User:
    """The authenticated ``User`` behind ``request``; ``PermissionDenied`` for anyone else."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
