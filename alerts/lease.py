"""One evaluator at a time, across processes and machines: a lease row in the database, taken with
a conditional UPDATE that only one transaction can win."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from data.schema import alert_leases

LEASE_NAME = "alerts.check"
DEFAULT_TTL = timedelta(minutes=5)


def new_holder() -> str:
    """A name for this evaluator that no other one shares (host, pid and a random part)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def acquire(
    engine: Engine, holder: str, *, ttl: timedelta = DEFAULT_TTL, now: datetime | None = None
) -> bool:
    """True when `holder` now holds the lease until now + ttl: it was free, expired, or already its own."""
    now = now or datetime.now(UTC)
    lease = alert_leases.c
    with engine.begin() as conn:
        won = conn.execute(
            update(alert_leases)
            .where(
                lease.name == LEASE_NAME,
                or_(lease.holder.is_(None), lease.holder == holder, lease.expires_at < now),
            )
            .values(holder=holder, expires_at=now + ttl)
        ).rowcount
        if won:
            return True
        if conn.execute(select(lease.name).where(lease.name == LEASE_NAME)).first() is not None:
            return False
    try:
        with engine.begin() as conn:
            conn.execute(insert(alert_leases).values(name=LEASE_NAME, holder=holder, expires_at=now + ttl))
        return True
    except IntegrityError:  # another evaluator created the row first: it holds the lease
        return False


def release(engine: Engine, holder: str) -> None:
    """Give the lease up, if `holder` still has it."""
    with engine.begin() as conn:
        conn.execute(
            update(alert_leases)
            .where(alert_leases.c.name == LEASE_NAME, alert_leases.c.holder == holder)
            .values(holder=None, expires_at=None)
        )
