"""GET /metrics: tokens, and every figure after a known ingestion against raw SQL and the batches sent.

Process counters are global to the test process, so they are compared as differences between two
scrapes; database figures belong to the test's own database and are compared as they stand.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from config import Config
from data.db import create_engine
from tests.conftest import add_staff, sign_in
from tests.test_ingest import TOKENS, URL, ev, full_session, post
from tests.web import DASH
from web.context import Services, install, services_of

METRICS_TOKEN = "prometheus-scraper-token-123456"
OTHER_TOKEN = "second-scraper-token-654321"
ROOT = Path(__file__).resolve().parent.parent

Samples = dict[tuple[str, tuple], float]


def scrape(client, token: str = METRICS_TOKEN) -> Samples:
    """Every sample of a scrape, keyed by (sample name, sorted labels)."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
def metrics_app(make_app):
    app = make_app(ingest_tokens=TOKENS, metrics_tokens=(METRICS_TOKEN, OTHER_TOKEN))
    add_staff(app)
    return app


def sql(engine, query: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query), params)]


def open_provider_session(session: str) -> list[dict]:
    """Open: a user message and two answers, one of 5000 ms and one of 0 ms."""
    return [
        ev("session_started", session, 0, user_type="provider"),
        ev("message", session, 1, sender_type="user", content="hello"),
        ev("message", session, 2, sender_type="assistant", content="slow", processing_time_ms=5000),
        ev(
            "message",
            session,
            3,
            sender_type="assistant",
            content="cached",
            processing_time_ms=0,
            cached=True,
        ),
    ]


def open_anonymous_session(session: str) -> list[dict]:
    """Open: a system note, a user message, an answer without a processing time."""
    return [
        ev("session_started", session, 0, user_type="anonymous"),
        ev("message", session, 1, sender_type="system", content="welcome"),
        ev("message", session, 2, sender_type="user", content="hi"),
        ev("message", session, 3, sender_type="assistant", content="hello"),
    ]


