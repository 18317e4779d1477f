"""`python -m bench.browser`: how fast the dashboard is in a real browser, measured by headless Chromium.

Seeds a scratch SQLite database (a seeded copy is cached under bench/cache/), starts the server as
the README runs it (`python app.py --port P`) with the figure cache on or off, creates a staff
account, signs in through the login form and measures, in the browser's own clock
(`performance.now()`, 0 = navigation start):

- first load: navigation start to every KPI card showing a figure and every chart drawn with data,
  no placeholder or skeleton left and no output flagged `data-dash-is-loading="true"`;
- period change: the press on a preset button to the last change of any KPI card or chart, once
  the period label has changed, every callback answered and the page stayed quiet for `--quiet-ms`.

The page is watched by a script injected before any of the page's own (a MutationObserver on the
cards, charts and table, and a count of Dash's callback requests); a requestAnimationFrame loop
decides when the page has settled and reports the frame after the last change. Prints a table and
merges the figures into bench/results/browser-<date>.json. What the script looks for on the page is
in `SELECTORS` below: change it there when the markup changes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, make_url, select

from bench.scratch import wait_healthy

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Headless Chromium as root with no network chatter; the tests' browser (tests/conftest.py) uses them too.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = (1440, 900)
PHONE = (390, 844)
DISPLAY_TIMEZONE = "America/New_York"


@dataclass(frozen=True)
class Selectors:
    """What the script looks for on the page: the one place to adapt when the markup changes."""

    dashboard_path: str = "/admin/chat-analytics/"
    login_path: str = "/login"
    username_input: str = "#username"
    password_input: str = "#password"  # noqa: S105 - a CSS selector
    submit: str = "#login-submit"
    # A card is shown when each of these matches `kpi_ready` (a figure, or "n/a" for an empty period)
    # and sits in no placeholder.
    kpi_value: str = "[id^='kpi-'] .kpi-value"
    kpi_ready: str = r"\d|^n/a$"
    min_kpis: int = 7
    # Containers whose changes count as "the cards updated" (the live card is left out on purpose:
    # its clock rewrites "Updated N s ago" every second, and it sits in #kpi-row, which the plain
    # `[id^='kpi-']` also matched, so every tick used to count as a card changing).
    kpi_group: str = "[id^='kpi-']:not(#kpi-row)"
    # Each chart container must hold a drawn plotly graph (main svg, layout, at least one trace or
    # an annotation such as an empty-state note).
    chart: str = ".dash-graph"
    chart_plot: str = ".js-plotly-plot"
    min_charts: int = 7
    grid: str = "#sessions-grid"
    placeholder: str = ".placeholder, .placeholder-glow, .placeholder-wave, .skeleton, [aria-busy='true']"
    loading: str = "[data-dash-is-loading='true']"
    # Outputs whose own loading flag is ignored: the live card's timer ticks on its own.
    loading_ignore: str = "#live-active, #live-updated, #live-tick, [id^='live-']"
    period_label: str = "#period-label"
    # Preset buttons, clicked in this order; each is found by `preset_xpath` with its label.
    presets: tuple[str, ...] = ("Last 24 hours", "Last 7 days", "Last 30 days", "Last 90 days")
    preset_xpath: str = "//label[normalize-space()='{label}']"
    # Requests counted as Dash callbacks (the page is settled only when none is in flight).
    dash_request: str = "_dash-update-component"


SELECTORS = Selectors()

# Injected before the page's own scripts (Page.addScriptToEvaluateOnNewDocument): counts Dash's
# callback requests, watches the cards, charts and table for changes, and notes presses.
INSTRUMENT_JS = r"""
(() => {
  if (window.__bench) return;
  const S = __SELECTORS__;
  const GROUPS = {kpis: S.kpi_group, charts: S.chart, grid: S.grid};
  const b = window.__bench = {pending: 0, requests: [], lastChange: {}, lastFrame: {}, t0: 0,
                              baseline: null, armedAt: null, dirty: new Set(), framePending: false};
  const origFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    if (!url.includes(S.dash_request)) return origFetch(input, init);
    const rec = {start: performance.now(), end: null, output: ''};
    try { rec.output = String(JSON.parse((init && init.body) || '{}').output || '').slice(0, 160); } catch (e) {}
    b.pending++; b.requests.push(rec);
    const done = () => { if (rec.end === null) { rec.end = performance.now(); b.pending--; } };
    return origFetch(input, init).then(
      (r) => r.clone().arrayBuffer().then(() => { done(); return r; }, () => { done(); return r; }),
      (e) => { done(); throw e; });
  };
  const observer = new MutationObserver((records) => {
    const now = performance.now();
    for (const rec of records) {
      const el = rec.target.nodeType === 1 ? rec.target : rec.target.parentElement;
      if (!el || !el.closest) continue;
      for (const [group, sel] of Object.entries(GROUPS)) {
        if (!b.dirty.has(group) && el.closest(sel)) { b.lastChange[group] = now; b.dirty.add(group); }
      }
    }
    if (b.dirty.size && !b.framePending) {
      b.framePending = true;
      requestAnimationFrame(() => {
        const t = performance.now();
        for (const group of b.dirty) b.lastFrame[group] = t;
        b.dirty.clear(); b.framePending = false;
      });
    }
  });
  const start = () => observer.observe(document, {subtree: true, childList: true, attributes: true,
                                                  characterData: true});
  if (document.documentElement) start(); else document.addEventListener('readystatechange', start, {once: true});
  document.addEventListener('pointerdown', (e) => {
    if (b.armedAt !== null && b.t0 === null) b.t0 = e.timeStamp || performance.now();
  }, true);
  const text = (sel) => { const el = document.querySelector(sel); return el ? el.textContent.trim() : null; };
  b.arm = () => { b.baseline = text(S.period_label); b.armedAt = performance.now(); b.t0 = null; };
  const drawn = (box) => {
    const p = box.matches(S.chart_plot) ? box : box.querySelector(S.chart_plot);
    if (!p || !p._fullLayout || !p.querySelector('.main-svg')) return false;
    const notes = (p.layout && p.layout.annotations) || [];
    return (p.data || []).length > 0 || notes.length > 0;
  };
  const ready = new RegExp(S.kpi_ready);
  const placeholder = (el) => el.closest(S.placeholder) !== null || el.querySelector(S.placeholder) !== null;
  b.state = (mode) => {
    const now = performance.now();
    const t0 = mode === 'load' ? 0 : (b.t0 === null ? b.armedAt : b.t0);
    const kpis = [...document.querySelectorAll(S.kpi_value)];
    const charts = [...document.querySelectorAll(S.chart)];
    const loading = [...document.querySelectorAll(S.loading)].filter(
      (el) => !el.matches(S.loading_ignore) && !el.closest(S.loading_ignore));
    const requests = b.requests.filter((r) => r.start >= t0);
    const label = text(S.period_label);
    const checks = {
      kpis: kpis.length >= S.min_kpis && kpis.every((el) => ready.test(el.textContent.trim()) && !placeholder(el)),
      charts: charts.length >= S.min_charts && charts.every((el) => drawn(el) && !placeholder(el)),
      not_loading: loading.length === 0,
      requests_done: b.pending === 0 && requests.length > 0,
      label_changed: mode === 'load' || label !== b.baseline,
    };
    const after = (group) => (b.lastChange[group] || 0) >= t0;
    const activity = Math.max(t0, ...Object.values(b.lastChange), ...requests.map((r) => r.end ?? now));
    checks.quiet = now - activity >= S.quiet_ms;
    const frame = (group) => (after(group) ? (b.lastFrame[group] ?? b.lastChange[group]) - t0 : null);
    const out = {
      settled: Object.values(checks).every(Boolean), checks, t0, elapsed_ms: now - t0,
      kpis_ms: frame('kpis'), charts_ms: frame('charts'), grid_ms: frame('grid'),
      kpi_count: kpis.length, chart_count: charts.length, label,
      loading_ids: loading.map((el) => el.id || el.className).slice(0, 10),
      requests: requests.length,
      first_request_ms: requests.length ? requests[0].start - t0 : null,
      last_response_ms: requests.length ? Math.max(...requests.map((r) => r.end ?? now)) - t0 : null,
    };
    out.ms = Math.max(out.kpis_ms ?? 0, out.charts_ms ?? 0);
    if (mode === 'load') {
      const nav = performance.getEntriesByType('navigation')[0];
      if (nav) Object.assign(out, {response_end_ms: nav.responseEnd, dom_content_loaded_ms: nav.domContentLoadedEventEnd,
                                   load_event_ms: nav.loadEventEnd});
      out.scripts = performance.getEntriesByType('resource')
        .filter((e) => e.initiatorType === 'script' && (e.encodedBodySize > 100000 || e.transferSize > 100000))
        .map((e) => ({name: e.name.split('/').pop().split('?')[0], start: Math.round(e.startTime),
                      end: Math.round(e.responseEnd), kb: Math.round(e.decodedBodySize / 1024)}));
      out.timeline = requests.map((r) => ({start: Math.round(r.start), end: r.end && Math.round(r.end), output: r.output}));
    }
    return out;
  };
})();
"""

# Polls b.state() once a frame until the page has settled or time is up (execute_async_script).
WAIT_JS = r"""
const [mode, timeoutMs, done] = arguments;
const began = performance.now();
const tick = () => {
  const b = window.__bench;
  if (!b) return performance.now() - began > timeoutMs ? done({error: 'instrumentation missing'}) : requestAnimationFrame(tick);
  const state = b.state(mode);
  if (state.settled) return done(state);
  if (performance.now() - began > timeoutMs) { state.error = 'timeout'; return done(state); }
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
"""


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation, as numpy's default."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(samples: list[float]) -> dict:
    """Count, p50 and max of a list of milliseconds (rounded)."""
    return {"n": len(samples), "p50_ms": round(percentile(samples, 50)), "max_ms": round(max(samples))}


# --- the database -----------------------------------------------------------------------------


def _sessions_and_newest(url: str) -> tuple[int, datetime | None]:
    from sqlalchemy import inspect

    from data.db import create_engine
    from data.schema import chat_sessions

    engine = create_engine(url)
    try:
        # Read only: the cached file stays at the schema it was seeded with, so that an older
        # checkout (--app-dir) can still serve a copy of it; each served copy is upgraded by its app.
        if not inspect(engine).has_table("chat_sessions"):
            return 0, None
        with engine.connect() as conn:
            count, newest = conn.execute(
                select(func.count(), func.max(chat_sessions.c.created_at)).select_from(chat_sessions)
            ).one()
    finally:
        engine.dispose()
    if newest is not None and newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return count, newest


def _seed(url: str, sessions: int) -> None:
    print(f"seeding {sessions:,} sessions (python -m data.seed) ...", file=sys.stderr, flush=True)
    subprocess.run(
        [sys.executable, "-m", "data.seed", "--sessions", str(sessions)],
        cwd=ROOT, env=dict(os.environ, DATABASE_URL=url), check=True,
    )  # fmt: skip


def cached_database(sessions: int, max_age_hours: float) -> Path:
    """bench/cache/browser-N.db, seeded with `sessions` sessions ending within `max_age_hours` (reseeded if not)."""
    path = CACHE / f"browser-{sessions}.db"
    if path.exists():
        count, newest = _sessions_and_newest(f"sqlite:///{path}")
        fresh = newest is not None and datetime.now(UTC) - newest <= timedelta(hours=max_age_hours)
        if count == sessions and fresh:
            return path
        print(
            f"{path.name} is stale or partial ({count:,} sessions, newest {newest}); reseeding",
            file=sys.stderr,
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.db")
    partial.unlink(missing_ok=True)
    _seed(f"sqlite:///{partial}", sessions)
    partial.replace(path)  # never a half-seeded cache after an interruption
    return path


@contextmanager
def scratch_copy(sessions: int, database_url: str | None, max_age_hours: float) -> Iterator[str]:
    """The URL to serve: a throwaway copy of the cached seeded file, or `database_url` (seeded if empty)."""
    if database_url:
        count, _ = _sessions_and_newest(database_url)
        if count == 0:
            _seed(database_url, sessions)
        yield database_url
        return
    source = cached_database(sessions, max_age_hours)
    folder = Path(tempfile.mkdtemp(prefix="browser-bench-"))
    try:
        with sqlite3.connect(source) as src, sqlite3.connect(folder / "scratch.db") as dst:
            src.backup(dst)  # consistent even if a write-ahead log is beside the cached file
        yield f"sqlite:///{folder / 'scratch.db'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the server and the browser ----------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_staff(url: str, app_dir: Path = ROOT) -> tuple[str, str]:
    """A new staff account on `url` made with `python -m data.users create`; (username, password)."""
    username, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    subprocess.run(
        [sys.executable, "-m", "data.users", "create", username, "--staff", "--password-stdin"],
        cwd=app_dir, env=dict(os.environ, DATABASE_URL=url), input=password + "\n", text=True,
        check=True, capture_output=True,
    )  # fmt: skip
    return username, password


@contextmanager
def server(url: str, cache_seconds: int, log: Path, app_dir: Path = ROOT) -> Iterator[str]:
    """`python app.py --port P` (in `app_dir`) as the README runs it, until the block ends; yields its base URL."""
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_urlsafe(48),
        CACHE_SECONDS=str(cache_seconds),
        DISPLAY_TIMEZONE=DISPLAY_TIMEZONE,
    )
    env.pop("DEBUG", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port)],
            cwd=app_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, process, timeout=180)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def busy_core(enabled: bool) -> Iterator[None]:
    """A subprocess spinning in a loop (one core busy) for the block, when `enabled`."""
    if not enabled:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


@contextmanager
def chromium(selectors: Selectors, quiet_ms: int) -> Iterator:
    """Headless Chromium through chromedriver, instrumented on every new document; quit afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}")
    if os.path.exists(CHROMIUM):
        options.binary_location = CHROMIUM
    service = Service(CHROMEDRIVER) if os.path.exists(CHROMEDRIVER) else Service()
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.set_script_timeout(300)
        driver.set_page_load_timeout(180)
        config = dict(asdict(selectors), quiet_ms=quiet_ms)
        source = INSTRUMENT_JS.replace("__SELECTORS__", json.dumps(config))
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})
        set_viewport(driver, *VIEWPORT)
        yield driver
    finally:
        driver.quit()


