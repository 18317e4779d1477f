"""Engine construction and schema upgrades for SQLite (the default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, event, func, make_url, select
from sqlalchemy import create_engine as sa_create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
MIGRATION_LOCK_ID = 7_240_511_903


def create_engine(url: str, **kwargs: object) -> Engine:
    """Return an engine for `url`; SQLite files get WAL, a busy timeout and foreign keys on."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return sa_create_engine(parsed, **kwargs)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # The driver's own busy wait backs up the PRAGMA for connections opened mid-lock.
    kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    engine = sa_create_engine(parsed, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Safe with WAL: a crash can lose the last commits only on power loss, never corrupt.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to `revision` with the Alembic migrations."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several gunicorn workers start at once; one migrates, the others wait, then find nothing to do.
            connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_ID)))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
