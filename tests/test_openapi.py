"""The OpenAPI document: real responses conform to it, and schemathesis finds no 500 and no breach."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.openapi import load_document
from tests.builders import Msg, Spec, build, sid
from tests.conftest import add_staff, sign_in
from web.context import services_of

TOKEN = "openapi-test-token-0123456789"
USER_AGENT = "chat-analytics-openapi-tests"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def live(make_app):
    from datetime import UTC, datetime, timedelta

    app = make_app(ingest_tokens=(TOKEN,), metrics_tokens=(TOKEN,))
    engine = services_of(app.server).engine
    now = datetime.now(UTC)
    build(
        engine,
        [
            Spec(
                sid(1),
                "client",
                now - timedelta(hours=2),
                [Msg("user", 0), Msg("assistant", 1, 300.0)],
                ["billing"],
                rating=4,
            )
        ],
    )
    add_staff(app)
    client = app.server.test_client()
    # Strong session protection ties the cookie to the user agent: schemathesis must send the same.
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    sign_in(app, client)
    app.cookie = client.get_cookie("session").value
    app.client = client
    return app


def test_document_is_served_and_matches_the_repository(live):
    response = live.server.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == load_document()
    assert response.get_json()["openapi"].startswith("3.1")


def test_real_responses_conform(live):
    schema = schemathesis.openapi.from_dict(load_document())
    client = live.client

    def conforms(method: str, path: str, response) -> None:
        operation = schema[path][method]
        operation.validate_response(response)

    conforms("GET", "/admin/chat-analytics/api/", client.get("/admin/chat-analytics/api/?period=7d"))
    conforms("GET", "/admin/chat-analytics/api/", client.get("/admin/chat-analytics/api/?period=1y"))
    conforms(
        "GET",
        "/admin/chat-analytics/export/sessions/",
        client.get("/admin/chat-analytics/export/sessions/?is_active=x"),
    )
    events = {"events": [{"event_id": str(uuid.uuid4()), "type": "escalated", "session_id": sid(1)}]}
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    conforms("POST", "/api/v1/events", client.post("/api/v1/events", json=events, headers=bearer))
    conforms("POST", "/api/v1/events", client.post("/api/v1/events", json={"events": [{}]}, headers=bearer))
    conforms("POST", "/api/v1/events", client.post("/api/v1/events", json=events))
    conforms("GET", "/healthz", client.get("/healthz"))
    conforms("GET", "/metrics", client.get("/metrics", headers=bearer))
    conforms("GET", "/metrics", client.get("/metrics"))
    parquet = client.get("/admin/chat-analytics/export/messages/?format=parquet")
    assert parquet.status_code == 200
    conforms("GET", "/admin/chat-analytics/export/messages/", parquet)
    conforms(
        "GET",
        "/admin/chat-analytics/export/messages/",
        client.get("/admin/chat-analytics/export/messages/?format=x"),
    )
    anonymous = live.server.test_client()
    conforms("GET", "/admin/chat-analytics/api/", anonymous.get("/admin/chat-analytics/api/"))
    topics = "/admin/chat-analytics/api/topics/"
    answered = client.get(topics + "?period=7d&sort=escalations")
    assert answered.get_json()["topics"][0]["topic"] == "billing"
    conforms("GET", topics, answered)
    conforms("GET", topics, client.get(topics + "?sort=loudest"))
    conforms("GET", topics, anonymous.get(topics))
    conforms("GET", "/admin/chat-analytics/api/alerts/", client.get("/admin/chat-analytics/api/alerts/"))
    conforms("GET", "/admin/chat-analytics/api/alerts/", anonymous.get("/admin/chat-analytics/api/alerts/"))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/chat-analytics/api/"),
        ("GET", "/admin/chat-analytics/api/topics/"),
        ("GET", "/admin/chat-analytics/api/alerts/"),
        ("GET", "/admin/chat-analytics/export/sessions/"),
        ("GET", "/admin/chat-analytics/export/messages/"),
        ("GET", "/admin/chat-analytics/export/analytics/"),
        ("GET", "/admin/chat-analytics/export/audit/"),
        ("POST", "/api/v1/events"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
    ],
)
def test_schemathesis_finds_no_server_error_and_no_schema_breach(live, method, path):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", live.server)
    operation = schema[path][method]
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Cookie": f"session={live.cookie}",
        "User-Agent": USER_AGENT,
    }

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def run(case) -> None:
        response = case.call(headers=headers, cookies={"session": live.cookie})
        case.validate_response(response, checks=CHECKS)

    run()
