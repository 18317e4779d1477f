"""`python app.py --demo`: demo data and a staff login on an empty database."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from sqlalchemy import Engine, func, select

from data.schema import chat_sessions, users
from data.users import create_user

DEMO_USERNAME = "demo"
DEMO_SESSIONS = 20_000


def prepare_demo(engine: Engine, sessions: int = DEMO_SESSIONS) -> Iterator[str]:
    """Seed an empty database and create the `demo` staff account; yield lines to show the operator.

    The password is random and shown once; on a database that already has data nothing is changed.
    """
    from data.seed import generate

    with engine.connect() as conn:
        has_sessions = conn.execute(select(func.count()).select_from(chat_sessions)).scalar_one() > 0
        has_demo = conn.execute(select(users.c.id).where(users.c.username == DEMO_USERNAME)).first()
    if not has_sessions:
        yield f"Seeding {sessions:,} demo sessions over 90 days..."
        generate(engine, sessions=sessions, days=90, active=8, seed=42, progress=True)
    if has_demo:
        yield f"Staff account {DEMO_USERNAME!r} exists (its password was shown when it was created)."
        return
    password = secrets.token_urlsafe(12)
    with engine.begin() as conn:
        create_user(conn, DEMO_USERNAME, password=password, is_staff=True)
    yield f"Staff login: {DEMO_USERNAME} / {password}   (shown once; keep it)"
