"""The CSV exports formatted by the database: each query column becomes its cell's text in SQL.

Writes the same bytes as exports.csv.csv_chunks over exports.queries' cell functions (the
reference), at database speed: SQLite writes each row's whole CSV line (exports.sql_lines),
joined a batch at a time; PostgreSQL writes the CSV itself, `COPY (SELECT ...) TO STDOUT`,
streamed a row at a time. Memory stays flat either way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement

from data.schema import chat_messages, chat_sessions
from exports import sql_cells, sql_lines
from exports.cells import neutralise
from exports.queries import Selection
from exports.sql_cells import ZoneWindow
from exports.sql_lines import Field, bare, quotable

# Chunks written to the response: few, large writes; memory bounded by one chunk.
CHUNK_BYTES = 256 * 1024
# SQLite: rows fetched at a time (the first batch, the most), for chunks of about CHUNK_BYTES.
FIRST_ROWS = 100
MAX_ROWS = 10_000
# Past the newest row (or now): sessions close and update after they start.
_WINDOW_MARGIN = timedelta(days=2)

# Builds one cell's SQL (with how it can need quotes) from the query's columns, the dialect and
# the display zone.
Cell = Callable[[Sequence[ColumnElement], str, ZoneWindow], Field]


def _text(position: int) -> Cell:
    # Neutralising adds a quote mark, never a character csv.writer quotes for: the raw text tells.
    return lambda cols, dialect, zone: quotable(
        sql_cells.neutralised(cols[position], dialect), cols[position]
    )


def _stamp(position: int) -> Cell:
    return lambda cols, dialect, zone: bare(sql_cells.timestamp(cols[position], dialect, zone))


def _integer(position: int) -> Cell:
    return lambda cols, dialect, zone: bare(sql_cells.integer(cols[position]))


def _tenths(position: int) -> Cell:
    return lambda cols, dialect, zone: bare(sql_cells.tenths(cols[position], dialect))


def _boolean(position: int) -> Cell:
    return lambda cols, dialect, zone: bare(sql_cells.boolean(cols[position]))


def _status(position: int) -> Cell:
    return lambda cols, dialect, zone: bare(sql_cells.status(cols[position]))


def _topics(position: int) -> Cell:
    return lambda cols, dialect, zone: sql_cells.topics_field(cols[position], dialect)


def _json(position: int) -> Cell:
    return lambda cols, dialect, zone: sql_cells.json_field(cols[position], dialect)


def _duration(created: int, closed: int) -> Cell:
    return lambda cols, dialect, zone: bare(sql_cells.duration(cols[created], cols[closed], dialect))


@dataclass(frozen=True)
class Layout:
    """One export's cells (positions are those of the columns its query selects) and the column
    its date range applies to."""

    cells: tuple[Cell, ...]
    ranged: ColumnElement


LAYOUTS: dict[str, Layout] = {
    "sessions": Layout(
        (
            _text(0),
            _text(1),
            _text(2),
            _status(3),
            _stamp(4),
            _stamp(5),
            _stamp(6),
            _integer(7),
            _integer(8),
            _integer(9),
            _tenths(10),
            _integer(11),
            _boolean(12),
            _topics(13),
            _tenths(14),
        ),
        chat_sessions.c.created_at,
    ),
    "messages": Layout(
        (_text(0), _text(1), _text(2), _text(3), _text(4), _stamp(5), _tenths(6), _boolean(7), _json(8)),
        chat_messages.c.created_at,
    ),
    "analytics": Layout(
        (
            _text(0),
            _text(1),
            _text(2),
            _integer(3),
            _integer(4),
            _integer(5),
            _tenths(6),
            _boolean(7),
            _boolean(8),
            _topics(9),
            _json(10),
            _tenths(11),
            _duration(12, 13),
        ),
        chat_sessions.c.created_at,
    ),
}


def zone_window(conn: Connection, kind: str, selection: Selection, tz: ZoneInfo) -> ZoneWindow:
    """The display zone's offsets over every time the export can show (SQLite formats with them;
    PostgreSQL skips asking each time for its offset inside it)."""
    ranged = LAYOUTS[kind].ranged
    start, end = selection.start, selection.end
    if start is None or end is None:
        # Both ends of an index: no scan.
        first, last = conn.execute(select(func.min(ranged), func.max(ranged))).one()
        if first is None:
            return ZoneWindow(tz)
        start, end = start or first, end or last
    end = max(end, datetime.now(tz))
    return sql_cells.zone_window(tz, start, end + _WINDOW_MARGIN if end.year < 9999 else end)


def query(kind: str, stmt: Select, dialect: str, zone: ZoneWindow) -> Select:
    """`stmt` (the export's query) selecting its cells' text instead of the stored values: on
    SQLite one column, each row's whole CSV line as bytes; on PostgreSQL a column a cell (COPY
    writes the CSV)."""
    columns = list(stmt.selected_columns)
    fields = [cell(columns, dialect, zone) for cell in LAYOUTS[kind].cells]
    if dialect == "postgresql":
        # COPY writes an empty string as `""`; csv.writer writes it as nothing, like NULL.
        cells = [func.nullif(f.cell, "") for f in fields]
    else:
        cells = [sql_lines.line(fields)]
    return stmt.with_only_columns(
        *(c.label(f"c{i}") for i, c in enumerate(cells)), maintain_column_froms=True
    )


def header_line(columns: Sequence[str]) -> str:
    """The header row, neutralised and written as csv.writer writes it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([neutralise(c) for c in columns])
    return buffer.getvalue()