def test_a_scrape_matches_the_database_and_the_batches_after_a_known_ingestion(metrics_app):
    client = metrics_app.server.test_client()
    engine = services_of(metrics_app.server).engine
    before = scrape(client)

    first = full_session(str(uuid.uuid4()))  # client, closed: answers of 100, 200 and 300 ms
    second = open_provider_session(str(uuid.uuid4())) + open_anonymous_session(str(uuid.uuid4()))
    assert post(client, first).status_code == 200
    assert post(client, second).status_code == 200
    assert post(client, first).get_json() == {"accepted": 0, "duplicates": len(first)}  # a retry
    assert post(client, [ev("escalated", str(uuid.uuid4()))]).status_code == 400  # unknown session
    assert post(client, None, raw="{not json").status_code == 400
    assert post(client, first, token="wrong-token").status_code == 401
    assert post(client, None, raw='{"events": []}' + " " * (1024 * 1024)).status_code == 413
    after = scrape(client)

    # Sessions open now and ever started, by user type: by hand, and by raw SQL.
    assert {
        t: value(after, "chat_sessions_open", user_type=t) for t in ("client", "provider", "anonymous")
    } == {
        "client": 0,
        "provider": 1,
        "anonymous": 1,
    }
    for user_type, n in sql(
        engine,
        "SELECT user_type, COUNT(*) FROM chat_sessions WHERE is_active = :t GROUP BY user_type",
        t=True,
    ):
        assert value(after, "chat_sessions_open", user_type=user_type) == n
    started = dict(sql(engine, "SELECT user_type, COUNT(*) FROM chat_sessions GROUP BY user_type"))
    assert started == {"client": 1, "provider": 1, "anonymous": 1}
    for user_type, n in started.items():
        assert value(after, "chat_sessions_started_total", user_type=user_type) == n

    # Messages by user type and sender.
    by_type = {
        (u, s): n
        for u, s, n in sql(
            engine,
            "SELECT s.user_type, m.sender_type, COUNT(*) FROM chat_messages m "
            "JOIN chat_sessions s ON s.session_id = m.session_id GROUP BY s.user_type, m.sender_type",
        )
    }
    assert by_type == {
        ("client", "user"): 3,
        ("client", "assistant"): 3,
        ("provider", "user"): 1,
        ("provider", "assistant"): 2,
        ("anonymous", "system"): 1,
        ("anonymous", "user"): 1,
        ("anonymous", "assistant"): 1,
    }
    exported = {
        (dict(labels)["user_type"], dict(labels)["sender_type"]): v
        for (name, labels), v in after.items()
        if name == "chat_messages_total" and v
    }
    assert exported == by_type

    # AI response times: every bucket against a raw count under its bound; count and sum.
    for user_type, expected_count, expected_sum in (
        ("client", 3, 600),
        ("provider", 2, 5000),
        ("anonymous", 0, 0),
    ):
        assert value(after, "chat_ai_response_time_ms_count", user_type=user_type) == expected_count
        assert value(after, "chat_ai_response_time_ms_sum", user_type=user_type) == expected_sum
        bounds = [
            dict(labels)["le"]
            for (name, labels), _ in after.items()
            if name == "chat_ai_response_time_ms_bucket" and dict(labels)["user_type"] == user_type
        ]
        assert len(bounds) >= 10 and bounds[-1] == "+Inf"
        for le in bounds[:-1]:
            (n,) = sql(
                engine,
                "SELECT COUNT(*) FROM chat_messages m JOIN chat_sessions s ON s.session_id = m.session_id "
                "WHERE s.user_type = :u AND m.sender_type = 'assistant' AND m.processing_time_ms <= :le",
                u=user_type,
                le=float(le),
            )[0]
            assert value(after, "chat_ai_response_time_ms_bucket", user_type=user_type, le=le) == n, le
    client_under = {
        float(dict(labels)["le"]): v
        for (name, labels), v in after.items()
        if name == "chat_ai_response_time_ms_bucket" and ("user_type", "client") in labels
        if dict(labels)["le"] != "+Inf"
    }
    assert [client_under[b] for b in sorted(client_under) if 90 < b < 500] == [0, 2, 3]  # ~98, ~252, ~491 ms
    assert value(after, "chat_ai_response_time_ms_bucket", user_type="provider", le="4.993") == 1  # the 0 ms

    # This process's counters: the batches, their events and the refusals.
    assert delta(before, after, "chat_ingest_batches_total") == 3
    assert delta(before, after, "chat_ingest_events_total", result="accepted") == len(first) + len(second)
    assert delta(before, after, "chat_ingest_events_total", result="duplicate") == len(first)
    for reason in ("invalid_events", "malformed", "unauthorized", "too_large"):
        assert delta(before, after, "chat_ingest_rejections_total", reason=reason) == 1, reason
    for status, n in (("200", 3), ("400", 2), ("401", 1), ("413", 1)):
        labels = {"route": URL, "method": "POST", "status": status}
        assert delta(before, after, "chat_http_request_duration_seconds_count", **labels) == n, status
    assert value(after, "chat_database_up") == 1