def set_viewport(driver, width: int, height: int) -> None:
    """Make the page's viewport exactly width × height CSS pixels (a phone below 600 px wide)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def sign_in(driver, base: str, username: str, password: str, selectors: Selectors) -> None:
    """Sign in through the login form, as a person would."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base + selectors.login_path)
    WebDriverWait(driver, 60).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, selectors.username_input))
    )
    driver.find_element(By.CSS_SELECTOR, selectors.username_input).send_keys(username)
    driver.find_element(By.CSS_SELECTOR, selectors.password_input).send_keys(password)
    driver.find_element(By.CSS_SELECTOR, selectors.submit).click()
    WebDriverWait(driver, 60).until(lambda d: selectors.login_path not in d.current_url)


def wait_settled(driver, mode: str, timeout_s: float) -> dict:
    """Wait in the browser until the page has settled ('load': since navigation start; 'change': since the press)."""
    state = driver.execute_async_script(WAIT_JS, mode, int(timeout_s * 1000))
    if state.get("error"):
        raise RuntimeError(f"the page did not settle ({mode}): {json.dumps(state)[:1500]}")
    return state


def load(driver, base: str, selectors: Selectors, timeout_s: float) -> dict:
    """Open the dashboard; the browser's timings from navigation start to every card and chart shown."""
    driver.get(base + selectors.dashboard_path)
    return wait_settled(driver, "load", timeout_s)


