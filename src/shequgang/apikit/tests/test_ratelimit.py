"""The shared rate limit: one atomic upsert per request in the database, so every process
(web worker, thread, machine) counts into the same window."""

import contextlib
import threading

import pytest
from django.db import connection
from django.test import Client

from shequgang.apikit.models import RateCount
from shequgang.apikit.ratelimit import RateLimited, rate_count, rate_limit, rate_purge
from shequgang.veterans.tests.factories import ensure_2026_program

# The start of a 60-second window, and an instant inside it.
T0 = 1_800_000_000 // 60 * 60


@pytest.mark.django_db
def test_the_30th_request_passes_and_the_31st_is_refused(settings):
    settings.RATE_LIMITS = {"veterans.check": 30}
    for i in range(30):
        rate_limit(action="veterans.check", client="203.0.113.7", at=T0 + i)
    with pytest.raises(RateLimited) as err:
        rate_limit(action="veterans.check", client="203.0.113.7", at=T0 + 59)
    assert (err.value.code, err.value.status) == ("rate_limited", 429)


@pytest.mark.django_db
def test_the_next_window_starts_from_zero_and_other_clients_are_apart(settings):
    settings.RATE_LIMITS = {"veterans.check": 30}
    for _ in range(31):
        with contextlib.suppress(RateLimited):
            rate_limit(action="veterans.check", client="203.0.113.7", at=T0)
    # Another address in the same window, and the same address in the next window.
    rate_limit(action="veterans.check", client="203.0.113.8", at=T0)
    rate_limit(action="veterans.check", client="203.0.113.7", at=T0 + 60)
    assert rate_count(bucket="veterans.check:203.0.113.7", at=T0 + 60) == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_processes_share_one_count():
    # Two threads, each with its own database connection, as two web workers would be.
    barrier = threading.Barrier(2)
    seen: list[list[int]] = [[], []]

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(20):
                seen[i].append(rate_count(bucket="shared", at=T0))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # Every request got its own number: none lost, none counted twice.
    assert sorted(seen[0] + seen[1]) == list(range(1, 41))
    assert RateCount.objects.get(bucket="shared").count == 40


@pytest.mark.django_db
def test_the_purge_keeps_only_the_current_window():
    rate_count(bucket="a", at=T0 - 60)
    rate_count(bucket="b", at=T0 - 1)
    rate_count(bucket="a", at=T0)
    assert rate_purge(at=T0 + 1) == 2
    assert list(RateCount.objects.values_list("bucket", "window_start")) == [("a", T0)]


@pytest.mark.django_db
def test_the_public_check_answers_429_in_the_error_shape(client: Client, settings):
    ensure_2026_program()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "veterans.check": 3}
    url = "/api/v1/veterans/programs/2026/check"
    codes = [client.post(url, {}, content_type="application/json").status_code for _ in range(4)]
    assert codes[:3] != [429] * 3 and codes[3] == 429
    last = client.post(url, {}, content_type="application/json")
    assert last.status_code == 429
    assert last.json() == {"code": "rate_limited", "message": "请求过于频繁，请稍后再试"}
