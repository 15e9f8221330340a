"""One worker round also forgets expired Idempotency-Key records."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from shequgang.apikit.models import IdempotencyRecord
from shequgang.testing import World

pytestmark = pytest.mark.django_db


@override_settings(IDEMPOTENCY_KEEP_HOURS=48)
def test_a_worker_round_purges_expired_idempotency_records(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The round begins by closing stale connections, which would close the test's own.
    monkeypatch.setattr(
        "shequgang.cases.management.commands.worker.close_old_connections", lambda: None
    )
    user = world.users["worker_a"]
    for key, age in [("old", dt.timedelta(hours=49)), ("recent", dt.timedelta(hours=47))]:
        r = IdempotencyRecord.objects.create(
            user=user, key=key, operation="x", request_hash="0" * 64, status_code=201, body={}
        )
        IdempotencyRecord.objects.filter(pk=r.pk).update(created_at=timezone.now() - age)
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    assert "idempotency: purged 1" in out.getvalue()


def test_a_worker_round_purges_past_rate_limit_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    from shequgang.apikit.models import RateCount
    from shequgang.apikit.ratelimit import rate_count

    monkeypatch.setattr(
        "shequgang.cases.management.commands.worker.close_old_connections", lambda: None
    )
    # An hour ago, and an hour ahead (a window still to come: kept, whatever the clock)
    rate_count(bucket="veterans.check:203.0.113.7", at=time.time() - 3600)
    rate_count(bucket="veterans.check:203.0.113.7", at=time.time() + 3600)
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    assert RateCount.objects.count() == 1
    assert "rate limits: purged 1 past windows" in out.getvalue()
