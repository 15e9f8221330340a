"""What the case pages share: a case in the user's scope or the same 404 as a missing one.
The signed-in user of a page is ``shequgang.web.request_user.request_user``."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import Http404

from shequgang.cases.access import access_case
from shequgang.cases.models import (
    Case,
)
from shequgang.errors import NotFound


def case_or_404(user: User, case_id: int) -> Case:
    try:
        return access_case(user, case_id)
    except NotFound:
        raise Http404("事项不存在或无权访问") from None