def test_exported_rows_are_counted_by_kind_and_format(metrics_app):
    engine = services_of(metrics_app.server).engine
    client = metrics_app.server.test_client()
    for events in (full_session(str(uuid.uuid4())), full_session(str(uuid.uuid4()))):
        assert post(client, events).status_code == 200
    staff = sign_in(metrics_app)
    before = scrape(client)
    for kind, fmt in (
        ("sessions", "csv"),
        ("messages", "csv"),
        ("messages", "parquet"),
        ("messages", "parquet"),
    ):
        response = staff.get(f"{DASH}export/{kind}/?format={fmt}")
        assert response.status_code == 200
        response.get_data()
        response.close()
    after = scrape(client)
    ((sessions, messages),) = sql(
        engine, "SELECT (SELECT COUNT(*) FROM chat_sessions), (SELECT COUNT(*) FROM chat_messages)"
    )
    assert (sessions, messages) == (2, 12)
    assert delta(before, after, "chat_export_rows_total", kind="sessions", format="csv") == sessions
    assert delta(before, after, "chat_export_rows_total", kind="messages", format="csv") == messages
    assert delta(before, after, "chat_export_rows_total", kind="messages", format="parquet") == 2 * messages
    assert delta(before, after, "chat_export_rows_total", kind="analytics", format="csv") == 0
    # Exports are timed over the whole download, under their rule, not their path.
    downloads = {"route": DASH + "export/<kind>/", "method": "GET", "status": "200"}
    assert delta(before, after, "chat_http_request_duration_seconds_count", **downloads) == 4


def test_latency_is_labelled_by_route_rule_never_by_raw_path(metrics_app):
    client = metrics_app.server.test_client()
    probes = [f"/wp-admin/{uuid.uuid4()}.php" for _ in range(3)]
    for path in probes:
        assert client.get(path).status_code == 404
    assert client.get("/healthz").status_code == 200
    samples = scrape(client)
    routes = {dict(labels).get("route") for (name, labels) in samples if name.startswith("chat_http_request")}
    assert "unmatched" in routes and "/healthz" in routes
    assert not any(p in route for route in routes if route for p in probes)


def test_without_metrics_tokens_the_endpoint_does_not_exist(make_app):
    client = make_app(metrics_tokens=()).server.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer wrong-token",
        f"Basic {METRICS_TOKEN}",
        "Bearer",
        f"Bearer {METRICS_TOKEN[:-1]}",
        TOKENS[0],
    ],
)
def test_a_missing_or_wrong_token_is_401_and_sets_no_cookie(metrics_app, header):
    client = metrics_app.server.test_client()
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "chat_" not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_every_configured_token_scrapes_and_no_cookie_is_set(metrics_app):
    client = metrics_app.server.test_client()
    for token in (METRICS_TOKEN, OTHER_TOKEN):
        response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"


def test_metrics_tokens_are_read_comma_separated_from_the_environment():
    config = Config.from_env({"METRICS_TOKENS": f" {METRICS_TOKEN}, ,{OTHER_TOKEN} "})
    assert config.metrics_tokens == (METRICS_TOKEN, OTHER_TOKEN)
    assert Config.from_env({}).metrics_tokens == ()


def test_a_database_outage_still_scrapes_with_database_up_zero(metrics_app):
    server = metrics_app.server
    ctx = services_of(server)
    install(server, Services(ctx.config, create_engine("postgresql+psycopg://x@127.0.0.1:1/none"), ctx.cache))
    samples = scrape(server.test_client())
    assert value(samples, "chat_database_up") == 0
    assert not any(name.startswith("chat_sessions") for name, _ in samples)
    assert any(name == "chat_ingest_batches_total" for name, _ in samples)


def test_the_grafana_dashboard_queries_only_metrics_the_endpoint_exports(metrics_app):
    client = metrics_app.server.test_client()
    assert post(client, full_session(str(uuid.uuid4()))).status_code == 200
    staff = sign_in(metrics_app)
    staff.get(f"{DASH}export/sessions/").get_data()
    samples = scrape(client)
    exported = {name for name, _ in samples}
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(expressions) >= 8
    used = {m for expr in expressions for m in re.findall(r"\bchat_[a-z_]+", expr)}
    assert used <= exported, used - exported
    families = {
        re.sub(r"_(total|bucket|count|sum)$", "", name) for name in exported if name.startswith("chat_")
    }
    covered = {re.sub(r"_(total|bucket|count|sum)$", "", m) for m in used}
    assert families <= covered, families - covered  # every metric has a panel
