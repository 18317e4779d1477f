"""A row's CSV cells joined into its CSV line in SQL, as csv.writer writes it (SQLite).

csv.writer (QUOTE_MINIMAL, lineterminator `\\r\\n`) writes NULL and the empty string as nothing,
and quotes a field, doubling its quotes, only when it holds a comma, a quote, a CR or an LF. Doing
that in SQL hands Python one value a row (the line's UTF-8 bytes) instead of a tuple of cells to
decode, write and encode again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import LargeBinary, String, and_, case, cast, func, literal, or_
from sqlalchemy.sql.elements import ColumnElement

# The characters that make csv.writer quote a field.
QUOTED_FOR = (",", '"', "\n", "\r")


def _text(value: str) -> ColumnElement:
    return literal(value, String)


@dataclass(frozen=True)
class Field:
    """One cell's SQL (`cell`: its text, NULL for none) and its SQL as written in a CSV line
    (`written`: NULL written as nothing); `bare` when its text never holds a comma, quote, CR, LF
    or NUL (numbers, times, flags: written as the cell)."""

    cell: ColumnElement
    written: ColumnElement
    bare: bool = False


def holds_any(probe: ColumnElement, chars: Sequence[str] = QUOTED_FOR) -> ColumnElement:
    """SQL: `probe` holds one of `chars`, for text without NUL. One LIKE a character: SQLite skips
    to a literal fast, where a GLOB bracket after `*` is tried at every position (about ten times
    slower)."""
    return or_(*(probe.like(_text(f"%{c}%")) for c in chars))


def _holds_any_past_nul(probe: ColumnElement) -> ColumnElement:
    """SQL: `probe` holds a NUL and one of QUOTED_FOR. LIKE and length() stop at a NUL; instr()
    and the BLOB's length do not."""
    has_nul = func.length(probe) != func.length(cast(probe, LargeBinary))
    # length() counts characters, the BLOB bytes: non-ASCII text takes instr() too, exact either way.
    return and_(has_nul, or_(*(func.instr(probe, _text(c)) > 0 for c in QUOTED_FOR)))


def enclosed(cell: ColumnElement, doubled: bool = True) -> ColumnElement:
    """SQL: `cell` between quotes, its quotes doubled (`doubled=False`: it holds none)."""
    inner = func.replace(cell, _text('"'), _text('""')) if doubled else cell
    return _text('"') + inner + _text('"')


def quoted_if_needed(cell: ColumnElement, probe: ColumnElement | None = None) -> ColumnElement:
    """SQL: `cell` as csv.writer writes it (NULL stays NULL), tested for the characters that need
    quotes on `probe`: an SQL value holding one exactly when the cell does (the cell by default)."""
    probe = cell if probe is None else probe
    return case((or_(holds_any(probe), _holds_any_past_nul(probe)), enclosed(cell)), else_=cell)


def quotable(cell: ColumnElement, probe: ColumnElement | None = None) -> Field:
    """A cell that may need quotes (see quoted_if_needed)."""
    return Field(cell, quoted_if_needed(cell, probe))


def bare(cell: ColumnElement) -> Field:
    """A cell whose text never holds a comma, quote, CR, LF or NUL (numbers, times, flags)."""
    return Field(cell, cell, bare=True)


def line(fields: Sequence[Field]) -> ColumnElement:
    """SQL: the fields as one CSV line, `\\r\\n` included, as UTF-8 bytes (a BLOB).

    Runs of bare fields are written by one printf (`%s` writes NULL as nothing): one string built
    where `||` builds one a field. printf's `%s` stops at a NUL, so other fields are joined by `||`
    (NULL made empty).
    """
    pieces: list[ColumnElement] = []
    run: list[ColumnElement] = []

    def close_run(end: str = "") -> None:
        if run:
            pieces.append(func.printf(_text(",".join(["%s"] * len(run)) + end), *run))
            run.clear()

    for field in fields:
        if field.bare:
            run.append(field.written)
        else:
            close_run()
            pieces.append(func.coalesce(field.written, _text("")))
    ended = bool(run)
    close_run("\r\n")
    joined = pieces[0]
    for piece in pieces[1:]:
        joined = joined + _text(",") + piece
    if not ended:
        joined = joined + _text("\r\n")
    # CAST AS BLOB keeps the text's bytes: Python gets bytes, nothing is decoded or encoded again.
    return cast(joined, LargeBinary)
