"""Many rows into one table at once: PostgreSQL's COPY where the connection is PostgreSQL, a
multi-row insert elsewhere.

psycopg sends an executemany as one query per row (pipelined): for the 200 messages of an ingested
batch that was about a third of the batch's time. COPY streams them as one statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import DBAPIError


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys: column names) into `table` in the caller's
    transaction; errors are SQLAlchemy's, as from `conn.execute(insert(table), rows)`."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), list(rows))
        return
    from psycopg import Error, sql

    names = list(rows[0])
    columns = [table.c[name] for name in names]
    # Each column's own bind processing (UTC timestamps, JSON text), as an INSERT would apply it.
    processors = [column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for column in columns]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(name) for name in names)
    )
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        value if process is None or value is None else process(value)
                        for process, value in zip(processors, (row[name] for name in names), strict=True)
                    ]
                )
    except Error as exc:
        # The same exception an INSERT would raise (IntegrityError, DataError...), so callers and
        # the error pages tell a refused value from an unreachable database as they do for inserts.
        raise DBAPIError.instance(str(statement), None, exc, Error) from exc
    finally:
        cursor.close()
