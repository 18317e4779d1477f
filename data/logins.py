"""Server-side sign-ins: a random token per sign-in, of which only a hash is stored.

The login cookie carries the token; a request is signed in only while its row exists. Ending a
sign-in deletes the row, so a cookie copied before signing out is worth nothing afterwards.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert

from data.schema import login_sessions

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256 (a copy of the table signs nobody in)."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(conn: Connection, user_id: int, now: datetime, max_age: timedelta) -> str:
    """Record a new sign-in of `user_id` and return its token; sign-ins older than `max_age` go."""
    conn.execute(delete(login_sessions).where(login_sessions.c.created_at < now - max_age))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    conn.execute(insert(login_sessions).values(token_hash=token_hash(token), user_id=user_id, created_at=now))
    return token


def end(conn: Connection, token: str) -> None:
    """End one sign-in (signing out on one browser)."""
    conn.execute(delete(login_sessions).where(login_sessions.c.token_hash == token_hash(token)))


def end_all(conn: Connection, user_id: int) -> int:
    """End every sign-in of the account; return how many there were."""
    return conn.execute(delete(login_sessions).where(login_sessions.c.user_id == user_id)).rowcount
