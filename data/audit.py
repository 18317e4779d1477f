"""The audit trail: sign-ins and failures, sign-outs (one or everywhere), exports and ingestion calls.

`python -m data.audit` lists it; staff can also download it as CSV from the dashboard's exports.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError

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
    """`python -m data.audit [--since YYYY-MM-DD] [--action A] [--limit N]`; returns the exit code."""
    from config import Config
    from data.db import create_engine, upgrade_schema
    from data.errors import report_failure

    parser = argparse.ArgumentParser(
        prog="python -m data.audit", description="List the audit trail, newest first."
    )
    parser.add_argument("--since", type=date.fromisoformat, help="from this day (YYYY-MM-DD, UTC)")
    parser.add_argument("--action", choices=ACTIONS)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--database-url", help="defaults to DATABASE_URL")
    args = parser.parse_args(argv)
    since = datetime.combine(args.since, time(), UTC) if args.since else None
    try:
        engine = create_engine(args.database_url or Config.from_env().database_url)
        upgrade_schema(engine)
        with engine.connect() as conn:
            rows = entries(conn, since=since, action=args.action, limit=args.limit)
    except SQLAlchemyError as exc:
        return report_failure(exc)
    for r in rows:
        detail = ", ".join(f"{k}={v}" for k, v in (r["detail"] or {}).items())
        print(
            f"{r['at']:%Y-%m-%d %H:%M:%S}  {r['action']:<14} {r['actor'] or '-':<24} {r['ip'] or '-':<16} {detail}"
        )
    if not rows:
        print("no entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
