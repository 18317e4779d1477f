"""Alert rules: what they may say (validation naming the bad field), and storing them, each change
audited. Knows nothing of the web: the alerts page and tests call these with plain values."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, insert, select, update

from data import audit
from data.errors import FieldError
from data.recording import MAX_TOPIC_LENGTH
from data.schema import SESSION_USER_TYPES, alert_destinations, alert_rules, alert_states
from metrics.catalogue import METRICS

# The catalogue's metrics a rule may watch; a topic's volume is "sessions" with a topic set.
ALERT_METRICS = (
    "sessions",
    "messages",
    "avg_response_time",
    "p95_response_time",
    "avg_satisfaction",
    "resolution_rate",
    "escalation_rate",
    "avg_engagement",
    "active_sessions",
)
WINDOWS: dict[str, timedelta] = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
}
WINDOW_LABELS = {"15m": "15 minutes", "1h": "1 hour", "24h": "24 hours"}
CONDITIONS = ("above", "below", "anomalous")
CONDITION_LABELS = {"above": "above", "below": "below", "anomalous": "anomalous (unusual for the hour)"}
MAX_NAME_LENGTH = 100
MAX_MIN_SAMPLE = 1_000_000
MAX_DESTINATIONS = 20
MAX_URL_LENGTH = 2000
MAX_SECRET_LENGTH = 200
MIN_SECRET_LENGTH = 16
EMAIL = re.compile(r"[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+")


class RuleError(FieldError):
    """A rule cannot be saved as given; `field` names the offending field."""


@dataclass(frozen=True)
class Webhook:
    """A webhook destination: where to POST, and the key its body is signed with."""

    url: str
    secret: str


@dataclass(frozen=True)
class RuleSpec:
    """A validated rule, as staff wrote it."""

    name: str
    metric: str
    window: str
    condition: str
    threshold: float | None = None
    user_type: str | None = None
    topic: str | None = None
    min_sample: int = 0
    paused: bool = False
    emails: tuple[str, ...] = ()
    webhooks: tuple[Webhook, ...] = ()

    def described(self) -> dict[str, Any]:
        """The rule for the audit trail: every field but the webhook secrets."""
        return {
            "name": self.name,
            "metric": self.metric,
            "window": self.window,
            "condition": self.condition,
            "threshold": self.threshold,
            "user_type": self.user_type,
            "topic": self.topic,
            "min_sample": self.min_sample,
            "paused": self.paused,
            "emails": list(self.emails),
            "webhooks": [w.url for w in self.webhooks],
        }


@dataclass(frozen=True)
class Rule(RuleSpec):
    """A stored rule with its id and current state."""

    id: int = 0
    state: str = "ok"
    since: datetime | None = None
    last_value: float | None = None
    last_sample: int | None = None
    checked_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    destination_ids: dict[tuple[str, str], int] = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        """The metric's label from the catalogue."""
        return METRICS[self.metric].label


def _text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RuleError(f"{name} must be text", name)
    return value.strip() or None


def _choice(data: Mapping[str, Any], name: str, allowed, what: str) -> str:
    value = _text(data, name)
    if value not in allowed:
        raise RuleError(f"{name} must be {what}: {', '.join(allowed)}", name)
    return value


def _threshold(data: Mapping[str, Any], condition: str) -> float | None:
    raw = data.get("threshold")
    if isinstance(raw, str):
        raw = raw.strip() or None
    if condition == "anomalous":
        return None
    if raw is None:
        raise RuleError(f"threshold is required for the condition {condition!r}", "threshold")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise RuleError("threshold must be a number", "threshold") from None
    if not math.isfinite(value):
        raise RuleError("threshold must be a finite number", "threshold")
    return value


def _min_sample(data: Mapping[str, Any]) -> int:
    raw = data.get("min_sample")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return 0
    try:
        value = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except ValueError:
        raise RuleError("min_sample must be a whole number", "min_sample") from None
    if isinstance(value, bool) or not 0 <= value <= MAX_MIN_SAMPLE:
        raise RuleError(f"min_sample must be between 0 and {MAX_MIN_SAMPLE}", "min_sample")
    return value


