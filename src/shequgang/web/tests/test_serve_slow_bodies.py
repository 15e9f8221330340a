"""End to end: ``shequgang serve`` keeps answering ``/healthz`` while sixteen clients hold
"1 GB" uploads open a byte at a time (on main it stopped answering for more than 20 s;
bench/slow_bodies.py prints the figures). A few seconds: it starts the real server."""

import http.client
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from cryptography.fernet import Fernet

pytestmark = pytest.mark.subprocess

SLOW_CLIENTS = 16


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthz(port: int, timeout: float) -> tuple[float, int]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        return time.monotonic() - started, conn.getresponse().status
    finally:
        conn.close()


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        # /healthz and the refusals need no tables: a fresh file will do.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "SHEQUGANG_VAR_DIR": str(tmp_path),
        "SHEQUGANG_FIELD_KEY": Fernet.generate_key().decode(),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shequgang.cli",
            "serve",
            "--no-worker",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--threads=4",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        give_up = time.monotonic() + 30
        while True:
            try:
                if healthz(port, timeout=2)[1] == 200:
                    break
            except OSError:
                if time.monotonic() > give_up or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def slow_upload(port: int, answers: list[bytes], stop: threading.Event) -> None:
    """Open311's POST (anonymous; Django parses the multipart form before anything else)
    declaring 1 GB, then a byte every 0.2 s until answered."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(0.2)
        sock.sendall(
            b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=slowslow\r\n"
            b"Content-Length: 1073741824\r\n\r\n--slowslow\r\n"
        )
        while not stop.is_set():
            try:
                sock.send(b"x")
                data = sock.recv(100)
            except TimeoutError:
                continue
            except OSError:
                data = b""
            answers.append(data.split(b"\r\n", 1)[0])
            return


def test_healthz_answers_quickly_while_slow_uploads_hang(server):
    # Given sixteen clients trickling "1 GB" uploads
    answers: list[bytes] = []
    stop = threading.Event()
    clients = [
        threading.Thread(target=slow_upload, args=(server, answers, stop))
        for _ in range(SLOW_CLIENTS)
    ]
    for c in clients:
        c.start()
    try:
        time.sleep(0.5)  # the uploads reach the server's threads
        # When /healthz is asked meanwhile
        probes = [healthz(server, timeout=10) for _ in range(5)]
    finally:
        stop.set()
        for c in clients:
            c.join(timeout=5)
    # Then it answers at once (a functional bound, not a benchmark)
    assert all(status == 200 for _, status in probes)
    assert max(seconds for seconds, _ in probes) < 2.0
    # And every upload was refused before its body was read
    assert answers == [b"HTTP/1.1 413 Content Too Large"] * SLOW_CLIENTS
