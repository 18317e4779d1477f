"""The benchmarks' seeded databases: built once at a given size and kept."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import func, select

from data.db import create_engine, upgrade_schema
from data.schema import chat_sessions

CACHE = Path(__file__).resolve().parent / "cache"


def prepare(sessions: int, database_url: str | None) -> str:
    """The URL of a database holding exactly `sessions` seeded sessions, seeding it when empty."""
    from data.seed import generate

    url = database_url or f"sqlite:///{CACHE / f'bench-{sessions}.db'}"
    engine = create_engine(url)
    upgrade_schema(engine)
    with engine.connect() as conn:
        present = conn.execute(select(func.count()).select_from(chat_sessions)).scalar()
    if present == 0:
        print(f"building the benchmark database: {sessions:,} sessions (once; cached)", file=sys.stderr)
        generate(engine, sessions=sessions, days=90, active=min(50, sessions), seed=42, progress=True)
    elif present != sessions:
        raise SystemExit(f"error: {url} holds {present:,} sessions, not {sessions:,}; give an empty database")
    engine.dispose()
    return url
