"""HTTP load from a separate process on 127.0.0.1: wrk (Debian's ``wrk``; installed with
apt-get when missing), or, without it, a small threaded Python client. Each run is
bounded in time (``duration``) and in count (``max_requests``, per wrk thread).

Results: the answers counted by status class (2xx, 3xx, 4xx, 5xx) and socket errors;
requests/s over the 2xx answers only (``rps``) and over every answer (``rps_all``);
p50, p90 and p99 latency (ms) over every answer. wrk counts the classes in a Lua
``response`` hook; its own ``Non-2xx or 3xx responses`` line is parsed as a cross-check
(``wrk_non_2xx_3xx``)."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LUA_COMMON = r"""
local counter = 0
n2xx, n3xx, n4xx, n5xx = 0, 0, 0, 0
local max_requests = __MAX__
-- A global, so that thread:set() in setup() reaches it (a local would stay 0 in every
-- thread, and two threads would send the same Idempotency-Keys).
thread_id = 0
local threads = {}
function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() + thread_id * 7919)
end
local function over()
  counter = counter + 1
  if counter > max_requests then wrk.thread:stop() end
end
function response(status, headers, body)
  if status < 300 then n2xx = n2xx + 1
  elseif status < 400 then n3xx = n3xx + 1
  elseif status < 500 then n4xx = n4xx + 1
  else n5xx = n5xx + 1 end
