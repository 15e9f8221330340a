from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from shequgang.web.request_user import request_user


@pytest.mark.django_db
def test_a_signed_in_user_is_returned() -> None:
    user = User.objects.create_user("web-user")
    request = RequestFactory().get("/")
    request.user = user

    assert request_user(request) == user


def test_an_anonymous_caller_is_refused() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    with pytest.raises(PermissionDenied):
        request_user(request)
