"""The pluggable SMS channel: ``settings.SMS_BACKEND`` names a class whose instances have
``send(*, phone: str, text: str) -> None``. None by default — and then nothing pretends a
message was sent."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


def sms_backend() -> SmsBackend | None:
    path = settings.SMS_BACKEND
    if not path:
        return None
    backend: SmsBackend = import_string(path)()
    return backend


def sms_enabled() -> bool:
    return bool(settings.SMS_BACKEND)


NO_SMS_MESSAGE = "本平台未开通短信，请到社区服务站领取验证码"
