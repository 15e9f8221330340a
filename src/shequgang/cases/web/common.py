"""What the case pages share: the signed-in user of a view behind ``login_required``, and a
case in the user's scope or the same 404 as a missing one."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import Http404

from shequgang.cases.access import access_case
from shequgang.cases.models import (
    Case,
)
from shequgang.errors import NotFound
from shequgang.web.htmx import HtmxRequest


def case_or_404(user: User, case_id: int) -> Case:
    try:
        return access_case(user, case_id)
    except NotFound:
        raise Http404("事项不存在或无权访问") from None


def web_user(request: HtmxRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user