class Stream:
    """A started export: `chunks()` yields its CSV (header first) and counts rows in `rows`.

    Starting runs the query (a failure raises before any byte is sent); `close()` ends it.
    """

    def __init__(self, conn: Connection, kind: str, stmt: Select, columns: Sequence[str], zone: ZoneWindow):
        self.rows = 0
        self._copying = None
        self._driver_error = conn.dialect.loaded_dbapi.Error
        self._header = header_line(columns)
        self._stack = ExitStack()
        dialect = conn.dialect.name
        formatted = query(kind, stmt, dialect, zone)
        try:
            if dialect == "postgresql":
                self._batches = self._copy(conn, formatted, zone.tz)
            else:
                sql_cells.register_sqlite_functions(conn.connection.driver_connection)
                result = conn.execute(formatted)
                self._stack.callback(result.close)
                self._batches = self._fetch(result.cursor)
        except BaseException:
            self._stack.close()
            raise

    def _fetch(self, cursor) -> Iterator[bytes]:
        # Each row is its CSV line already: a batch joined is a chunk. Batches are sized from the
        # lines seen so far for about CHUNK_BYTES (few, large writes to the response; memory
        # bounded by one batch), the first small so that the download starts at once.
        size = FIRST_ROWS
        while batch := cursor.fetchmany(size):
            chunk = b"".join([row[0] for row in batch])
            self.rows += len(batch)
            yield chunk
            size = max(1, min(MAX_ROWS, CHUNK_BYTES * len(batch) // max(len(chunk), 1)))

    def _copy(self, conn: Connection, formatted: Select, tz: ZoneInfo) -> Iterator[bytes]:
        # Settings for this transaction only: timestamps are formatted in the session's zone; floats
        # read as their shortest text (PostgreSQL's default, made sure); the cell expressions are
        # large but cheap, and JIT-compiling them would cost more than a 100,000-row export.
        settings = {"TimeZone": tz.key, "client_encoding": "UTF8", "extra_float_digits": "1", "jit": "off"}
        conn.execute(select(*(func.set_config(name, value, True) for name, value in settings.items())))
        compiled = formatted.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        cursor = self._stack.enter_context(conn.connection.driver_connection.cursor())
        # Values are bound by psycopg (client side: COPY takes no parameters).
        copy = self._stack.enter_context(
            cursor.copy(f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv)", compiled.construct_params())
        )
        self._copying = copy
        return self._copy_rows(conn, copy)

    def _copy_rows(self, conn: Connection, copy) -> Iterator[bytes]:
        # COPY sends one row per message, ending in \n: csv.writer ends rows with \r\n.
        # The rows are kept as views (no copy) until a chunk of about CHUNK_BYTES is joined.
        pending: list[memoryview] = []
        size = 0
        try:
            for row in copy:
                pending.append(row[:-1])
                size += len(row)
                if size >= CHUNK_BYTES:
                    self.rows += len(pending)
                    yield b"\r\n".join(pending) + b"\r\n"
                    pending, size = [], 0
        except self._driver_error as exc:
            # The COPY broke (a lost connection, a number it cannot write): the connection is
            # dropped, not rolled back and reused.
            self._copying = None
            conn.invalidate(exc)
            raise DBAPIError.instance(
                None, None, exc, self._driver_error, connection_invalidated=True
            ) from exc
        self.rows += len(pending)
        self._copying = None
        if pending:
            yield b"\r\n".join(pending) + b"\r\n"

    def chunks(self) -> Iterator[str | bytes]:
        """The CSV text: the header, then the rows in pieces of about CHUNK_BYTES."""
        header: str | None = self._header
        for chunk in self._batches:
            if header is not None:
                # With the first rows, as csv_chunks sends them.
                chunk, header = (header + chunk if isinstance(chunk, str) else header.encode() + chunk), None
            yield chunk
        if header is not None:
            yield header

    def close(self) -> None:
        """Release the cursor (also mid-stream, when the client hung up); a driver error (the
        connection was lost) is raised as SQLAlchemy's, as the rest of the app expects."""
        try:
            try:
                if self._copying is not None:
                    # Cancels the COPY on the server and drops what it still sends.
                    self._copying.finish(GeneratorExit())
            finally:
                self._stack.close()
        except self._driver_error as exc:
            raise DBAPIError.instance(None, None, exc, self._driver_error) from exc
