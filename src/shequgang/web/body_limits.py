"""Bounds on request bodies, kept at the WSGI edge before Django sees the request.

A client that declares a huge body, or sends a small one a few bytes at a time, holds one
of the server's few threads while Django reads it: sixteen such uploads stalled
``/healthz`` for seconds. ``BodyLimits`` wraps the application and, for every request
that carries a body:

- refuses it **before reading a byte** when its ``Content-Length`` exceeds what any
  endpoint accepts — ``settings.UPLOAD_MAX_BYTES`` for ``multipart/form-data`` (photos,
  the register import), ``settings.REQUEST_BODY_MAX_BYTES`` for everything else (JSON,
  urlencoded forms) — with 413 ``body_too_large``;
- refuses a body without a length (``Transfer-Encoding: chunked``) with 411
  ``length_required``: no client of ours streams, and Django would read it as empty;
- reads the body itself, into memory up to ``SPOOL_BYTES`` and a temporary file past that,
  at a steady pace: after ``settings.REQUEST_BODY_GRACE_SECONDS`` the bytes received must
  keep up with ``settings.REQUEST_BODY_MIN_RATE`` bytes a second on average (a phone
  sending nine photos over a weak mobile link does; a client trickling a few bytes does
  not). A body that falls behind is answered 408 ``body_timeout`` and the thread is free
  again. Under gunicorn no single ``recv`` waits longer than
  ``settings.REQUEST_BODY_READ_TIMEOUT_SECONDS``, and a watchdog shuts the socket's
  reading side when the pace is missed, since gunicorn's reader keeps calling ``recv``
  until it has every byte it was asked for.

Django then reads the buffered copy, so no view ever waits on a client. When a request is
refused, the socket's reading side is shut so that gunicorn does not spend its own drain
timeout on the rest of a body nobody will read. The reverse proxy in front
(``deploy/nginx/shequgang.conf``) buffers whole bodies first; this is the second line."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.conf import settings

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

# Bodies up to this size stay in memory; larger ones go to a temporary file.
SPOOL_BYTES = 1024 * 1024
# What one read asks for; gunicorn's reader returns once it has this much (or the end).
READ_BYTES = 64 * 1024


class _Refused(Exception):
    def __init__(self, status: str, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def _too_large(limit: int) -> _Refused:
    megabytes = max(1, limit // (1024 * 1024))
    return _Refused(
        "413 Content Too Large", "body_too_large", f"请求内容过大，不能超过{megabytes}MB"
    )


_TIMEOUT = _Refused("408 Request Timeout", "body_timeout", "请求内容上传超时，请检查网络后重试")
_INCOMPLETE = _Refused("400 Bad Request", "body_incomplete", "请求内容不完整，请重试")
_BAD_LENGTH = _Refused(
    "400 Bad Request", "bad_content_length", "请求的内容长度（Content-Length）无效"
)
_NO_LENGTH = _Refused(
    "411 Length Required", "length_required", "请求须注明内容长度（Content-Length），不支持分块上传"
)


class BodyLimits:
    """The WSGI wrapper. Limits default to the settings; ``clock`` is for the tests."""

    def __init__(
        self,
        app: WSGIApp,
        *,
        body_max: int | None = None,
        upload_max: int | None = None,
        grace: float | None = None,
        min_rate: float | None = None,
        read_timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.body_max = body_max if body_max is not None else settings.REQUEST_BODY_MAX_BYTES
        self.upload_max = upload_max if upload_max is not None else settings.UPLOAD_MAX_BYTES
        self.grace = grace if grace is not None else settings.REQUEST_BODY_GRACE_SECONDS
        self.min_rate = min_rate if min_rate is not None else settings.REQUEST_BODY_MIN_RATE
        self.read_timeout = (
            read_timeout if read_timeout is not None else settings.REQUEST_BODY_READ_TIMEOUT_SECONDS
        )
        self.clock = clock

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = self.check(environ)
            if length:
                environ["wsgi.input"] = self.buffer(environ, length)
        except _Refused as refused:
            _stop_reading(environ)
            return _answer(start_response, refused)
        return self.app(environ, start_response)

    def limit_for(self, environ: Environ) -> int:
        content_type = str(environ.get("CONTENT_TYPE", "")).lower()
        return self.upload_max if content_type.startswith("multipart/") else self.body_max

    def check(self, environ: Environ) -> int:
        """The declared body length (0 without a body); raises _Refused when it is not
        acceptable. Reads nothing."""
        encoding = str(environ.get("HTTP_TRANSFER_ENCODING", "")).strip().lower()
        if encoding and encoding != "identity":
            raise _NO_LENGTH
        declared = str(environ.get("CONTENT_LENGTH", "")).strip()
        if not declared:
            return 0
        if not declared.isdigit():
            raise _BAD_LENGTH
        length = int(declared)
        limit = self.limit_for(environ)
        if length > limit:
            raise _too_large(limit)
        return length

    def allowed_until(self, started: float, received: int) -> float:
        """When the next bytes are due: the grace period, plus the time the bytes so far
        earned at the minimum rate."""
        return started + self.grace + received / self.min_rate

    def buffer(self, environ: Environ, length: int) -> IO[bytes]:
        """Read exactly ``length`` bytes of body at the required pace into a spooled
        file, rewound for Django. Raises _Refused (408 when the pace is missed, 400 if
        the client stopped short)."""
        stream = environ["wsgi.input"]
        sock: socket.socket | None = environ.get("gunicorn.socket")
        started = self.clock()
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        prior = sock.gettimeout() if sock is not None else None
        watch = _WATCHDOG.watch(sock) if sock is not None else None
        try:
            received = 0
            while received < length:
                allowed = self.allowed_until(started, received)
                left = allowed - self.clock()
                if left <= 0:
                    raise _TIMEOUT
                if sock is not None and watch is not None:
                    sock.settimeout(min(self.read_timeout, left))
                    _WATCHDOG.arm(watch, time.monotonic() + left)
                try:
                    chunk = stream.read(min(READ_BYTES, length - received))
                except (TimeoutError, OSError) as exc:
                    raise _TIMEOUT from exc
                if not chunk:
                    # The client stopped, or the watchdog shut the socket.
                    late = self.clock() >= allowed or (watch is not None and _WATCHDOG.fired(watch))
                    raise _TIMEOUT if late else _INCOMPLETE
                spool.write(chunk)
                received += len(chunk)
        except BaseException:
            spool.close()
            raise
        finally:
            if watch is not None:
                _WATCHDOG.release(watch)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.settimeout(prior)
        spool.seek(0)
        return spool


def _answer(start_response: StartResponse, refused: _Refused) -> list[bytes]:
    body = json.dumps({"code": refused.code, "message": refused.message}).encode()
    start_response(
        refused.status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _stop_reading(environ: Environ) -> None:
    """Shut the reading side of the client's socket (under gunicorn): the answer still
    goes out, but the server will not wait for the rest of the body, and closes the
    connection instead of keeping it alive."""
    sock = environ.get("gunicorn.socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)


class _Watchdog:
    """One thread per process that shuts the reading side of sockets whose next bytes are
    overdue, which wakes a thread blocked in ``recv`` (it reads the end of the stream).
    Started on first use in each process (gunicorn forks its workers after loading us)."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        # key -> (socket, when it is due); a key popped from here was released or fired.
        self._watched: dict[int, tuple[socket.socket, float]] = {}
        self._fired: set[int] = set()
        self._ids = itertools.count()
        self._pid = 0

    def watch(self, sock: socket.socket) -> int:
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._heap, self._watched, self._fired = [], {}, set()
                threading.Thread(target=self._run, name="body-pace", daemon=True).start()
            key = next(self._ids)
            self._watched[key] = (sock, float("inf"))
            return key

    def arm(self, key: int, at: float) -> None:
        with self._lock:
            if key in self._watched:
                self._watched[key] = (self._watched[key][0], at)
                heapq.heappush(self._heap, (at, key))
                self._lock.notify()

    def fired(self, key: int) -> bool:
        with self._lock:
            return key in self._fired

    def release(self, key: int) -> None:
        with self._lock:
            self._watched.pop(key, None)
            self._fired.discard(key)

    def _run(self) -> None:
        while True:
            with self._lock:
                # Entries of released keys, or superseded by a later arm(), are dropped.
                while (
                    self._heap
                    and self._watched.get(self._heap[0][1], (None, -1.0))[1] != self._heap[0][0]
                ):
                    heapq.heappop(self._heap)
                wait = self._heap[0][0] - time.monotonic() if self._heap else None
                if wait is not None and wait <= 0:
                    _at, key = heapq.heappop(self._heap)
                    sock, _due = self._watched.pop(key)
                    self._fired.add(key)
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RD)
                    continue
                self._lock.wait(wait)


_WATCHDOG = _Watchdog()
