"""Two posts at the same moment: the client row lock keeps the Idempotency-Key and the
daily limit exact. Real threads on the real database (SQLite queues writers; on
PostgreSQL the second post waits on the lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from shequgang.cases.models import Case
from shequgang.errors import DomainError
from shequgang.open311.models import Open311Client, Open311Request
from shequgang.open311.services import Submission, request_submit

from .conftest import A1


def run_at_once(client: Open311Client, submissions: list[Submission]) -> list[object]:
    barrier = threading.Barrier(len(submissions))
    results: list[object] = [None] * len(submissions)

    def worker(i: int, data: Submission) -> None:
        try:
            barrier.wait(timeout=10)
            row, created = request_submit(client=client, data=data)
            results[i] = ("created" if created else "replayed", row.case.number)
        except DomainError as exc:
            results[i] = (exc.code, None)
        except Exception as exc:  # surfaced by the assertions below
            results[i] = (repr(exc), None)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, d)) for i, d in enumerate(submissions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def _submission(key: str = "") -> Submission:
    return Submission(service_code="street_light", lat=A1[0], long=A1[1], idempotency_key=key)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_tap_with_one_idempotency_key_files_one_case(located, api_key):
    client = Open311Client.objects.get()
    results = run_at_once(client, [_submission("tap"), _submission("tap")])
    assert sorted(r[0] for r in results) == ["created", "replayed"], results  # type: ignore[index]
    assert len({r[1] for r in results}) == 1  # type: ignore[index]
    assert Case.objects.count() == 1 and Open311Request.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_daily_limit_holds_under_concurrent_posts(located, api_key):
    Open311Client.objects.update(daily_limit=2)
    client = Open311Client.objects.get()
    results = run_at_once(client, [_submission() for _ in range(4)])
    assert sorted(r[0] for r in results) == [  # type: ignore[index]
        "created",
        "created",
        "daily_limit",
        "daily_limit",
    ], results
    assert Case.objects.count() == 2