def _emails(data: Mapping[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    for address in data.get("emails") or ():
        if not isinstance(address, str) or not EMAIL.fullmatch(address.strip()) or len(address) > 254:
            raise RuleError(f"emails: {str(address)[:80]!r} is not an email address", "emails")
        if address.strip() not in found:
            found.append(address.strip())
    return tuple(found)


def check_webhook_url(url: str) -> str:
    """`url` when it is an absolute http(s) URL with a host and no credentials; else RuleError."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number or out of range
    except ValueError:
        raise RuleError(f"webhooks: {url[:80]!r} is not a URL", "webhooks") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuleError(f"webhooks: {url[:80]!r} must be an http:// or https:// URL", "webhooks")
    if parts.username or parts.password:
        raise RuleError("webhooks: put no user name or password in the URL; use the secret", "webhooks")
    if len(url) > MAX_URL_LENGTH or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise RuleError(f"webhooks: {url[:80]!r} is too long or has spaces or control characters", "webhooks")
    return url


def _webhooks(data: Mapping[str, Any]) -> tuple[Webhook, ...]:
    found: dict[str, Webhook] = {}
    for item in data.get("webhooks") or ():
        if not isinstance(item, Mapping) or not isinstance(item.get("url"), str):
            raise RuleError("webhooks must be a list of {url, secret}", "webhooks")
        url = check_webhook_url(item["url"].strip())
        secret = item.get("secret") or ""
        if not isinstance(secret, str) or (
            secret and not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH
        ):
            raise RuleError(
                f"webhooks: a secret must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters "
                "(leave it empty to have one made)",
                "webhooks",
            )
        found[url] = Webhook(url, secret)
    return tuple(found.values())


def validate_rule(data: Mapping[str, Any]) -> RuleSpec:
    """A RuleSpec from plain values (form fields or JSON); RuleError naming the first bad field.

    A webhook given without a secret keeps the secret it had, or gets a new random one when saved.
    """
    name = _text(data, "name")
    if not name or len(name) > MAX_NAME_LENGTH:
        raise RuleError(f"name must be 1 to {MAX_NAME_LENGTH} characters", "name")
    metric = _choice(data, "metric", ALERT_METRICS, "a metric of the catalogue")
    window = _choice(data, "window", tuple(WINDOWS), "one of")
    condition = _choice(data, "condition", CONDITIONS, "one of")
    threshold = _threshold(data, condition)
    user_type = _text(data, "user_type")
    if user_type is not None and user_type not in SESSION_USER_TYPES:
        raise RuleError(f"user_type must be one of {', '.join(SESSION_USER_TYPES)}", "user_type")
    topic = _text(data, "topic")
    if topic is not None and len(topic) > MAX_TOPIC_LENGTH:
        raise RuleError(f"topic must be at most {MAX_TOPIC_LENGTH} characters", "topic")
    if metric == "active_sessions" and topic is not None:
        raise RuleError(
            "topic cannot narrow 'active_sessions' (open sessions are counted per user type only)", "topic"
        )
    if metric == "active_sessions" and condition == "anomalous":
        raise RuleError(
            "condition 'anomalous' needs a metric of a period, not 'active_sessions'", "condition"
        )
    paused = data.get("paused") in (True, "true", "on", "1", "yes")
    emails, webhooks = _emails(data), _webhooks(data)
    if len(emails) + len(webhooks) > MAX_DESTINATIONS:
        raise RuleError(f"a rule may have at most {MAX_DESTINATIONS} destinations", "emails")
    return RuleSpec(
        name=name,
        metric=metric,
        window=window,
        condition=condition,
        threshold=threshold,
        user_type=user_type,
        topic=topic,
        min_sample=_min_sample(data),
        paused=paused,
        emails=emails,
        webhooks=webhooks,
    )


def _name_taken(conn: Connection, name: str, rule_id: int | None) -> None:
    stmt = select(alert_rules.c.id).where(alert_rules.c.name == name)
    if rule_id is not None:
        stmt = stmt.where(alert_rules.c.id != rule_id)
    if conn.execute(stmt).first() is not None:
        raise RuleError(f"name: a rule called {name!r} exists already", "name")


def _columns(spec: RuleSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "metric": spec.metric,
        "window": spec.window,
        "condition": spec.condition,
        "threshold": spec.threshold,
        "user_type": spec.user_type,
        "topic": spec.topic,
        "min_sample": spec.min_sample,
        "paused": spec.paused,
    }


def _save_destinations(conn: Connection, rule_id: int, spec: RuleSpec) -> None:
    """Make the rule's destinations those of `spec`, keeping the rows (and their deliveries and
    secrets) of destinations that stay."""
    current = {
        (row.kind, row.target): row
        for row in conn.execute(select(alert_destinations).where(alert_destinations.c.rule_id == rule_id))
    }
    wanted: dict[tuple[str, str], str | None] = {("email", a): None for a in spec.emails}
    for hook in spec.webhooks:
        kept = current.get(("webhook", hook.url))
        wanted[("webhook", hook.url)] = (
            hook.secret or (kept.secret if kept else None) or secrets.token_hex(32)
        )
    gone = [row.id for key, row in current.items() if key not in wanted]
    if gone:
        conn.execute(delete(alert_destinations).where(alert_destinations.c.id.in_(gone)))
    for (kind, target), secret in wanted.items():
        row = current.get((kind, target))
        if row is None:
            conn.execute(
                insert(alert_destinations).values(rule_id=rule_id, kind=kind, target=target, secret=secret)
            )
        elif row.secret != secret:
            conn.execute(
                update(alert_destinations).where(alert_destinations.c.id == row.id).values(secret=secret)
            )


def create_rule(conn: Connection, spec: RuleSpec, *, actor: str | None, ip: str | None = None) -> int:
    """Store a new rule (state ok) with its destinations, audited; return its id."""
    _name_taken(conn, spec.name, None)
    now = datetime.now(UTC)
    rule_id = conn.execute(
        insert(alert_rules)
        .values(**_columns(spec), created_at=now, updated_at=now)
        .returning(alert_rules.c.id)
    ).scalar_one()
    conn.execute(insert(alert_states).values(rule_id=rule_id, state="ok", since=now, version=0))
    _save_destinations(conn, rule_id, spec)
    audit.record(
        conn, "alert_rule_create", actor=actor, ip=ip, detail={"rule_id": rule_id, **spec.described()}
    )
    return rule_id


def _existing(conn: Connection, rule_id: int) -> Rule:
    """The stored rule, or RuleError naming the field when there is none."""
    rule = get_rule(conn, rule_id)
    if rule is None:
        raise RuleError(f"there is no rule {rule_id}", "rule")
    return rule


def update_rule(
    conn: Connection, rule_id: int, spec: RuleSpec, *, actor: str | None, ip: str | None = None
) -> None:
    """Replace a rule's settings and destinations, audited (its state and history stay)."""
    before = _existing(conn, rule_id)
    _name_taken(conn, spec.name, rule_id)
    conn.execute(
        update(alert_rules)
        .where(alert_rules.c.id == rule_id)
        .values(**_columns(spec), updated_at=datetime.now(UTC))
    )
    _save_destinations(conn, rule_id, spec)
    old, new = RuleSpec.described(before), spec.described()
    changed = {k: {"from": old[k], "to": new[k]} for k in new if old[k] != new[k]}
    audit.record(
        conn, "alert_rule_edit", actor=actor, ip=ip, detail={"rule_id": rule_id, "name": spec.name, **changed}
    )


def set_paused(
    conn: Connection, rule_id: int, paused: bool, *, actor: str | None, ip: str | None = None
) -> None:
    """Pause or resume a rule, audited. A paused rule is not evaluated and notifies nobody."""
    rule = _existing(conn, rule_id)
    conn.execute(
        update(alert_rules)
        .where(alert_rules.c.id == rule_id)
        .values(paused=paused, updated_at=datetime.now(UTC))
    )
    action = "alert_rule_pause" if paused else "alert_rule_resume"
    audit.record(conn, action, actor=actor, ip=ip, detail={"rule_id": rule_id, "name": rule.name})


def delete_rule(conn: Connection, rule_id: int, *, actor: str | None, ip: str | None = None) -> None:
    """Delete a rule with its state, history and pending notices, audited."""
    rule = _existing(conn, rule_id)
    # State, destinations, history and deliveries go with it (ON DELETE CASCADE).
    conn.execute(delete(alert_rules).where(alert_rules.c.id == rule_id))
    audit.record(
        conn, "alert_rule_delete", actor=actor, ip=ip, detail={"rule_id": rule_id, **rule.described()}
    )


def _rules(conn: Connection, *conditions) -> list[Rule]:
    r, s = alert_rules.c, alert_states.c
    rows = conn.execute(
        select(alert_rules, s.state, s.since, s.last_value, s.last_sample, s.checked_at)
        .select_from(alert_rules.outerjoin(alert_states, s.rule_id == r.id))
        .where(*conditions)
        .order_by(r.name)
    ).all()
    ids = [row.id for row in rows]
    destinations: dict[int, list] = {i: [] for i in ids}
    if ids:
        for d in conn.execute(
            select(alert_destinations)
            .where(alert_destinations.c.rule_id.in_(ids))
            .order_by(alert_destinations.c.id)
        ):
            destinations[d.rule_id].append(d)
    out = []
    for row in rows:
        dests = destinations[row.id]
        out.append(
            Rule(
                name=row.name,
                metric=row.metric,
                window=row.window,
                condition=row.condition,
                threshold=row.threshold,
                user_type=row.user_type,
                topic=row.topic,
                min_sample=row.min_sample,
                paused=row.paused,
                emails=tuple(d.target for d in dests if d.kind == "email"),
                webhooks=tuple(Webhook(d.target, d.secret or "") for d in dests if d.kind == "webhook"),
                id=row.id,
                state=row.state or "ok",
                since=row.since,
                last_value=row.last_value,
                last_sample=row.last_sample,
                checked_at=row.checked_at,
                created_at=row.created_at,
                updated_at=row.updated_at,
                destination_ids={(d.kind, d.target): d.id for d in dests},
            )
        )
    return out


def list_rules(conn: Connection, *, active_only: bool = False) -> list[Rule]:
    """Every rule (or only the unpaused ones) by name, with destinations and state."""
    return _rules(conn, *([alert_rules.c.paused.is_(False)] if active_only else []))


def get_rule(conn: Connection, rule_id: int) -> Rule | None:
    """One rule, or None."""
    found = _rules(conn, alert_rules.c.id == rule_id)
    return found[0] if found else None
