"""Idempotency records are forgotten after the keep window, not before."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from shequgang.apikit.idempotency import purge_expired
from shequgang.apikit.models import IdempotencyRecord
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def record(world: World, key: str, created_at: dt.datetime) -> IdempotencyRecord:
    r = IdempotencyRecord.objects.create(
        user=world.users["worker_a"],
        key=key,
        operation="case.create",
        request_hash="0" * 64,
        status_code=201,
        body={},
    )
    IdempotencyRecord.objects.filter(pk=r.pk).update(created_at=created_at)
    return r


@override_settings(IDEMPOTENCY_KEEP_HOURS=48)
def test_purge_deletes_only_records_older_than_the_window(world: World) -> None:
    now = timezone.now()
    cutoff = now - dt.timedelta(hours=48)
    record(world, "fresh", now)
    record(world, "at-the-line", cutoff)
    record(world, "just-past", cutoff - dt.timedelta(seconds=1))
    record(world, "old", now - dt.timedelta(days=30))

    assert purge_expired(now=now, batch=1) == 2
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == [
        "at-the-line",
        "fresh",
    ]
    assert purge_expired(now=now) == 0


@override_settings(IDEMPOTENCY_KEEP_HOURS=1)
def test_the_command_reports_what_it_purged(world: World) -> None:
    record(world, "old", timezone.now() - dt.timedelta(hours=2))
    out = io.StringIO()
    call_command("purge_idempotency", stdout=out)
    assert "purged 1 idempotency records older than 1 h" in out.getvalue()
    assert not IdempotencyRecord.objects.exists()
