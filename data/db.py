"""Engine construction and schema upgrades for SQLite (the default) and PostgreSQL."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, Table, event, func, make_url, select, text
from sqlalchemy import create_engine as sa_create_engine

from data import health, sqlite_file

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
MIGRATION_LOCK_ID = 7_240_511_903


def create_engine(url: str, **kwargs: object) -> Engine:
    """Return an engine for `url`; SQLite files get WAL, a busy timeout and foreign keys on.

    A SQLite file is created here if missing, then held to that very file (data.sqlite_file): if
    it later disappears or is replaced (deleted, moved, another file put in its place, volume
    gone), requests fail instead of opening or writing anything else, and work again once the
    original is back. `?timeout=SECONDS` in the URL sets how long a request waits for another
    writer's lock (default 10 s).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        if parsed.get_backend_name() == "postgresql":
            # psycopg prepares a statement run five times; PostgreSQL would then soon plan it once for
            # any parameters, and a plan fit for an hour's range read a week's (the API's 24 hours
            # went from 22 to 200 ms after a few calls). Plans stay made for each call's values.
            options = " ".join(
                filter(None, (parsed.query.get("options"), "-c plan_cache_mode=force_custom_plan"))
            )
            parsed = parsed.update_query_dict({"options": options})
        engine = sa_create_engine(parsed, **kwargs)
        health.track_write_failures(engine)
        return engine
    database = parsed.database
    if "timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"timeout": str(SQLITE_BUSY_TIMEOUT_MS / 1000)})
    path = None
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)  # an empty file is an empty SQLite database
        parsed = parsed.set(database=f"file:{quote(str(path))}").update_query_dict(
            {"mode": "rw", "uri": "true"}
        )
    engine = sa_create_engine(parsed, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    if path is not None:
        sqlite_file.guard(engine, path)
    health.track_write_failures(engine)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Safe with WAL: a crash can lose the last commits only on power loss, never corrupt.
    cursor.execute("PRAGMA synchronous=NORMAL")
    try:
        cursor.execute("SELECT ln(1), floor(1.5)")
    except sqlite3.OperationalError:
        # SQLite built without its math functions: the response-time buckets need these two.
        dbapi_connection.create_function("ln", 1, math.log, deterministic=True)
        dbapi_connection.create_function("floor", 1, math.floor, deterministic=True)
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


def reading(engine: Engine) -> Engine:
    """The engine for work that only reads.

    On PostgreSQL its connections run each statement on its own (autocommit), so closing one rolls
    nothing back: psycopg deallocates every statement it has prepared on a rollback, so with the
    usual close a request's queries were planned afresh on every call. Under READ COMMITTED each
    statement already read its own snapshot, so what a request reads is unchanged.
    """
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def refresh_statistics(engine: Engine, tables: Iterable[Table]) -> None:
    """Give PostgreSQL's planner statistics on `tables` after a bulk write (ANALYZE), so it picks
    the indexes.

    Without them (autovacuum off, or not yet run) it guesses, and counted the open sessions by
    scanning all of them. Only the tables written: a bare ANALYZE would walk every schema of a
    shared database. SQLite's plans here do not depend on statistics, so it is left alone.
    """
    if engine.dialect.name != "postgresql":
        return
    quote = engine.dialect.identifier_preparer.format_table
    with engine.begin() as conn:
        # ANALYZE takes no bound parameters; the names come from our metadata, quoted by the dialect.
        conn.execute(text("ANALYZE " + ", ".join(quote(table) for table in tables)))
