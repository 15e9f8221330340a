"""``shequgang purge_idempotency``: forget Idempotency-Key records past the keep window."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from shequgang.apikit.idempotency import purge_expired


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than SHEQUGANG_IDEMPOTENCY_KEEP_HOURS"

    def handle(self, *args: Any, **opts: Any) -> None:
        deleted = purge_expired()
        self.stdout.write(
            f"purged {deleted} idempotency records older than {settings.IDEMPOTENCY_KEEP_HOURS} h"
        )
