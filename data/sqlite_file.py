"""The SQLite file an engine serves, held to the one it first opened, and only while writable.

A file deleted, moved or replaced under a running app must never be written to in its place: a
connection opened on a replacement would read the original's WAL through the shared `-wal` and
`-shm` files and, at its next checkpoint, copy it into the replacement and reset it, so the
original lost every commit still in its WAL. So the file's identity (device and inode) is taken
when the engine is made, every new connection is refused unless the path still names that file,
and a pooled connection is retired when it no longer does.

A file this process may not write (made read-only) is refused the same way: a connection opened
earlier would go on writing through its open descriptor whatever the mode says, and one opened
now would be silently read-only and, through SQLite's shared memory index, make the next ones
read-only too, even once the file is writable again. Refusing all of them keeps it simple: the
app answers 503 until the file is writable, then opens fresh connections.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

_FILES: WeakKeyDictionary[Engine, SqliteFile] = WeakKeyDictionary()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


@dataclass(frozen=True)
class SqliteFile:
    """A database file by path and by the identity it had when the engine was made."""

    path: Path
    identity: tuple[int, int] | None

    def problem(self) -> str | None:
        """Why the path cannot be served now (missing, replaced, read-only), or None."""
        current = _identity(self.path)
        if current is None:
            return f"the database file {self.path} is missing"
        if current != self.identity:
            return f"the database file {self.path} was replaced by another file"
        if not os.access(self.path, os.W_OK):
            return f"the database file {self.path} is read-only"
        return None


def guard(engine: Engine, path: Path) -> SqliteFile:
    """Hold `engine` to the file now at `path` (see the module docstring); return its guard."""
    held = SqliteFile(path, _identity(path))
    _FILES[engine] = held

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, _record, cargs, cparams):
        # Checked before and after opening: the connection is handed out only if the file it
        # opened is the one held. Closing it unused (no statement run) reads and writes nothing.
        refused = held.problem()
        if refused is None:
            connection = dialect.connect(*cargs, **cparams)
            refused = held.problem()
            if refused is None:
                return connection
            connection.close()
        raise sqlite3.OperationalError(f"{refused}; refusing to open it until the original is back")

    @event.listens_for(engine, "checkout")
    def _check(_dbapi_connection, _record, _proxy) -> None:
        refused = held.problem()
        if refused is not None:
            # Retired, it is closed on the original file (its last checkpoint lands there); the
            # pool then tries a new connection, which the hook above refuses.
            raise DisconnectionError(refused)

    return held


def sqlite_file_of(engine: Engine) -> SqliteFile | None:
    """The guarded file of a SQLite engine made by data.db.create_engine (None otherwise)."""
    return _FILES.get(engine)
