"""The alerts page and API: staff only, beats Dash's catch-all, every change a CSRF-checked POST that
is audited, a bad field a 400 naming it, and the API lists firing and recent alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from sqlalchemy import text

from alerts.check import run_once
from api.openapi import load_document
from data.users import create_user
from tests.builders import Msg, Spec, build, sid
from tests.conftest import STAFF_PASSWORD, add_staff, sign_in
from tests.web import HTML, csrf_token, login
from web.context import services_of

PAGE = "/admin/chat-analytics/alerts/"
API = "/admin/chat-analytics/api/alerts/"
RULE = {
    "name": "Escalations up",
    "metric": "escalation_rate",
    "condition": "above",
    "threshold": "20",
    "window": "1h",
    "user_type": "",
    "topic": "",
    "min_sample": "0",
    "emails": "lead@example.org",
    "webhooks": "",
}


def page_token(client) -> str:
    response = client.get(PAGE, headers=HTML)
    assert response.status_code == 200
    return csrf_token(response.get_data(as_text=True))


def post(client, path: str, **fields):
    return client.post(path, data={"csrf_token": page_token(client), **fields}, headers=HTML)


def rule_ids(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT name, id FROM alert_rules")).all())


def test_the_page_is_staff_only(app):
    anonymous = app.server.test_client()
    assert anonymous.get(PAGE, headers=HTML).status_code == 302
    assert anonymous.get(API).status_code == 401
    assert anonymous.post(PAGE, data=RULE).status_code == 401
    with services_of(app.server).engine.begin() as conn:
        create_user(conn, "visitor", password=STAFF_PASSWORD, is_staff=False)
    visitor = app.server.test_client()
    assert login(visitor, "visitor", STAFF_PASSWORD).status_code == 302
    assert visitor.get(PAGE, headers=HTML).status_code == 403
    assert visitor.get(API).status_code == 403


def test_flask_answers_the_page_not_dash(staff_client):
    response = staff_client.get(PAGE, headers=HTML)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and '<h1 class="h3 mb-0">Alerts</h1>' in body
    assert "react-entry-point" not in body and "Page not found" not in body
    assert staff_client.get(PAGE + "nothing-here", headers=HTML).status_code == 404


def test_create_edit_pause_resume_delete_through_the_page(staff_client):
    engine = staff_client.engine
    created = post(staff_client, PAGE, **RULE)
    assert created.status_code == 303
    (rule_id,) = rule_ids(engine).values()
    shown = staff_client.get(PAGE, headers=HTML).get_data(as_text=True)
    assert "Rule “Escalations up” created." in shown and "Escalation rate above 20.0%" in shown

    edit = staff_client.get(f"{PAGE}{rule_id}/edit", headers=HTML).get_data(as_text=True)
    assert 'value="20"' in edit and "lead@example.org" in edit
    saved = post(
        staff_client,
        f"{PAGE}{rule_id}/edit",
        **{**RULE, "threshold": "35", "emails": "a@example.org\nb@example.org"},
    )
    assert saved.status_code == 303
    with engine.connect() as conn:
        assert conn.execute(text("SELECT threshold FROM alert_rules")).scalar() == 35
        targets = conn.execute(text("SELECT target FROM alert_destinations ORDER BY target")).scalars().all()
    assert targets == ["a@example.org", "b@example.org"]

    assert post(staff_client, f"{PAGE}{rule_id}/pause").status_code == 303
    assert "Paused" in staff_client.get(PAGE, headers=HTML).get_data(as_text=True)
    assert post(staff_client, f"{PAGE}{rule_id}/resume").status_code == 303
    assert post(staff_client, f"{PAGE}{rule_id}/delete").status_code == 303
    assert rule_ids(engine) == {}
    with engine.connect() as conn:
        actions = conn.execute(
            text("SELECT action, actor FROM audit_log WHERE action LIKE 'alert%' ORDER BY id")
        ).all()
    assert actions == [
        ("alert_rule_create", "lead"), ("alert_rule_edit", "lead"), ("alert_rule_pause", "lead"),
        ("alert_rule_resume", "lead"), ("alert_rule_delete", "lead"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("threshold", "lots", "threshold must be a number"),
        ("metric", "vibes", "metric must be"),
        ("emails", "nobody", "emails: 'nobody' is not an email address"),
        ("webhooks", "file:///etc/passwd", "must be an http:// or https:// URL"),
        ("window", "7d", "window must be"),
    ],
)
def test_a_bad_field_is_a_400_that_names_it(staff_client, field, value, named):
    response = post(staff_client, PAGE, **{**RULE, field: value})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and named in body.replace("&#39;", "'")
    assert 'aria-invalid="true"' in body
    assert rule_ids(staff_client.engine) == {}


def test_posts_without_the_csrf_token_change_nothing(staff_client):
    assert staff_client.post(PAGE, data=RULE, headers=HTML).status_code == 400
    post(staff_client, PAGE, **RULE)
    (rule_id,) = rule_ids(staff_client.engine).values()
    assert staff_client.post(f"{PAGE}{rule_id}/delete", headers=HTML).status_code == 400
    assert post(staff_client, f"{PAGE}{rule_id + 99}/delete").status_code == 404
    assert post(staff_client, f"{PAGE}{rule_id + 99}/edit", **RULE).status_code == 404
    assert list(rule_ids(staff_client.engine).values()) == [rule_id]


def test_the_api_lists_firing_and_recent_alerts_and_the_page_shows_failures(make_app):
    app = make_app(display_timezone="Europe/Paris")
    add_staff(app)
    client = sign_in(app)
    engine = client.engine
    # 09:00-10:00 UTC: two of four closed sessions escalated (50%).
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    build(
        engine,
        [
            Spec(sid(i), "client", start + timedelta(minutes=i), [Msg("user", 0)], escalated=i < 2)
            for i in range(4)
        ],
    )
    post(client, PAGE, **{**RULE, "webhooks": "https://hooks.invalid/x 0123456789abcdef0123"})
    config = services_of(app.server).config
    run_once(engine, config, {}, now=datetime(2026, 11, 20, 10, 5, tzinfo=UTC))
    response = client.get(API)
    schemathesis.openapi.from_dict(load_document())[API]["GET"].validate_response(response)
    body = response.get_json()
    assert body["recent"] == body["firing"]
    (alert,) = body["firing"]
    assert alert["rule"] == "Escalations up" and alert["metric"] == "escalation_rate"
    assert alert["value"] == 50 and alert["threshold"] == 20 and alert["baseline"] is None
    assert alert["started_at"] == "2026-11-20T11:00:00+01:00" and alert["resolved_at"] is None

    page = " ".join(client.get(PAGE, headers=HTML).get_data(as_text=True).split())
    assert "Escalations up</strong>: Escalation rate 50.0% (above 20.0%)" in page
    assert "Notifications not delivered" in page and "SMTP_HOST is not set" in page
    assert "https://hooks.invalid/…" in page and "cannot resolve hooks.invalid" in page
    assert "0123456789abcdef0123" not in page.split('id="rule-form"')[0]  # secrets only in the edit form
