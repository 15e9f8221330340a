"""Request bodies are bounded at the WSGI edge (web/body_limits.py): a declared length past
what any endpoint accepts is refused before a byte is read, a body that arrives too
slowly is answered 408 and the thread freed, and ordinary uploads reach Django intact."""

import io
import json
import socket
import threading
import time

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import SocketUnreader

from shequgang.web.body_limits import BodyLimits


class Unreadable(io.RawIOBase):
    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")


class Trickle:
    """A client sending a few bytes per read while the (fake) clock runs on."""

    def __init__(self, clock: "FakeClock", step: float) -> None:
        self.clock, self.step, self.reads = clock, step, 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        self.clock.now += self.step
        return b"abc"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    """The inner application: reads what Django would and answers 200."""

    def __init__(self) -> None:
        self.calls = 0
        self.body = b""

    def __call__(self, environ, start_response):
        self.calls += 1
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.body = environ["wsgi.input"].read(length) if length else b""
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def environ(body_stream, *, length: int | None, content_type="application/json", **extra):
    env = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/cases/intake",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": body_stream,
        "CONTENT_TYPE": content_type,
        **extra,
    }
    if length is not None:
        env["CONTENT_LENGTH"] = str(length)
    return env


def call(app, env):
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(env, start_response))
    return int(seen["status"].split()[0]), body


def guard(inner, **limits):
    defaults = {
        "body_max": 1024,
        "upload_max": 10 * 1024,
        "grace": 30,
        "min_rate": 1000,
        "read_timeout": 10,
    }
    return BodyLimits(inner, **{**defaults, **limits})


# --- Size -----------------------------------------------------------------------------------


def test_an_oversized_declared_length_is_refused_without_reading_the_body():
    inner = Recorder()
    env = environ(Unreadable(), length=1024**3, content_type="multipart/form-data; boundary=x")
    status, body = call(guard(inner), env)
    assert status == 413 and inner.calls == 0
    assert json.loads(body) == {"code": "body_too_large", "message": "请求内容过大，不能超过1MB"}


@pytest.mark.parametrize(
    ("content_type", "length", "expected"),
    [
        ("application/json", 1024, 200),  # at the small limit
        ("application/json", 1025, 413),  # one byte past it
        ("application/x-www-form-urlencoded", 1025, 413),
        ("multipart/form-data; boundary=x", 1025, 200),  # uploads have the larger limit
        ("multipart/form-data; boundary=x", 10 * 1024, 200),
        ("multipart/form-data; boundary=x", 10 * 1024 + 1, 413),
    ],
)
def test_uploads_have_the_larger_limit_every_other_body_the_small_one(
    content_type, length, expected
):
    inner = Recorder()
    stream = io.BytesIO(b"x" * length)
    status, _ = call(guard(inner), environ(stream, length=length, content_type=content_type))
    assert status == expected
    assert inner.calls == (1 if expected == 200 else 0)


def test_a_chunked_body_without_a_length_is_refused():
    inner = Recorder()
    env = environ(Unreadable(), length=None, HTTP_TRANSFER_ENCODING="chunked")
    status, body = call(guard(inner), env)
    assert (status, json.loads(body)["code"], inner.calls) == (411, "length_required", 0)


@pytest.mark.parametrize("declared", ["-1", "12abc", "1e9"])
def test_a_malformed_length_is_refused(declared):
    inner = Recorder()
    env = environ(Unreadable(), length=None, CONTENT_LENGTH=declared)
    status, body = call(guard(inner), env)
    assert (status, json.loads(body)["code"], inner.calls) == (400, "bad_content_length", 0)


def test_requests_without_a_body_pass_untouched():
    inner = Recorder()
    env = environ(Unreadable(), length=None, REQUEST_METHOD="GET", CONTENT_TYPE="")
    assert call(guard(inner), env) == (200, b"ok")


def test_the_limits_cover_the_largest_upload_an_endpoint_accepts():
    assert settings.UPLOAD_MAX_BYTES >= settings.IMPORT_MAX_BYTES
    assert settings.UPLOAD_MAX_BYTES >= 9 * 10 * 1024 * 1024  # nine photos of 10 MB
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.REQUEST_BODY_MAX_BYTES


# --- Time -----------------------------------------------------------------------------------


def test_a_trickle_that_falls_behind_the_pace_is_answered_408():
    clock = FakeClock()
    inner = Recorder()
    trickle = Trickle(clock, step=4.0)  # three bytes every four seconds
    env = environ(trickle, length=1000)
    status, body = call(guard(inner, grace=30, min_rate=1000, clock=clock), env)
    assert (status, json.loads(body)["code"], inner.calls) == (408, "body_timeout", 0)
    # Gave up at the first read past 30 s (plus the 24 ms its 24 bytes earned).
    assert trickle.reads == 8