def change_period(driver, label: str, selectors: Selectors, timeout_s: float) -> dict:
    """Press the preset `label`; the browser's timings from the press to every card and chart updated."""
    from selenium.webdriver.common.by import By

    button = driver.find_element(By.XPATH, selectors.preset_xpath.format(label=label))
    driver.execute_script("window.__bench.arm()")
    button.click()
    return wait_settled(driver, "change", timeout_s)


def screenshots(driver, base: str, folder: Path, selectors: Selectors, timeout_s: float) -> list[Path]:
    """Full-page PNGs of the dashboard (default view) and of the login page at 1440 and 390 px wide."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    folder.mkdir(parents=True, exist_ok=True)
    saved = []

    def full_page(name: str, width: int, height: int) -> None:
        tall = driver.execute_script(
            "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)"
        )
        set_viewport(driver, width, max(height, int(tall)))
        time.sleep(1.0)  # let responsive charts and the grid lay out at the new size
        driver.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
        path = folder / f"{name}-{width}.png"
        driver.save_screenshot(str(path))
        saved.append(path)

    for width, height in (VIEWPORT, PHONE):
        set_viewport(driver, width, height)
        load(driver, base, selectors, timeout_s)
        full_page("dashboard", width, height)
    driver.delete_all_cookies()
    for width, height in (VIEWPORT, PHONE):
        set_viewport(driver, width, height)
        driver.get(base + selectors.login_path)
        WebDriverWait(driver, 60).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, selectors.username_input))
        )
        full_page("login", width, height)
    set_viewport(driver, *VIEWPORT)
    return saved


# --- one configuration ---------------------------------------------------------------------------


def measure(url: str, cache_seconds: int, args: argparse.Namespace, work: Path, shots: Path | None) -> dict:
    """Serve `url` with this cache setting and measure loads and period changes in a fresh Chromium."""
    selectors = SELECTORS
    username, password = create_staff(url, args.app_dir)
    with server(url, cache_seconds, work / f"server-cache-{cache_seconds}.log", args.app_dir) as base:
        with chromium(selectors, args.quiet_ms) as driver:
            sign_in(driver, base, username, password, selectors)
            loads = [load(driver, base, selectors, args.timeout) for _ in range(args.runs)]
            changes: dict[str, list[dict]] = {label: [] for label in selectors.presets}
            for _ in range(args.runs):
                for label in selectors.presets:
                    changes[label].append(change_period(driver, label, selectors, args.timeout))
            saved = screenshots(driver, base, shots, selectors, args.timeout) if shots else []
    every_change = [s["ms"] for samples in changes.values() for s in samples]
    return {
        "cache": "on" if cache_seconds else "off",
        "cache_seconds": cache_seconds,
        "load": {
            "first_ms": round(loads[0]["ms"]),
            **summary([s["ms"] for s in loads]),
            "samples": [_brief(s) for s in loads],
            "timeline_first_load": loads[0].get("timeline", []),
            "big_scripts_first_load": loads[0].get("scripts", []),
        },
        "change": {
            **summary(every_change),
            "by_preset": {label: summary([s["ms"] for s in samples]) for label, samples in changes.items()},
            "samples": {label: [_brief(s) for s in samples] for label, samples in changes.items()},
        },
        "screenshots": [str(p) for p in saved],
    }


def _brief(state: dict) -> dict:
    keys = ("ms", "kpis_ms", "charts_ms", "grid_ms", "requests", "first_request_ms", "last_response_ms",
            "response_end_ms", "dom_content_loaded_ms", "load_event_ms", "label")  # fmt: skip
    return {k: (round(state[k]) if isinstance(state[k], float) else state[k]) for k in keys if k in state}


def checkout(app_dir: Path) -> str:
    """`branch@commit` of the checkout served (a `+` when it has uncommitted changes), or '?'."""
    git = ["git", "-C", str(app_dir)]
    try:
        branch = subprocess.run(
            [*git, "rev-parse", "--abbrev-ref", "HEAD"], capture_output=True, text=True, check=True
        )
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return f"{branch.stdout.strip()}@{commit.stdout.strip()}" + ("+" if dirty.stdout.strip() else "")


def run(args: argparse.Namespace) -> list[dict]:
    """Every configuration asked for, on one scratch copy of the seeded database; one dict each."""
    caches = {"off": [0], "on": [60], "both": [0, 60]}[args.cache]
    results = []
    with (
        scratch_copy(args.sessions, args.database_url, args.max_age_hours) as url,
        tempfile.TemporaryDirectory(prefix="browser-run-") as work,
    ):
        backend = make_url(url).get_backend_name()
        for n, cache_seconds in enumerate(caches):
            shots = args.screenshots if (args.screenshots and n == 0) else None
            label = "on" if cache_seconds else "off"
            print(f"measuring: {args.sessions:,} sessions, cache {label}, busy core {args.busy_core} ...",
                  file=sys.stderr, flush=True)  # fmt: skip
            load_before = os.getloadavg()[0]
            with busy_core(args.busy_core):
                figures = measure(url, cache_seconds, args, Path(work), shots)
            results.append(
                {
                    "when": datetime.now(UTC).isoformat(timespec="seconds"),
                    "sessions": args.sessions,
                    "backend": backend,
                    "busy_core": args.busy_core,
                    "checkout": checkout(args.app_dir),
                    "runs": args.runs,
                    "viewport": f"{VIEWPORT[0]}x{VIEWPORT[1]}",
                    "machine": {
                        "cores": os.cpu_count(),
                        "python": platform.python_version(),
                        "load_avg_1m_before": round(load_before, 2),
                        "load_avg_1m_after": round(os.getloadavg()[0], 2),
                    },  # fmt: skip
                    **figures,
                }
            )
    return results


def render(results: list[dict]) -> str:
    """The figures as a markdown table (milliseconds; p50 and max over every sample)."""
    lines = [
        "| checkout | sessions | cache | busy core | first load | load p50 | load max | change p50 | change max "
        "| changes | load avg |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ld, ch, m = r["load"], r["change"], r["machine"]
        lines.append(
            f"| {r.get('checkout', '?')} | {r['sessions']:,} | {r['cache']} | {'yes' if r['busy_core'] else 'no'} "
            f"| {ld['first_ms']:,} "
            f"| {ld['p50_ms']:,} | {ld['max_ms']:,} | {ch['p50_ms']:,} | {ch['max_ms']:,} | {ch['n']} "
            f"| {m['load_avg_1m_before']:.1f} → {m['load_avg_1m_after']:.1f} |"
        )
    lines += ["", "| sessions | cache | busy core | " + " | ".join(SELECTORS.presets) + " |",
              "|---:|---|---|" + "---:|" * len(SELECTORS.presets)]  # fmt: skip
    for r in results:
        cells = [
            f"{s['p50_ms']:,} / {s['max_ms']:,}"
            for s in (r["change"]["by_preset"][p] for p in SELECTORS.presets)
        ]
        lines.append(
            f"| {r['sessions']:,} | {r['cache']} | {'yes' if r['busy_core'] else 'no'} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)


def save(results: list[dict], output: Path) -> None:
    """Merge `results` into `output`: a measurement replaces the one of the same configuration."""
    key = lambda r: (r["sessions"], r["backend"], r["cache"], r["busy_core"], r.get("checkout"))  # noqa: E731
    kept = []
    if output.exists():
        kept = [
            r
            for r in json.loads(output.read_text()).get("measurements", [])
            if key(r) not in set(map(key, results))
        ]
    merged = sorted(kept + results, key=lambda r: (r["busy_core"], r["sessions"], r["cache"]))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"measurements": merged}, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Command line: measure, print the table, merge the JSON under bench/results/."""
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000, help="seeded sessions (default 100,000)")
    parser.add_argument("--database-url", help="serve this database instead (seeded first when empty)")
    parser.add_argument(
        "--cache", choices=("on", "off", "both"), default="both", help="figure cache (default both)"
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="page loads, and rounds of preset clicks (default 5)"
    )
    parser.add_argument("--busy-core", action="store_true", help="keep one core busy with a spinning process")
    parser.add_argument("--screenshots", type=Path, help="save dashboard-/login-1440.png and -390.png here")
    parser.add_argument(
        "--quiet-ms", type=int, default=500, help="settled = no change for this long (default 500)"
    )
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for one load or change")
    parser.add_argument(
        "--max-age-hours", type=float, default=6, help="reseed a cached database older than this"
    )
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT,
        help="serve the app of this checkout (default: this one), e.g. a worktree of main for 'before' figures",
    )
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/browser-<date>.json)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    results = run(args)
    print(render(results))
    output = args.output or RESULTS / f"browser-{datetime.now(UTC):%Y-%m-%d}.json"
    save(results, output)
    print(f"\nsaved {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
