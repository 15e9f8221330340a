"""The demo's clock: the time the services see while the history is written.

Services that take ``now=`` are given it; the rest (acknowledge, resolve, escalate,
dispatch, rate …) read ``django.utils.timezone.now``, which the clock replaces for the
length of the load, as the test suite's ``Clock`` does. ``loaddemo`` is one thread in one
transaction, so nothing else runs under the moved clock; it is put back on the way out,
whatever happens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.utils import timezone


class DemoClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def set(self, when: dt.datetime) -> None:
        # The clock never runs backwards: a step scheduled in the past happens now.
        self.now = max(self.now, when)

    def __call__(self) -> dt.datetime:
        return self.now


@contextmanager
def moved_clock(start: dt.datetime) -> Iterator[DemoClock]:
    clock = DemoClock(start)
    real: Callable[[], dt.datetime] = timezone.now
    setattr(timezone, "now", clock)  # noqa: B010 - the module attribute the services read
    try:
        yield clock
    finally:
        setattr(timezone, "now", real)  # noqa: B010
