"""Idempotency records: the response given to a client's first request under an
``Idempotency-Key``, replayed for its retries."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # Which operation the key was used for, and a hash of the request body: the same key
    # with a different request is a client bug and is refused.
    operation = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "幂等记录"
        verbose_name_plural = "幂等记录"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


class RateCount(models.Model):
    """How many requests one bucket (an action and a client address) made in one fixed
    window. Shared by every process through the database; ``apikit.ratelimit`` bumps it
    with a single atomic upsert and the worker deletes past windows."""

    bucket = models.CharField(max_length=200)
    # The window's start, in seconds since the epoch (a multiple of its length).
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "限流计数"
        verbose_name_plural = "限流计数"
        constraints = [
            models.UniqueConstraint(fields=["bucket", "window_start"], name="ratecount_unique")
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.bucket} @{self.window_start}: {self.count}"
