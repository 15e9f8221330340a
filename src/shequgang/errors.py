"""Domain errors raised by services and access helpers.

Each carries a stable English ``code`` (for clients and tests) and a Chinese ``message``
(for people). The API turns them into ``{"code": ..., "message": ...}`` with ``status``;
pages show the message.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(
        self, code: str, message: str, *, status: int | None = None, **details: Any
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.details = details


class NotFound(DomainError):
    """Missing, or outside the user's scope: the two are deliberately indistinguishable."""

    status = 404

    def __init__(self, what: str = "对象") -> None:
        super().__init__("not_found", f"{what}不存在或无权访问")


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str = "无权执行此操作") -> None:
        super().__init__("forbidden", message)


class Conflict(DomainError):
    status = 409
