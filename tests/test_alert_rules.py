"""Alert rules: bad ones refused naming the field; every create, edit, pause and delete audited."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from alerts.rules import RuleError, create_rule, delete_rule, get_rule, set_paused, update_rule, validate_rule

GOOD = {
    "name": "Slow answers",
    "metric": "p95_response_time",
    "window": "15m",
    "condition": "above",
    "threshold": "2000",
    "min_sample": "5",
    "emails": ["lead@example.org"],
    "webhooks": [{"url": "https://hooks.example.org/alerts", "secret": "s" * 32}],
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"metric": "mood"}, "metric"),
        ({"metric": None}, "metric"),
        ({"window": "5m"}, "window"),
        ({"condition": "sideways"}, "condition"),
        ({"threshold": ""}, "threshold"),
        ({"threshold": "fast"}, "threshold"),
        ({"threshold": "nan"}, "threshold"),
        ({"user_type": "robot"}, "user_type"),
        ({"topic": "t" * 101}, "topic"),
        ({"min_sample": "-1"}, "min_sample"),
        ({"min_sample": "many"}, "min_sample"),
        ({"emails": ["not-an-address"]}, "emails"),
        ({"webhooks": [{"url": "ftp://example.org/x", "secret": ""}]}, "webhooks"),
        ({"webhooks": [{"url": "https://user:pw@example.org/x", "secret": ""}]}, "webhooks"),
        ({"webhooks": [{"url": "https://example.org/x", "secret": "short"}]}, "webhooks"),
        ({"metric": "active_sessions", "condition": "anomalous"}, "condition"),
        ({"metric": "active_sessions", "topic": "billing"}, "topic"),
    ],
)
def test_a_bad_rule_is_refused_naming_its_field(change, field):
    with pytest.raises(RuleError) as caught:
        validate_rule({**GOOD, **change})
    assert caught.value.field == field
    assert field.split("_")[0] in str(caught.value).lower()


def test_anomalous_needs_no_threshold_and_a_topic_volume_is_sessions_with_a_topic():
    spec = validate_rule(
        {**GOOD, "condition": "anomalous", "threshold": "", "metric": "sessions", "topic": "billing"}
    )
    assert spec.threshold is None and spec.topic == "billing"


def audit_rows(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT action, actor, detail FROM audit_log ORDER BY id")).all()


def test_create_edit_pause_resume_delete_are_audited_without_secrets(engine):
    with engine.begin() as conn:
        rule_id = create_rule(conn, validate_rule(GOOD), actor="lead", ip="10.0.0.1")
    with engine.begin() as conn:
        edited = {
            **GOOD,
            "threshold": "3000",
            "webhooks": [{"url": "https://hooks.example.org/alerts", "secret": ""}],
        }
        update_rule(conn, rule_id, validate_rule(edited), actor="lead")
        set_paused(conn, rule_id, True, actor="lead")
        set_paused(conn, rule_id, False, actor="lead")
    with engine.connect() as conn:
        stored = get_rule(conn, rule_id)
        secret = conn.execute(
            text("SELECT secret FROM alert_destinations WHERE kind = 'webhook'")
        ).scalar_one()
    assert stored.threshold == 3000 and secret == "s" * 32  # a blank secret keeps the old one
    with engine.begin() as conn:
        delete_rule(conn, rule_id, actor="lead")
    rows = audit_rows(engine)
    assert [r.action for r in rows] == [
        "alert_rule_create", "alert_rule_edit", "alert_rule_pause", "alert_rule_resume", "alert_rule_delete",
    ]  # fmt: skip
    assert all(r.actor == "lead" for r in rows)
    assert "s" * 32 not in str([r.detail for r in rows])
    assert '"threshold": {"from": 2000.0, "to": 3000.0}' in str(rows[1].detail).replace("'", '"')
    with engine.connect() as conn:
        for table in ("alert_rules", "alert_destinations", "alert_states"):
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0  # noqa: S608 - fixed names


def test_a_webhook_without_a_secret_gets_a_random_one(engine):
    spec = validate_rule({**GOOD, "webhooks": [{"url": "https://hooks.example.org/a", "secret": ""}]})
    with engine.begin() as conn:
        create_rule(conn, spec, actor="lead")
    with engine.connect() as conn:
        secret = conn.execute(
            text("SELECT secret FROM alert_destinations WHERE kind = 'webhook'")
        ).scalar_one()
    assert len(secret) >= 32


def test_names_are_unique(engine):
    with engine.begin() as conn:
        create_rule(conn, validate_rule(GOOD), actor="lead")
    with pytest.raises(RuleError) as caught, engine.begin() as conn:
        create_rule(conn, validate_rule(GOOD), actor="lead")
    assert caught.value.field == "name"
