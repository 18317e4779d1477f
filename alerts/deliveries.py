"""The notices owed: sending the due ones, retrying failures with exponential backoff, and listing
those that failed for the alerts page."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from alerts import webhooks
from alerts.notices import Notice
from alerts.recent import with_recent
from data.schema import alert_deliveries, alert_destinations, alert_events, alert_rules
from reports.delivery import DeliveryError, SmtpSettings, send_email

log = logging.getLogger(__name__)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
MAX_ATTEMPTS = 10  # about six hours of retries, then the notice is given up (and shown as failed)
BATCH = 100


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1, 2, 4 ... minutes, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


@dataclass(frozen=True)
class Outcome:
    """One attempt at one delivery."""

    delivery_id: int
    kind: str  # "email" or "webhook"
    target: str  # an address, or a webhook URL shown without its path
    notice: str
    attempt: int
    error: str | None
    next_attempt_at: datetime | None


def _due(conn: Connection, now: datetime):
    d, e, r, dest = alert_deliveries.c, alert_events.c, alert_rules.c, alert_destinations.c
    return conn.execute(
        select(
            d.id,
            d.notice,
            d.attempts,
            dest.kind,
            dest.target,
            dest.secret,
            r.name,
            r.metric,
            r.condition,
            r.window,
            r.user_type,
            r.topic,
            e.started_at,
            e.resolved_at,
            e.window_start,
            e.value,
            e.threshold,
            e.baseline,
            e.recovered_value,
        )  # fmt: skip
        .select_from(
            alert_deliveries.join(alert_events, e.id == d.event_id)
            .join(alert_rules, r.id == e.rule_id)
            .join(alert_destinations, dest.id == d.destination_id)
        )
        .where(d.delivered_at.is_(None), d.next_attempt_at.is_not(None), d.next_attempt_at <= now)
        .order_by(d.next_attempt_at, d.id)
        .limit(BATCH)
    ).all()


def notice_of(row, tz: ZoneInfo, base_url: str) -> Notice:
    """The Notice a due delivery row carries."""
    from alerts.rules import WINDOWS

    recovered = row.notice == "recovered"
    return Notice(
        rule=row.name,
        metric=row.metric,
        condition=row.condition,
        window=row.window,
        window_start=(row.resolved_at - WINDOWS[row.window]) if recovered else row.window_start,
        window_end=row.resolved_at if recovered else row.started_at,
        value=row.recovered_value if recovered else row.value,
        threshold=row.threshold,
        baseline=row.baseline,
        state="ok" if recovered else "firing",
        started_at=row.started_at,
        resolved_at=row.resolved_at if recovered else None,
        user_type=row.user_type,
        topic=row.topic,
        tz=tz,
        base_url=base_url,
    )


Sender = Callable[[str, str, str | None, Notice], None]  # (kind, target, secret, notice); raises on failure


def sender(env: Mapping[str, str], allow_private: bool) -> Sender:
    """Send by email through SMTP_* (as the weekly report does) or by signed webhook."""

    def send(kind: str, target: str, secret: str | None, notice: Notice) -> None:
        if kind == "email":
            if not env.get("SMTP_HOST"):
                raise DeliveryError("SMTP_HOST is not set; alert emails are sent through SMTP_*")
            send_email(SmtpSettings.from_env(env), [target], notice.subject, notice.text, notice.html)
        else:
            webhooks.post(target, notice.body(), secret or "", allow_private=allow_private)

    return send


def _charted(engine: Engine, notice: Notice) -> Notice:
    """The notice with its recent figures for the email's chart; without them if the database
    does not answer (a notice without its chart beats no notice)."""
    try:
        with engine.connect() as conn:
            return with_recent(conn, notice)
    except SQLAlchemyError as exc:
        log.warning("alert email chart left out: %s", exc.__class__.__name__)
        return notice


def send_due(
    engine: Engine, send: Sender, tz: ZoneInfo, base_url: str, now: datetime | None = None
) -> list[Outcome]:
    """Attempt every delivery that is due. Each is claimed first with a conditional update of its
    attempt count (and its next attempt pushed back), so two senders never both send it and a crash
    mid-send means a retry later, not a tight loop."""
    now = now or datetime.now(UTC)
    d = alert_deliveries.c
    with engine.connect() as conn:
        rows = _due(conn, now)
    outcomes = []
    for row in rows:
        attempt = row.attempts + 1
        retry_at = now + backoff(attempt) if attempt < MAX_ATTEMPTS else None
        with engine.begin() as conn:
            claimed = conn.execute(
                update(alert_deliveries)
                .where(d.id == row.id, d.attempts == row.attempts, d.delivered_at.is_(None))
                .values(attempts=attempt, next_attempt_at=retry_at)
            ).rowcount
        if not claimed:
            continue
        target = row.target if row.kind == "email" else webhooks.shown(row.target)
        notice = notice_of(row, tz, base_url)
        if row.kind == "email":
            notice = _charted(engine, notice)
        try:
            send(row.kind, row.target, row.secret, notice)
        except (DeliveryError, webhooks.WebhookError, OSError) as exc:
            error = str(exc)[:500]
            log.warning("alert %s to %s failed (attempt %d): %s", row.notice, target, attempt, error)
            with engine.begin() as conn:
                conn.execute(update(alert_deliveries).where(d.id == row.id).values(last_error=error))
            outcomes.append(Outcome(row.id, row.kind, target, row.notice, attempt, error, retry_at))
            continue
        with engine.begin() as conn:
            conn.execute(
                update(alert_deliveries)
                .where(d.id == row.id)
                .values(delivered_at=datetime.now(UTC), next_attempt_at=None, last_error=None)
            )
        outcomes.append(Outcome(row.id, row.kind, target, row.notice, attempt, None, None))
    return outcomes
