"""A fixed-window request limit shared by every process: web workers, threads, machines.

Each (bucket, window) is one row of ``RateCount``, bumped by one statement::

    INSERT … VALUES (bucket, window, 1)
    ON CONFLICT (bucket, window_start) DO UPDATE SET count = count + 1 RETURNING count

which both SQLite (≥ 3.35) and PostgreSQL run atomically, so two processes never read
the same count. The statement runs on its own (autocommit) outside any transaction of the
request, so a request that fails afterwards still counts. The limits are settings
(``RATE_LIMITS``: action → requests per window); the worker's housekeeping deletes past
windows (``rate_purge``)."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest

from shequgang.apikit.models import RateCount
from shequgang.errors import DomainError

_TABLE = RateCount._meta.db_table
_UPSERT = (
    f"INSERT INTO {_TABLE} (bucket, window_start, count) VALUES (%s, %s, 1) "
    f"ON CONFLICT (bucket, window_start) DO UPDATE SET count = {_TABLE}.count + 1 "
    "RETURNING count"
)


class RateLimited(DomainError):
    status = 429

    def __init__(self) -> None:
        super().__init__("rate_limited", "请求过于频繁，请稍后再试")


def window_start(at: float, seconds: int) -> int:
    return int(at) // seconds * seconds


def rate_count(*, bucket: str, at: float | None = None) -> int:
    """Count one request in ``bucket``'s current window; return the window's count."""
    start = window_start(time.time() if at is None else at, settings.RATE_WINDOW_SECONDS)
    # Its own short transaction: committed at once even if the caller's request is
    # inside an atomic block that later rolls back.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_UPSERT, [bucket[:200], start])
        row = cursor.fetchone()
    return int(row[0])


def rate_limit(*, action: str, client: str, at: float | None = None) -> None:
    """Count one ``action`` by ``client`` (an address); raise ``RateLimited`` (429,
    ``rate_limited``) once the window's count passes ``RATE_LIMITS[action]``."""
    limit = settings.RATE_LIMITS[action]
    if rate_count(bucket=f"{action}:{client}", at=at) > limit:
        raise RateLimited()


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR only: a trusted proxy in front must set it (gunicorn
    ``--forwarded-allow-ips``); X-Forwarded-For from clients is not trusted."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def rate_limit_request(request: HttpRequest, action: str) -> None:
    rate_limit(action=action, client=client_address(request))


def rate_purge(*, at: float | None = None) -> int:
    """Delete the windows before the current one (a longer window keeps its row until it
    ends). Returns how many rows went."""
    current = window_start(time.time() if at is None else at, settings.RATE_WINDOW_SECONDS)
    deleted, _ = RateCount.objects.filter(window_start__lt=current).delete()
    return deleted
