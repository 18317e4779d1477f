"""`python -m bench.alerts`: how long `alerts.check` and the alerts page take on seeded data, and
(with --screenshots) the page at 1440×900 and 390×844 in headless Chromium.

A scratch SQLite database gets `--sessions` seeded sessions over 90 days and a set of rules like a
support lead would write (one per watched metric, a topic's volume, an anomaly rule, a paused one,
a webhook nobody answers), then the check runs twice (first: state changes and notices; second:
the steady state every minute looks like) and the page is rendered.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.browser import SELECTORS, chromium, create_staff, free_port, server, set_viewport, sign_in

RULES = [
    {"name": "Slow answers (p95)", "metric": "p95_response_time", "window": "1h", "condition": "above", "threshold": "1500"},
    {"name": "Average answer time", "metric": "avg_response_time", "window": "24h", "condition": "above", "threshold": "5000"},
    {"name": "Escalations up", "metric": "escalation_rate", "window": "24h", "condition": "above", "threshold": "10"},
    {"name": "Resolution down", "metric": "resolution_rate", "window": "24h", "condition": "below", "threshold": "60"},
    {"name": "Unhappy users", "metric": "avg_satisfaction", "window": "24h", "condition": "below", "threshold": "3.5", "min_sample": "10"},
    {"name": "Traffic unusual", "metric": "sessions", "window": "1h", "condition": "anomalous", "min_sample": "5"},
    {"name": "Billing volume", "metric": "sessions", "window": "24h", "condition": "above", "threshold": "40", "topic": "billing"},
    {"name": "Open sessions pile up", "metric": "active_sessions", "window": "15m", "condition": "above", "threshold": "50", "paused": True},
]  # fmt: skip


def build(url: str, sessions: int, dead_webhook: str) -> None:
    """Seed the database and store the rules (the first and the third notify a dead webhook)."""
    from alerts.rules import create_rule, validate_rule
    from data.db import create_engine, upgrade_schema
    from data.seed import generate

    engine = create_engine(url)
    upgrade_schema(engine)
    generate(engine, sessions=sessions, days=90, active=20, seed=7)
    with engine.begin() as conn:
        for i, rule in enumerate(RULES):
            hooks = [{"url": dead_webhook, "secret": secrets.token_hex(16)}] if i in (0, 2) else []
            create_rule(
                conn,
                validate_rule({**rule, "emails": ["support-leads@example.org"], "webhooks": hooks}),
                actor="bench",
            )
    engine.dispose()


def timed_checks(url: str) -> list[float]:
    """Seconds of two consecutive `alerts.check` runs (SMTP unset: emails fail and are queued for retry)."""
    from alerts.check import run_once
    from config import Config
    from data.db import create_engine

    config = Config(database_url=url, alerts_allow_private_webhooks=True)
    engine = create_engine(url)
    seconds = []
    for _ in range(2):
        started = time.perf_counter()
        run = run_once(engine, config, {})
        seconds.append(time.perf_counter() - started)
        print(
            f"check: {len(run.readings)} rules, {len(run.changes)} changes, {len(run.outcomes)} delivery attempts "
            f"in {seconds[-1] * 1000:.0f} ms",
            file=sys.stderr,
        )
    engine.dispose()
    return seconds


def page_seconds(base: str, username: str, password: str, times: int = 5) -> list[float]:
    """Seconds to GET the alerts page, signed in, `times` times."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = {"Accept": "text/html"}
    login = opener.open(urllib.request.Request(base + "/login", headers=html)).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    opener.open(urllib.request.Request(base + "/login", data=form, headers=html))
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        with opener.open(
            urllib.request.Request(base + "/admin/chat-analytics/alerts/", headers=html)
        ) as response:
            assert response.status == 200 and b"<h1" in response.read()
        seconds.append(time.perf_counter() - started)
    return seconds


def screenshots(base: str, username: str, password: str, folder: Path) -> list[Path]:
    """Full-page PNGs of the alerts page, 1440 and 390 CSS pixels wide."""

    saved = []
    with chromium(SELECTORS, quiet_ms=500) as driver:
        sign_in(driver, base, username, password, SELECTORS)
        time.sleep(1)
        for name, (width, height) in {"alerts": (1440, 900), "alerts-390": (390, 844)}.items():
            set_viewport(driver, width, height)
            driver.get(base + "/admin/chat-analytics/alerts/")
            tall = driver.execute_script("return document.documentElement.scrollHeight")
            set_viewport(driver, width, max(height, int(tall)))
            time.sleep(0.5)
            path = folder / f"{name}.png"
            driver.save_screenshot(str(path))
            saved.append(path)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alerts", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20_000, help="seeded sessions (90 days)")
    parser.add_argument("--screenshots", type=Path, help="save alerts.png and alerts-390.png here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{Path(work) / 'alerts.db'}"
        started = time.perf_counter()
        build(url, args.sessions, f"http://127.0.0.1:{free_port()}/hooks/support")  # nobody listens there
        print(f"seeded {args.sessions:,} sessions in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        checks = timed_checks(url)
        username, password = create_staff(url)
        os.environ["ALERTS_ALLOW_PRIVATE_WEBHOOKS"] = "1"
        with server(url, 60, Path(work) / "server.log") as base:
            pages = page_seconds(base, username, password)
            shots = screenshots(base, username, password, args.screenshots) if args.screenshots else []
    page_ms = sorted(s * 1000 for s in pages)
    print(
        f"{args.sessions:,} sessions, {len(RULES)} rules ({datetime.now(UTC):%Y-%m-%d}): "
        f"alerts.check first run {checks[0] * 1000:.0f} ms, steady run {checks[1] * 1000:.0f} ms; "
        f"alerts page median {page_ms[len(page_ms) // 2]:.0f} ms (of {len(page_ms)})"
    )
    for path in shots:
        print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
