"""Probe: crawl a running server in headless Chromium as one account and report every
Content-Security-Policy violation, script error and page without the strict policy.

    make run                                                   # another shell: the demo
    .venv/bin/python bench/csp_crawl.py chengdong_secretary
    .venv/bin/python bench/csp_crawl.py city_admin --start / /admin/ /api/v1/docs --limit 200

Signs in with the demo password, then follows every same-origin link breadth-first
(GET only; logout, exports, reveals and media are skipped), at most two pages of each
URL shape (digits folded: /cases/12/ and /cases/40/ are one shape) and ``--limit``
pages in all. Prints the pages visited and each problem; exits 1 if there is any.
The suite's own check is web/tests/test_csp_browser.py; this reaches every page the
demo links to."""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from urllib.parse import urljoin, urlparse

from playwright.sync_api import ConsoleMessage, sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SKIP = ("logout", ".xlsx", "/media/", "/static/", "/reveal/", "/delete/", "/i18n/")
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}:${e.lineNumber}`));
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("username")
    parser.add_argument("--password", default="shequgang-demo")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--start", nargs="+", default=["/"])
    parser.add_argument("--limit", type=int, default=150)
    args = parser.parse_args()
    origin = urlparse(args.base_url).netloc
    problems: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=args.base_url, viewport={"width": 1280, "height": 900}
        )
        context.add_init_script(LISTEN)
        page = context.new_page()

        def console(message: ConsoleMessage) -> None:
            # A 4xx answer or a missing file is "Failed to load resource", not the policy.
            if message.type == "error" and "Failed to load resource" not in message.text:
                problems.append(f"{page.url}: {message.text}")

        page.on("console", console)
        page.on("pageerror", lambda error: problems.append(f"{page.url}: script error {error}"))
        page.goto("/login/")
        page.fill("input[name=username]", args.username)
        page.fill("input[name=password]", args.password)
        page.click("button[type=submit]")
        page.locator("form.logout").wait_for()  # signed in

        queue, seen, shapes = list(args.start), set(), Counter()
        while queue and len(seen) < args.limit:
            url = urlparse(urljoin(args.base_url + "/", queue.pop(0)))
            if url.scheme not in ("http", "https") or url.netloc != origin:
                continue
            path = url.path + (f"?{url.query}" if url.query else "")
            shape = re.sub(r"\d+", "N", url.path)
            if path in seen or shapes[shape] >= 2 or any(s in path for s in SKIP):
                continue
            seen.add(path)
            shapes[shape] += 1
            response = page.goto(path)
            page.wait_for_load_state("networkidle")
            policy = response.headers.get("content-security-policy", "") if response else ""
            if "script-src 'self'" not in policy or "unsafe" in policy:
                problems.append(f"{path}: policy {policy!r}")
            problems += [f"{path}: {v}" for v in page.evaluate("window.__cspViolations")]
            queue += page.eval_on_selector_all(
                "a[href]", "links => links.map((a) => a.getAttribute('href'))"
            )
        browser.close()

    print(f"{args.username}: {len(seen)} pages, {len(shapes)} URL shapes")
    for path in sorted(seen):
        print("  ", path)
    for problem in problems:
        print("PROBLEM", problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
