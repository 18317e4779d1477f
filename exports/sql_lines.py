"""A row's CSV cells joined into its CSV line in SQL, as csv.writer writes it (SQLite).

csv.writer (QUOTE_MINIMAL, lineterminator `\\r\\n`) writes NULL and the empty string as nothing,
and quotes a field, doubling its quotes, only when it holds a comma, a quote, a CR or an LF. Doing
that in SQL hands Python one value a row (the line's UTF-8 bytes) instead of a tuple of cells to
decode, write and encode again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import LargeBinary, String, case, cast, func, literal, or_
from sqlalchemy.sql.elements import ColumnElement

# The characters that make csv.writer quote a field.
_QUOTED_FOR = (",", '"', "\n", "\r")


def _text(value: str) -> ColumnElement:
    return literal(value, String)


@dataclass(frozen=True)
class Field:
    """One cell's SQL and how it can need quotes.

    `probe`: an SQL value that holds a comma, quote, CR or LF exactly when the cell does (cheaper
    to test than the cell, e.g. the raw text a neutralised cell is made of); `None` when the
    cell's text never holds one (numbers, times, flags).
    """

    cell: ColumnElement
    probe: ColumnElement | None = None


def quotable(cell: ColumnElement, probe: ColumnElement | None = None) -> Field:
    """A cell that may need quotes, tested on `probe` (the cell itself by default)."""
    return Field(cell, cell if probe is None else probe)


def bare(cell: ColumnElement) -> Field:
    """A cell whose text never holds a comma, quote, CR or LF."""
    return Field(cell)


def _written(field: Field) -> ColumnElement:
    if field.probe is None:
        return func.coalesce(field.cell, _text(""))
    quoted = _text('"') + func.replace(field.cell, _text('"'), _text('""')) + _text('"')
    # A NULL probe (a NULL cell) falls through to the cell: NULL, written as nothing.
    # One LIKE a character: SQLite skips to a literal fast, where a GLOB bracket after `*` is
    # tried at every position (about ten times slower).
    needs_quotes = or_(*(field.probe.like(_text(f"%{c}%")) for c in _QUOTED_FOR))
    return func.coalesce(case((needs_quotes, quoted), else_=field.cell), _text(""))


def line(fields: Sequence[Field]) -> ColumnElement:
    """SQL: the fields as one CSV line, `\\r\\n` included, as UTF-8 bytes (a BLOB)."""
    joined = _written(fields[0])
    for field in fields[1:]:
        joined = joined + _text(",") + _written(field)
    # CAST AS BLOB keeps the text's bytes: Python gets bytes, nothing is decoded or encoded again.
    return cast(joined + _text("\r\n"), LargeBinary)
