"""The notifications outbox: written in the same transaction as the change it reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shequgang.cases.models.case import Case


class Notification(models.Model):
    """The outbox: written in the same transaction as the change it reports, delivered
    after commit by the worker through its channel."""

    class Channel(models.TextChoices):
        INBOX = "inbox", "站内信"
        SMS = "sms", "短信"
        WECHAT = "wechat", "微信"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.INBOX)
    title = models.CharField(max_length=100)
    body = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deliver_after = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The worker delivering it: when that process is dead the claim is released at once,
    # without waiting for the lease (cases/services/workers.py).
    claimed_by_worker = models.ForeignKey(
        "cases.WorkerProcess",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        editable=False,
    )

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        indexes = [
            models.Index(fields=["delivered_at", "failed_at", "deliver_after"], name="outbox_due"),
            models.Index(fields=["recipient", "read_at"], name="inbox_unread"),
        ]

    def __str__(self) -> str:
        return self.title
