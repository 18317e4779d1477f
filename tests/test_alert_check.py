"""`alerts.check`: one email and one signed webhook when a rule starts firing and one of each when it
recovers, never twice (re-runs, two processes at once); dead webhooks retried; private targets refused."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import html
import ipaddress
import json
import os
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import bindparam, text

from alerts import webhooks
from alerts.check import run_once
from alerts.rules import create_rule, validate_rule
from config import Config
from data.schema import UTCDateTime
from tests.builders import Msg, Spec, build, sid
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET = "receiver-secret-0123456789abcdef"
NOW = datetime(2026, 11, 20, 10, 16, 30, tzinfo=UTC)  # the last completed quarter-hour: 10:00-10:15


class Receiver:
    """A local HTTP server recording each POST (headers, body); answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.posts.append((dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?team=support"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


class Mailbox(list):
    """The messages a local SMTP server received; `env` points SMTP_* at it."""

    env: dict[str, str]


@pytest.fixture
def mailbox():
    from aiosmtpd.controller import Controller

    received = Mailbox()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    received.env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "REPORT_FROM": "alerts@example.org"}
    yield received
    controller.stop()


def read_mail(envelope) -> str:
    """The message's Subject line and its plain-text part, decoded."""
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    return f"Subject: {message['Subject']}\n" + message.get_body(("plain",)).get_content()


def config_for(database_url: str, **overrides) -> Config:
    settings = {
        "database_url": database_url,
        "public_url": "https://analytics.example.org",
        "alerts_allow_private_webhooks": True,
    }
    return Config(**{**settings, **overrides})


def answers(start: datetime, times_ms: list[float], first: int) -> list[Spec]:
    """One session per answer, created at `start` + i minutes, its assistant answer taking ms."""
    return [
        Spec(
            sid(first + i), "client", start + timedelta(minutes=i), [Msg("user", 0), Msg("assistant", 5, ms)]
        )
        for i, ms in enumerate(times_ms)
    ]


def add_rule(engine, url: str | None, **fields) -> int:
    rule = {
        "name": "Slow answers",
        "metric": "avg_response_time",
        "window": "15m",
        "condition": "above",
        "threshold": "2000",
        "emails": ["lead@example.org"],
        "webhooks": [{"url": url, "secret": SECRET}] if url else [],
        **fields,
    }
    with engine.begin() as conn:
        return create_rule(conn, validate_rule(rule), actor="lead")


def verified(headers: dict, body: bytes) -> dict:
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Chat-Analytics-Signature"], expected)
    assert headers["Content-Type"] == "application/json"
    return json.loads(body)


def test_one_email_and_one_signed_webhook_on_firing_and_on_recovery(engine, database_url, receiver, mailbox):
    # 10:00-10:15: answers of 1, 2, 3, 4 and 5 s (mean 3,000 ms); 10:15-10:30: 0.5 s each.
    build(engine, answers(datetime(2026, 11, 20, 10, 0, tzinfo=UTC), [1000, 2000, 3000, 4000, 5000], 1))
    build(engine, answers(datetime(2026, 11, 20, 10, 16, 40, tzinfo=UTC), [500, 500], 10))
    add_rule(engine, receiver.url)
    config = config_for(database_url)

    first = run_once(engine, config, mailbox.env, now=NOW)
    assert [c.change for c in first.changes] == ["firing"]
    for minute in range(1, 5):  # every minute until the window ends: still firing, nothing new
        run_once(engine, config, mailbox.env, now=NOW + timedelta(minutes=minute))
    assert len(mailbox) == 1 and len(receiver.posts) == 1

    mail = read_mail(mailbox[0])
    assert mailbox[0].rcpt_tos == ["lead@example.org"]
    assert "Subject: [Alert] Slow answers: Avg response time 3,000 ms (above 2,000 ms)" in mail
    assert "Window: 15 minutes, 20 Nov 2026 10:00 UTC to 20 Nov 2026 10:15 UTC" in mail
    link = "https://analytics.example.org/admin/chat-analytics/?start_date=2026-11-20&end_date=2026-11-20"
    assert link in mail
    payload = verified(*receiver.posts[0])
    assert payload["rule"] == "Slow answers" and payload["metric"] == "avg_response_time"
    assert payload["value"] == 3000 and payload["threshold"] == 2000 and payload["baseline"] is None
    assert payload["state"] == "firing" and payload["resolved_at"] is None
    assert payload["started_at"] == "2026-11-20T10:15:00+00:00"
    assert payload["dashboard_url"] == link and "Slow answers" in payload["text"]

    later = NOW + timedelta(minutes=15)  # 10:31: the window 10:15-10:30 has a mean of 500 ms
    recovered = run_once(engine, config, mailbox.env, now=later)
    assert [c.change for c in recovered.changes] == ["recovered"]
    run_once(engine, config, mailbox.env, now=later + timedelta(minutes=1))
    assert len(mailbox) == 2 and len(receiver.posts) == 2
    assert "Subject: [Recovered] Slow answers: Avg response time back to 500 ms" in read_mail(mailbox[1])
    payload = verified(*receiver.posts[1])
    assert payload["state"] == "ok" and payload["value"] == 500
    assert payload["resolved_at"] == "2026-11-20T10:30:00+00:00"
    with engine.connect() as conn:
        event = conn.execute(text("SELECT value, threshold, started_at, resolved_at FROM alert_events")).one()
        delivered = conn.execute(text("SELECT COUNT(*) FROM alert_deliveries WHERE delivered_at IS NOT NULL"))
        assert delivered.scalar() == 4
    assert event.value == 3000 and event.threshold == 2000 and event.resolved_at is not None


def test_too_small_a_sample_changes_nothing(engine, database_url, mailbox):
    build(engine, answers(datetime(2026, 11, 20, 10, 0, tzinfo=UTC), [9000, 9000], 1))
    add_rule(engine, None, min_sample="3")
    run = run_once(engine, config_for(database_url), mailbox.env, now=NOW)
    assert run.changes == [] and mailbox == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT state, last_sample FROM alert_states")).one() == ("ok", 2)


def test_below_on_a_topic_volume(engine, database_url, mailbox):
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 09:00-10:00: 3 billing sessions, 4 others
    specs = [Spec(sid(i), "client", start + timedelta(minutes=i), topics=["billing"]) for i in range(3)]
    specs += [Spec(sid(10 + i), "client", start + timedelta(minutes=i), topics=["login"]) for i in range(4)]
    build(engine, specs)
    add_rule(engine, None, name="Billing quiet", metric="sessions", window="1h", condition="below", threshold="4",
             topic="billing")  # fmt: skip
    run = run_once(engine, config_for(database_url), mailbox.env, now=NOW)
    assert [(c.change, c.reading.value) for c in run.changes] == [("firing", 3)]
    assert "Sessions (topic 'billing'): 3 (below 4)" in read_mail(mailbox[0])


def test_a_dead_webhook_is_retried_with_backoff_and_its_error_kept(engine, database_url):
    build(engine, answers(datetime(2026, 11, 20, 10, 0, tzinfo=UTC), [5000], 1))
    dead = f"http://127.0.0.1:{free_port()}/hook"  # nobody listens there
    add_rule(engine, dead, emails=[])
    config = config_for(database_url)
    first = run_once(engine, config, {}, now=NOW)
    assert [(o.attempt, o.error is not None) for o in first.outcomes] == [(1, True)]
    assert run_once(engine, config, {}, now=NOW + timedelta(seconds=50)).outcomes == []  # not due yet
    second = run_once(engine, config, {}, now=NOW + timedelta(seconds=61))
    assert [o.attempt for o in second.outcomes] == [2]
    assert run_once(engine, config, {}, now=NOW + timedelta(seconds=62 + 60)).outcomes == []  # 2 min now
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT attempts, last_error, delivered_at, next_attempt_at FROM alert_deliveries")
        ).one()
    assert row.attempts == 2 and row.delivered_at is None and "refused the connection" in row.last_error
    assert "/hook" not in row.last_error  # the path (often a token) is never shown
    assert row.next_attempt_at is not None