end
function done(summary, latency, requests)
  local c = {0, 0, 0, 0}
  for _, t in ipairs(threads) do
    c[1] = c[1] + t:get("n2xx"); c[2] = c[2] + t:get("n3xx")
    c[3] = c[3] + t:get("n4xx"); c[4] = c[4] + t:get("n5xx")
  end
  io.write(string.format(
    'JSON {"requests":%d,"duration_us":%d,"status_errors":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,' ..
    '"n2xx":%d,"n3xx":%d,"n4xx":%d,"n5xx":%d}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    c[1], c[2], c[3], c[4]))
end
"""

LUA_GET = r"""
local headers = __HEADERS__
function request()
  over()
  return wrk.format("GET", "__PATH__", headers)
end
"""

LUA_POST = r"""
local bodies = __BODIES__
local headers = __HEADERS__
local prefix = "__PREFIX__"
function request()
  over()
  local h = {}
  for k, v in pairs(headers) do h[k] = v end
  __KEYLINE__
  h["Content-Type"] = "application/x-www-form-urlencoded"
  local body = bodies[(counter % #bodies) + 1]
  return wrk.format("POST", "__PATH__", h, body)
end
"""


@dataclass
class Result:
    name: str
    rps: float  # 2xx answers per second
    rps_all: float  # every answer per second
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    statuses: dict[str, int]  # "2xx", "3xx", "4xx", "5xx"
    socket_errors: int
    seconds: float
    tool: str
    connections: int
    threads: int
    duration: int
    request: dict[str, Any]  # method, path, header names, bodies (count, first)
    command: str
    wrk_non_2xx_3xx: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return self.statuses.get("2xx", 0)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def have_wrk() -> bool:
    if shutil.which("wrk"):
        return True
    try:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True, timeout=300
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return shutil.which("wrk") is not None


def _lua_table(items: list[str] | dict[str, str]) -> str:
    if isinstance(items, dict):
        return (
            "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in items.items()) + "}"
        )
    return "{" + ", ".join(json.dumps(s, ensure_ascii=False) for s in items) + "}"


def run(
    name: str,
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    bodies: list[str] | None = None,
    idempotency: bool = False,
    connections: int = 64,
    duration: int = 10,
    max_requests: int = 1_000_000,
    threads: int = 2,
) -> Result:
    """Drive ``url`` for ``duration`` seconds with ``connections`` keep-alive connections."""
    headers = dict(headers or {})
    if not have_wrk():
        return run_python(name, url, method=method, headers=headers, bodies=bodies,
                          idempotency=idempotency, connections=connections,
                          duration=duration, max_requests=max_requests)  # fmt: skip
    base, path = _split(url)
    script = LUA_COMMON.replace("__MAX__", str(max_requests))
    if method == "GET":
        script += LUA_GET.replace("__HEADERS__", _lua_table(headers)).replace("__PATH__", path)
    else:
        keyline = (
            'h["Idempotency-Key"] = prefix .. "-" .. thread_id .. "-" .. counter'
            if idempotency
            else ""
        )
        script += (
            LUA_POST.replace("__BODIES__", _lua_table(bodies or [""]))
            .replace("__HEADERS__", _lua_table(headers))
            .replace("__PREFIX__", f"{name}-{time.time_ns()}")
            .replace("__KEYLINE__", keyline)
            .replace("__PATH__", path)
        )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        lua = f.name
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        lua,
        base,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    Path(lua).unlink(missing_ok=True)
    line = next((x for x in out.splitlines() if x.startswith("JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result for {name}: {out[-500:]}")
    d = json.loads(line[5:])
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    seconds = d["duration_us"] / 1e6
    statuses = {"2xx": d["n2xx"], "3xx": d["n3xx"], "4xx": d["n4xx"], "5xx": d["n5xx"]}
    return Result(
        name=name,
        rps=round(d["n2xx"] / seconds, 1),
        rps_all=round(d["requests"] / seconds, 1),
        p50_ms=round(d["p50_us"] / 1000, 2),
        p90_ms=round(d["p90_us"] / 1000, 2),
        p99_ms=round(d["p99_us"] / 1000, 2),
        requests=d["requests"],
        statuses=statuses,
        socket_errors=d["connect"] + d["read"] + d["write"] + d["timeout"],
        seconds=round(seconds, 2),
        tool="wrk",
        connections=connections,
        threads=threads,
        duration=duration,
        request=_describe(method, path, headers, bodies, idempotency),
        command=" ".join(cmd[:-3]) + f" -s <{method} {path} script> {base}",
        wrk_non_2xx_3xx=int(m.group(1)) if m else 0,
        extra={"timeouts": d["timeout"], "mean_ms": round(d["mean_us"] / 1000, 2)},
    )


def _describe(
    method: str,
    path: str,
    headers: dict[str, str],
    bodies: list[str] | None,
    idempotency: bool,
) -> dict[str, Any]:
    """What was sent, without the secrets (header values are left out)."""
    return {
        "method": method,
        "path": path,
        "headers": sorted(headers) + (["Idempotency-Key (unique)"] if idempotency else []),
        "bodies": len(bodies or []),
        "first_body": (bodies or [None])[0],
    }


def _split(url: str) -> tuple[str, str]:
    scheme_host, _, rest = url.partition("//")[2].partition("/")
    return f"http://{scheme_host}", "/" + rest


def run_python(
    name: str,
    url: str,
    *,
    method: str,
    headers: dict[str, str],
    bodies: list[str] | None,
    idempotency: bool,
    connections: int,
    duration: int,
    max_requests: int,
) -> Result:
    """The fallback: ``connections`` threads, one keep-alive connection each."""
    base, path = _split(url)
    host, _, port = base.removeprefix("http://").partition(":")
    latencies: list[float] = []
    counts = {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + duration
    prefix = f"{name}-{time.time_ns()}"

    def worker(tid: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(host, int(port or 80), timeout=10)
        mine: list[float] = []
        classes = {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}
        bad = 0
        i = 0
        while time.perf_counter() < deadline and i < max_requests:
            i += 1
            h = dict(headers)
            body = None
            if method == "POST":
                body = (bodies or [""])[i % len(bodies or [""])].encode()
                h["Content-Type"] = "application/x-www-form-urlencoded"
                if idempotency:
                    h["Idempotency-Key"] = f"{prefix}-{tid}-{i}"
            t = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=h)
                response = conn.getresponse()
                response.read()
                classes[f"{min(5, max(2, response.status // 100))}xx"] += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port or 80), timeout=10)
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)
            errors += bad
            for k, v in classes.items():
                counts[k] += v

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)

    def pct(p: float) -> float:
        return round(1000 * latencies[min(n - 1, int(p * n))], 2) if n else 0.0

    return Result(
        name=name,
        rps=round(counts["2xx"] / seconds, 1),
        rps_all=round(n / seconds, 1),
        p50_ms=pct(0.5),
        p90_ms=pct(0.9),
        p99_ms=pct(0.99),
        requests=n,
        statuses=counts,
        socket_errors=errors,
        seconds=round(seconds, 2),
        tool="python",
        connections=connections,
        threads=connections,
        duration=duration,
        request=_describe(method, path, headers, bodies, idempotency),
        command=f"bench/load.py run_python: {connections} threads, {duration} s, {method} {url}",
    )


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> tuple[int, dict[str, str], str]:
    """One request (for set-up: logins, CSRF tokens, cursors)."""
    base, path = _split(url)
    host, _, port = base.removeprefix("http://").partition(":")
    conn = http.client.HTTPConnection(host, int(port or 80), timeout=60)
    h = dict(headers or {})
    if body is not None:
        h.setdefault("Content-Type", "application/x-www-form-urlencoded")
    conn.request(method, path, body=body.encode() if body is not None else None, headers=h)
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    out_headers: dict[str, str] = {}
    for k, v in response.getheaders():
        key = k.lower()
        out_headers[key] = out_headers[key] + "\n" + v if key in out_headers else v
    conn.close()
    return response.status, out_headers, text


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not come up")
