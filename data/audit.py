"""The audit trail: sign-ins and failures, sign-outs (one or everywhere), exports, ingestion calls,
retention runs, every change to an alert rule and to a saved view.

`python -m data.audit` lists it; staff can also download it as CSV from the dashboard's exports.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from data.schema import audit_log

ACTIONS = (
    "login",
    "login_failed",
    "login_blocked",
    "logout",
    "logout_everywhere",
    "export",
    "ingest",
    "ingest_denied",
    "retention",
    "alert_rule_create",
    "alert_rule_edit",
    "alert_rule_pause",
    "alert_rule_resume",
    "alert_rule_delete",
    "view_save",
    "view_rename",
    "view_delete",
)
MAX_ACTOR_LENGTH = 150


def record(
    conn: Connection,
    action: str,
    *,
    actor: str | None = None,
    ip: str | None = None,
    detail: dict | None = None,
) -> None:
    """Append one entry (inside the caller's transaction)."""
    conn.execute(
        insert(audit_log).values(
            at=datetime.now(UTC),
            action=action,
            actor=actor[:MAX_ACTOR_LENGTH] if actor else None,
            ip=ip[:64] if ip else None,
            detail=detail,
        )
    )


def record_now(engine: Engine, action: str, **fields: Any) -> None:
    """Append one entry in its own transaction (for events outside any other write)."""
    with engine.begin() as conn:
        record(conn, action, **fields)


def entries(
    conn: Connection, *, since: datetime | None = None, action: str | None = None, limit: int = 100
) -> list[dict]:
    """The newest entries first, optionally from `since` and of one action."""
    stmt = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    if since is not None:
        stmt = stmt.where(audit_log.c.at >= since)
    if action:
        stmt = stmt.where(audit_log.c.action == action)
    return [dict(row._mapping) for row in conn.execute(stmt)]


def main(argv: list[str] | None = None) -> int:
    """`python -m data.audit`: the `chat-analytics audit` command; returns the exit code."""
    from commands.audit_trail import audit as command
    from commands.startup import invoke

    return invoke(command, argv, "python -m data.audit")


if __name__ == "__main__":
    sys.exit(main())
