"""Django's SQLite backend, with writers that queue for the write lock instead of polling.

SQLite lets one writer in at a time. A second ``BEGIN IMMEDIATE`` does not wait in a
queue: SQLite's busy handler sleeps and retries (1, 2, 5, 10 … up to 100 ms between
tries), so under load writers wake late, retry, lose to a luckier one and sleep longer —
throughput drops and the slowest requests wait for a second or more.

Here a transaction first waits its turn, and only then sends ``BEGIN IMMEDIATE``, which
finds SQLite's write lock free (unless a program outside Django writes: that one still
meets the busy timeout, as before). The turn is two locks, taken in this order and held
until the commit or rollback:

- one ``threading.Lock`` per database file in the process, so the threads of a process
  queue on a lock that wakes the next one at once (bounded by the busy timeout: a thread
  that has waited that long goes on to SQLite, whose own timeout then decides);
- an exclusive ``flock`` on a file beside the database (``<name>.writelock``), held by
  one connection of each process at most, so processes queue too: the kernel wakes the
  waiter when the holder lets go.

Reads outside a transaction never take them: in WAL mode they do not block writers. A
statement that writes outside ``transaction.atomic`` goes straight to SQLite, as before."""

from __future__ import annotations

import fcntl
import os
import threading
from typing import Any

from django.db.backends.sqlite3 import base

_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(path: str) -> threading.Lock:
    with _process_locks_guard:
        return _process_locks.setdefault(path, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_fd: int | None = None
        self._writer_path = ""
        self._writer_turn: threading.Lock | None = None

    def _take_turn(self) -> None:
        name = str(self.settings_dict["NAME"])
        if not name or self.is_in_memory_db():
            return
        path = f"{name}.writelock"
        turn = _process_lock(path)
        if not turn.acquire(timeout=float(self.settings_dict["OPTIONS"].get("timeout", 5))):
            return
        try:
            if self._writer_fd is None or path != self._writer_path:
                self._close_lock_file()
                self._writer_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                self._writer_path = path
            fcntl.flock(self._writer_fd, fcntl.LOCK_EX)  # waits without the GIL
        except BaseException:
            turn.release()
            raise
        self._writer_turn = turn

    def _end_turn(self) -> None:
        turn, self._writer_turn = self._writer_turn, None
        if turn is None:
            return
        try:
            if self._writer_fd is not None:
                fcntl.flock(self._writer_fd, fcntl.LOCK_UN)
        finally:
            turn.release()

    def _close_lock_file(self) -> None:
        self._end_turn()
        if self._writer_fd is not None:
            os.close(self._writer_fd)
            self._writer_fd = None

    def _start_transaction_under_autocommit(self) -> None:
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._end_turn()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._end_turn()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._end_turn()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._close_lock_file()
