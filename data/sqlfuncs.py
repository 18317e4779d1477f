"""Portable SQL expressions that SQLite and PostgreSQL spell differently."""

from __future__ import annotations

from sqlalchemy import BigInteger, Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_bucket(FunctionElement):
    """floor(seconds since the Unix epoch of a UTC timestamp / size): a fixed-width time bucket."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_bucket"


@compiles(epoch_bucket, "sqlite")
def _epoch_bucket_sqlite(element, compiler, **kw) -> str:
    column, size = list(element.clauses)
    # Stored timestamps are UTC text. The fraction is cut off first because SQLite would round
    # 23:59:59.9999 up into the next second (and bucket). SQLite's integer division truncates
    # toward zero, so the remainder is taken off first: buckets before 1970 floor too.
    seconds = f"CAST(strftime('%s', substr({compiler.process(column, **kw)}, 1, 19)) AS INTEGER)"
    size_sql = compiler.process(size, **kw)
    return f"(({seconds} - ((({seconds}) % {size_sql}) + {size_sql}) % {size_sql}) / {size_sql})"


@compiles(epoch_bucket, "postgresql")
def _epoch_bucket_postgresql(element, compiler, **kw) -> str:
    column, size = list(element.clauses)
    return f"CAST(floor(extract(epoch FROM {compiler.process(column, **kw)}) / {compiler.process(size, **kw)}) AS BIGINT)"


class seconds_between(FunctionElement):
    """Seconds (with their fraction, to the microsecond) from one UTC timestamp to another."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


def _sqlite_seconds(column: str) -> str:
    # Whole seconds from strftime, the stored fraction (".123456", or nothing) added as it is
    # written: exact where julianday's doubles are off by tens of microseconds.
    return f"(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) + CAST(substr({column}, 20) AS REAL))"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"({_sqlite_seconds(end)} - {_sqlite_seconds(start)})"


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(extract(epoch FROM ({end} - {start})) AS DOUBLE PRECISION)"