def test_private_addresses_are_refused_without_the_switch(engine, database_url, receiver):
    build(engine, answers(datetime(2026, 11, 20, 10, 0, tzinfo=UTC), [5000], 1))
    add_rule(engine, receiver.url, emails=[])
    run = run_once(engine, config_for(database_url, alerts_allow_private_webhooks=False), {}, now=NOW)
    assert receiver.posts == []
    assert "loopback" in run.outcomes[0].error and SECRET not in run.outcomes[0].error
    with pytest.raises(webhooks.WebhookError, match="loopback"):
        webhooks.post("http://localhost:9/x", b"{}", SECRET)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.100.100.200", "0.0.0.0",
     "224.0.0.1", "240.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "fd00:ec2::254"],
)  # fmt: skip
def test_which_addresses_are_refused(address):
    assert webhooks.refused(ipaddress.ip_address(address), allow_private=False)


def test_public_addresses_are_allowed_and_metadata_never():
    assert webhooks.refused(ipaddress.ip_address("93.184.216.34"), allow_private=False) is None
    assert webhooks.refused(ipaddress.ip_address("2606:4700::1111"), allow_private=False) is None
    assert webhooks.refused(ipaddress.ip_address("169.254.169.254"), allow_private=True)


def test_the_connection_goes_to_the_address_that_was_checked(receiver, monkeypatch):
    """One DNS lookup: a name that answers differently the second time (rebinding) gains nothing."""
    real = socket.getaddrinfo
    lookups = []

    def once_then_elsewhere(host, *args, **kwargs):
        if host == "hooks.test":
            lookups.append(host)
            address = "127.0.0.1" if len(lookups) == 1 else "169.254.169.254"
            return real(address, *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", once_then_elsewhere)
    url = receiver.url.replace("127.0.0.1", "hooks.test")
    assert webhooks.post(url, b'{"text": "hi"}', SECRET, allow_private=True) == 200
    headers, body = receiver.posts[0]
    assert (
        lookups == ["hooks.test"] and headers["Host"].startswith("hooks.test:") and body == b'{"text": "hi"}'
    )


def test_a_redirect_is_not_followed(engine):
    r = Receiver(status=302)
    try:
        with pytest.raises(webhooks.WebhookError, match="redirect"):
            webhooks.post(r.url, b"{}", SECRET, allow_private=True)
    finally:
        r.close()


def test_two_checks_at_once_deliver_once(engine, database_url, mailbox, tmp_path):
    now = datetime.now(UTC)
    # Two hours ago: inside the last 24 whole hours whichever minute the processes start in.
    build(engine, answers(now - timedelta(hours=2), [5000, 6000], 1))
    add_rule(engine, None, window="24h")
    env = dict(os.environ, DATABASE_URL=database_url, PYTHONPATH=str(ROOT), **mailbox.env)
    command = [sys.executable, "-m", "alerts.check"]
    processes = [
        subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert sum(out.count("FIRING Slow answers") for out, _ in outputs) == 1, outputs
    assert len(mailbox) == 1
    again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout == "" and len(mailbox) == 1


def test_dry_run_shows_the_verdict_and_changes_nothing(engine, database_url, mailbox, tmp_path):
    build(engine, answers(datetime.now(UTC) - timedelta(hours=2), [5000], 1))
    add_rule(engine, None, window="24h")
    env = dict(os.environ, DATABASE_URL=database_url, PYTHONPATH=str(ROOT), **mailbox.env)
    done = subprocess.run(
        [sys.executable, "-m", "alerts.check", "--dry-run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Slow answers: Avg response time 5,000 ms (above 2,000 ms); would start firing\n"
    assert mailbox == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT state FROM alert_states")).scalar() == "ok"


def test_the_in_app_timer_evaluates_when_switched_on(make_app, mailbox, monkeypatch):
    import time

    from tests.conftest import add_staff

    for name, value in mailbox.env.items():
        monkeypatch.setenv(name, value)
    app = make_app(alerts_interval_s=1)
    engine = add_staff(app)
    build(engine, answers(datetime.now(UTC) - timedelta(hours=2), [5000], 1))
    add_rule(engine, None, window="24h")
    try:
        deadline = time.monotonic() + 20
        while not mailbox and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        app.server.extensions["alerts_timer"].set()
    assert len(mailbox) == 1


def test_the_timer_is_off_by_default(make_app):
    assert make_app().server.extensions["alerts_timer"] is None


class Bars(HTMLParser):
    """The email chart's bars: each `td.bar`'s title, whether one of its cells is red, and how many
    1-pixel line cells (the threshold) it has."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: list[list] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "td" and attrs.get("class") == "bar":
            self.bars.append([attrs["title"], False, 0])
        elif tag == "td" and self.bars and attrs.get("bgcolor") == "#dc2626":
            self.bars[-1][1] = True
        elif tag == "td" and self.bars and attrs.get("height") == "1":
            self.bars[-1][2] += 1


def test_the_email_charts_the_last_24_windows_with_the_threshold_and_links_to_the_filtered_dashboard(
    engine, database_url, mailbox
):
    # Client billing sessions in some of the 24 quarter-hours up to 10:15, answer times rising to
    # 3,300 ms in the window that fires; a provider's slow answer in it must not count.
    end = datetime(2026, 11, 20, 10, 15, tzinfo=UTC)
    specs, n = [], 0
    for back, ms in ((0, 3300), (1, 2500), (2, 1800), (5, 900), (9, 1200), (23, 700)):
        for k in range(2):
            start = end - timedelta(minutes=15 * (back + 1)) + timedelta(minutes=3 + 5 * k)
            turns = [Msg("user", 0), Msg("assistant", 5, ms + 100 * k)]
            specs.append(Spec(sid(n := n + 1), "client", start, turns, topics=["billing"]))
    specs.append(
        Spec(sid(99), "provider", end - timedelta(minutes=10), [Msg("user", 0), Msg("assistant", 5, 60000)])
    )
    build(engine, specs)
    add_rule(engine, None, user_type="client", topic="billing", min_sample="1")
    run_once(engine, config_for(database_url), mailbox.env, now=NOW)
    (envelope,) = mailbox
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    parser = Bars()
    parser.feed(message.get_body(("html",)).get_content())

    expected = []
    with engine.connect() as conn:
        for back in range(23, -1, -1):
            lo, hi = end - timedelta(minutes=15 * (back + 1)), end - timedelta(minutes=15 * back)
            average = conn.execute(
                text(
                    "SELECT AVG(m.processing_time_ms) FROM chat_messages m JOIN chat_sessions s"
                    " ON s.session_id = m.session_id WHERE m.sender_type = 'assistant' AND s.user_type = 'client'"
                    " AND m.created_at >= :a AND m.created_at < :b"
                ).bindparams(bindparam("a", type_=UTCDateTime), bindparam("b", type_=UTCDateTime)),
                {"a": lo, "b": hi},
            ).scalar()
            expected.append((lo, average))
    assert len(parser.bars) == 24
    for (title, red, lines), (lo, average) in zip(parser.bars, expected, strict=True):
        assert lines == 1  # the threshold, across every bar
        label, value = title.split(": ")
        assert label == f"{lo:%d %b %Y %H:%M} UTC"
        assert value == ("n/a" if average is None else f"{average:,.0f} ms")
        assert red == (average is not None and average > 2000)
    assert sum(red for _, red, _ in parser.bars) == 2  # 3,350 and 2,550 ms

    text_part = message.get_body(("plain",)).get_content()
    assert "24 windows of 15 minutes from 20 Nov 2026 04:15 UTC: lowest 750 ms, highest 3,350 ms" in text_part
    link = (
        "https://analytics.example.org/admin/chat-analytics/?start_date=2026-11-20&end_date=2026-11-20"
        "&user_type=client&topic=billing"
    )
    assert link in text_part and html.escape(link, quote=True) in message.get_body(("html",)).get_content()


def test_an_anomalous_rule_email_draws_the_usual_range_and_reds_the_bars_outside_it():
    from zoneinfo import ZoneInfo

    from alerts.notices import Notice

    end = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
    values = [20.0, 22.0, None, 18.0, 4.0]  # sessions per hour; the usual range is 10-30
    recent = tuple((end - timedelta(hours=5 - i), v) for i, v in enumerate(values))
    notice = Notice("Traffic drop", "sessions", "anomalous", "1h", end - timedelta(hours=1), end, 4.0, None,
                    20.0, "firing", end, None, None, None, ZoneInfo("UTC"), "https://a.example.org", recent,
                    (10.0, 30.0))  # fmt: skip
    parser = Bars()
    parser.feed(notice.html)
    assert [title for title, _, _ in parser.bars] == [
        "20 Nov 2026 06:00 UTC: 20",
        "20 Nov 2026 07:00 UTC: 22",
        "20 Nov 2026 08:00 UTC: n/a",
        "20 Nov 2026 09:00 UTC: 18",
        "20 Nov 2026 10:00 UTC: 4",
    ]
    assert [red for _, red, _ in parser.bars] == [False, False, False, False, True]
    assert {lines for _, _, lines in parser.bars} == {2}  # the range's two edges across every bar
    assert "lowest 4, highest 22, last 4; lines at the usual range 10–30" in notice.text