class Steady:
    """A slow but steady client: ``per_read`` bytes every ``step`` seconds."""

    def __init__(self, data: bytes, clock: FakeClock, step: float, per_read: int) -> None:
        self.data, self.clock, self.step, self.per_read = io.BytesIO(data), clock, step, per_read

    def read(self, size: int = -1) -> bytes:
        self.clock.now += self.step
        return self.data.read(min(size, self.per_read))


def test_a_slow_but_steady_upload_keeps_pace_well_past_the_grace():
    # 2,000 bytes a second against a minimum of 1,000: 200 s for the whole body.
    clock = FakeClock()
    inner = Recorder()
    data = b"p" * 400_000
    env = environ(Steady(data, clock, step=1.0, per_read=2000), length=len(data))
    status, _ = call(guard(inner, body_max=10**6, grace=10, min_rate=1000, clock=clock), env)
    assert status == 200 and inner.body == data
    assert clock.now - 1000.0 == 200.0


def test_an_upload_just_below_the_pace_is_cut():
    # 900 bytes a second against a minimum of 1,000: behind after 100 s.
    clock = FakeClock()
    inner = Recorder()
    data = b"p" * 400_000
    env = environ(Steady(data, clock, step=1.0, per_read=900), length=len(data))
    status, _ = call(guard(inner, body_max=10**6, grace=10, min_rate=1000, clock=clock), env)
    assert status == 408 and inner.calls == 0
    assert 99.0 <= clock.now - 1000.0 <= 101.0


def test_a_client_that_stops_short_is_refused():
    inner = Recorder()
    env = environ(io.BytesIO(b"only this"), length=1000)
    status, body = call(guard(inner), env)
    assert (status, json.loads(body)["code"], inner.calls) == (400, "body_incomplete", 0)


def test_a_trickle_on_a_real_socket_is_cut_at_the_deadline():
    # Given gunicorn's own body reader over a socket, whose read(64 KiB) keeps calling
    # recv() until it has every byte: a client sending one byte every 20 ms
    server, client = socket.socketpair()
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.02):
            try:
                client.send(b"x")
            except OSError:
                return

    sender = threading.Thread(target=trickle)
    sender.start()
    try:
        stream = Body(LengthReader(SocketUnreader(server), 10_000))
        env = environ(stream, length=10_000, **{"gunicorn.socket": server})
        inner = Recorder()
        started = time.monotonic()
        # When the guard reads it with a 0.3 s grace at 1,000 bytes a second
        status, body = call(guard(inner, body_max=100_000, grace=0.3, read_timeout=10), env)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        sender.join()
        server.close()
        client.close()
    # Then the thread is free again when the pace is missed, not when the body ends
    assert (status, json.loads(body)["code"], inner.calls) == (408, "body_timeout", 0)
    assert elapsed < 2.0


def test_a_silent_client_is_cut_by_the_read_timeout():
    server, client = socket.socketpair()
    try:
        stream = Body(LengthReader(SocketUnreader(server), 100))
        env = environ(stream, length=100, **{"gunicorn.socket": server})
        client.send(b"first bytes, then nothing")
        status, body = call(guard(Recorder(), grace=30, read_timeout=0.2), env)
    finally:
        server.close()
        client.close()
    assert (status, json.loads(body)["code"]) == (408, "body_timeout")


# --- Ordinary requests ----------------------------------------------------------------------


def test_an_ordinary_upload_reaches_django_intact():
    photo = io.BytesIO(b"\xff\xd8" + b"p" * 3_000_000)  # past the in-memory spool
    photo.name = "photo.jpg"
    payload = encode_multipart(BOUNDARY, {"title": "楼道灯坏了", "photos": photo})
    seen: dict[str, object] = {}

    def django_view(env, start_response):
        request = WSGIRequest(env)
        seen["title"] = request.POST["title"]
        seen["size"] = request.FILES.getlist("photos")[0].size
        start_response("200 OK", [])
        return [b""]

    env = environ(io.BytesIO(payload), length=len(payload), content_type=MULTIPART_CONTENT)
    status, _ = call(BodyLimits(django_view), env)
    assert status == 200
    assert seen == {"title": "楼道灯坏了", "size": 3_000_002}


def test_a_json_body_reaches_django_intact():
    payload = json.dumps({"title": "楼道灯坏了"}).encode()
    inner = Recorder()
    status, _ = call(guard(inner), environ(io.BytesIO(payload), length=len(payload)))
    assert status == 200 and inner.body == payload
