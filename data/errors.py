"""Errors shared by the data layer's callers: bad parameters, and database failures in one line."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError


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
