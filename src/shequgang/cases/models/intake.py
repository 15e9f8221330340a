"""The queued intake (受理队列): a resident's report accepted durably with one INSERT and
raised as a case by the worker shortly after (``cases/intake/services.py``).

Re-exported by ``cases/models/__init__.py``, which Django loads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from shequgang.cases.models.case import Case
from shequgang.cases.models.worker import WorkerProcess

__all__ = ["CaseIntake", "IntakeStatus"]


class IntakeStatus(models.TextChoices):
    PENDING = "pending", "待受理"  # accepted; waiting for the worker
    CREATED = "created", "已立案"  # the worker raised the case (``case``)
    REJECTED = "rejected", "未受理"  # raising it failed (``error_code``, ``error_message``)


class CaseIntake(models.Model):
    """One report waiting to become a case. The request writes it and nothing else; the
    worker claims pending rows (``claimed_by`` / ``claimed_at`` / ``claimed_by_worker``: a
    claim whose holder is dead, or older than the lease, may be taken over, so a crashed
    worker's batch is not lost) and finishes each exactly once."""

    # No index of its own: reads go by id, retries by the unique (submitter, key) index,
    # and only deleting a user scans this table, which the purge keeps to recent days.
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The client's Idempotency-Key ("" without one) and the fingerprint a retry must
    # repeat (``apikit.idempotency.request_fingerprint``).
    idempotency_key = models.CharField(max_length=200, blank=True)
    request_hash = models.CharField(max_length=64)
    # The checked form: category and place ids, texts, coordinates, source, and the
    # raiser's phone as ciphertext (``raiser_phone_cipher``), never in the clear.
    payload = models.JSONField()
    status = models.CharField(
        max_length=8, choices=IntakeStatus.choices, default=IntakeStatus.PENDING
    )
    created_at = models.DateTimeField("提交时间")
    claimed_by = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The process holding the claim: when it is dead the claim is taken over at once,
    # without waiting for the lease (cases/services/workers.py).
    claimed_by_worker = models.ForeignKey(
        WorkerProcess,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        editable=False,
    )
    # Claims so far: an intake that keeps failing for reasons other than the input is
    # given up after a few rounds instead of being retried forever.
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "上报受理"
        verbose_name_plural = "上报受理"
        constraints = [
            models.UniqueConstraint(
                fields=["submitter", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="intake_unique_key",
            )
        ]
        indexes = [
            # The worker's queue: only pending rows, in arrival order.
            models.Index(
                fields=["id"], condition=Q(status=IntakeStatus.PENDING), name="intake_pending"
            ),
            # The purge of finished rows.
            models.Index(
                fields=["processed_at"],
                condition=Q(processed_at__isnull=False),
                name="intake_processed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} #{self.pk}"
