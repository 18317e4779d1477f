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
QUOTED_FOR = (",", '"', "\n", "\r")


def _text(value: str) -> ColumnElement:
    return literal(value, String)


@dataclass(frozen=True)
class Field:
    """One cell's SQL (`cell`: its text, NULL for none) and its SQL as written in a CSV line
    (`written`: never NULL)."""

    cell: ColumnElement
    written: ColumnElement


def holds_any(probe: ColumnElement, chars: Sequence[str] = QUOTED_FOR) -> ColumnElement:
    """SQL: `probe` holds one of `chars`. One LIKE a character: SQLite skips to a literal fast,
    where a GLOB bracket after `*` is tried at every position (about ten times slower)."""
    return or_(*(probe.like(_text(f"%{c}%")) for c in chars))


def enclosed(cell: ColumnElement, doubled: bool = True) -> ColumnElement:
    """SQL: `cell` between quotes, its quotes doubled (`doubled=False`: it holds none)."""
    inner = func.replace(cell, _text('"'), _text('""')) if doubled else cell
    return _text('"') + inner + _text('"')


def quoted_if_needed(cell: ColumnElement, probe: ColumnElement | None = None) -> ColumnElement:
    """SQL: `cell` as csv.writer writes it (NULL stays NULL), tested for the characters that need
    quotes on `probe`: an SQL value holding one exactly when the cell does (the cell by default)."""
    return case((holds_any(cell if probe is None else probe), enclosed(cell)), else_=cell)


def quotable(cell: ColumnElement, probe: ColumnElement | None = None) -> Field:
    """A cell that may need quotes (see quoted_if_needed)."""
    return Field(cell, func.coalesce(quoted_if_needed(cell, probe), _text("")))


def bare(cell: ColumnElement) -> Field:
    """A cell whose text never holds a comma, quote, CR or LF (numbers, times, flags)."""
    return Field(cell, func.coalesce(cell, _text("")))


def line(fields: Sequence[Field]) -> ColumnElement:
    """SQL: the fields as one CSV line, `\\r\\n` included, as UTF-8 bytes (a BLOB)."""
    joined = fields[0].written
    for field in fields[1:]:
        joined = joined + _text(",") + field.written
    # CAST AS BLOB keeps the text's bytes: Python gets bytes, nothing is decoded or encoded again.
    return cast(joined + _text("\r\n"), LargeBinary)
