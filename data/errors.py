"""Errors shared by the data layer's callers: bad parameters, and database failures in one line."""

from __future__ import annotations

from sqlalchemy.exc import (
    DatabaseError,
    DataError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout


class FieldError(ValueError):
    """A request or command-line parameter has a value we cannot use; `field` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def describe_db_error(exc: SQLAlchemyError) -> str:
    """The first line of the driver's message, e.g. 'database: connection refused ...'."""
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [cause.__class__.__name__])[0]
    return f"database: {first}"


def is_bad_value(exc: SQLAlchemyError) -> bool:
    """True when the database (or the driver, before sending) refused a value of the request: the
    client's error, which sending it again cannot fix."""
    if isinstance(exc, DataError | IntegrityError):
        return True
    # A value the driver could not even bind (a date pushed past year 1 by its offset, say).
    return (
        isinstance(exc, StatementError)
        and not isinstance(exc, DBAPIError)
        and isinstance(exc.orig, ValueError | OverflowError | TypeError)
    )


def is_unavailable(exc: SQLAlchemyError) -> bool:
    """True when the database cannot be reached or cannot work right now (down, locked, out of
    space, read-only, file gone): a later retry may succeed."""
    if isinstance(exc, DisconnectionError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        # Connection-level failures; InternalError is PostgreSQL's class 25 (a read-only server) and
        # XX; a bare DatabaseError is SQLite's "file is not a database" (a file swapped under us).
        return isinstance(exc, OperationalError | InterfaceError | InternalError) or type(exc) in (
            DBAPIError,
            DatabaseError,
        )
    return False
