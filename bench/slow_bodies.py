"""Slow uploads against ``shequgang serve``: how long ``/healthz`` takes while N clients
hold uploads open, sending their headers and then a trickle of body. Prints one JSON
line (``RESULT {...}``). Never imported by the project.

It starts ``shequgang serve --no-worker`` on a free port against a fresh SQLite file
(``/healthz`` needs no tables; Open311's POST reads its body before touching one),
measures ``/healthz`` idle, opens the slow uploads, waits
``--settle`` seconds and measures it again while they hang::

    .venv/bin/python bench/slow_bodies.py                      # 16 "1 GB" uploads
    .venv/bin/python bench/slow_bodies.py --length 200000      # 16 uploads within limits
    .venv/bin/python bench/slow_bodies.py --threads 8          # the server's thread count

Each slow client sends one byte every ``--trickle`` seconds until the server answers or
closes the connection; the result counts how many were answered, and with what status.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def healthz(port: int, timeout: float = 30.0) -> tuple[float, int]:
    """Seconds /healthz took and its status (0: no answer within ``timeout``)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        status = conn.getresponse().status
    except TimeoutError:
        status = 0
    finally:
        conn.close()
    return time.monotonic() - started, status


def start_server(port: int, workdir: Path, workers: int, threads: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'slow.sqlite3'}",
        "SHEQUGANG_DEMO": "1",
        "SHEQUGANG_FIELD_KEY": Fernet.generate_key().decode(),
        "SHEQUGANG_VAR_DIR": str(workdir),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shequgang.cli",
            "serve",
            "--no-worker",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        try:
            if healthz(port, timeout=2)[1] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not answer /healthz within 60 s")


class SlowUpload(threading.Thread):
    """Headers with a large Content-Length, then one byte every ``trickle`` seconds."""

    def __init__(self, args: argparse.Namespace, port: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.path, self.stop = port, args.path, stop
        self.content_type = args.content_type
        self.length, self.trickle = args.length, args.trickle
        self.answer = ""

    def run(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.settimeout(self.trickle)
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: {self.content_type}\r\n"
            f"Content-Length: {self.length}\r\n\r\n"
        )
        try:
            sock.sendall(head.encode())
            while not self.stop.is_set():
                sock.send(b"x")
                try:
                    data = sock.recv(200)
                except TimeoutError:
                    continue
                self.answer = data.split(b"\r\n", 1)[0].decode() if data else "closed"
                return
        except OSError as exc:
            self.answer = self.answer or f"closed ({type(exc).__name__})"
        finally:
            sock.close()


def measure(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(port, Path(tmp), args.workers, args.threads)
        stop = threading.Event()
        try:
            idle = [healthz(port)[0] for _ in range(args.probes)]
            clients = [SlowUpload(args, port, stop) for _ in range(args.slow)]
            for c in clients:
                c.start()
            time.sleep(args.settle)  # the uploads reach the server's threads
            under = [healthz(port, args.probe_timeout) for _ in range(args.probes)]
            stop.set()
            for c in clients:
                c.join(timeout=5)
        finally:
            server.terminate()
            server.wait(timeout=30)
    answers: dict[str, int] = {}
    for c in clients:
        answers[c.answer or "no answer"] = answers.get(c.answer or "no answer", 0) + 1
    latencies = [t for t, _ in under]
    return {
        "slow_clients": args.slow,
        "path": args.path,
        "declared_length": args.length,
        "workers": args.workers,
        "threads": args.threads,
        "healthz_idle_median_s": round(statistics.median(idle), 4),
        "healthz_under_slow_median_s": round(statistics.median(latencies), 4),
        "healthz_under_slow_max_s": round(max(latencies), 4),
        "healthz_statuses": sorted({s for _, s in under}),
        "slow_client_answers": answers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", type=int, default=16, help="slow uploads held open")
    # Open311's POST: anonymous, and Django parses the multipart form (for its api_key)
    # before anything can refuse it.
    parser.add_argument("--path", default="/open311/v2/requests.json", help="where they go")
    parser.add_argument(
        "--content-type", default="multipart/form-data; boundary=slowslow", help="their type"
    )
    parser.add_argument("--length", type=int, default=1024**3, help="declared Content-Length")
    parser.add_argument("--trickle", type=float, default=0.5, help="seconds between bytes")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds before probing")
    parser.add_argument("--probes", type=int, default=5, help="/healthz requests per phase")
    parser.add_argument("--probe-timeout", type=float, default=30.0, help="seconds per probe")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16, help="as shequgang serve")
    print("RESULT " + json.dumps(measure(parser.parse_args()), ensure_ascii=False))


if __name__ == "__main__":
    main()
