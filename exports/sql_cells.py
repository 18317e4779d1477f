"""The CSV cells of exports/cells.py as SQL expressions: the database formats each row itself.

For any stored value each expression gives exactly the text exports.cells makes of it
(tests/test_exports_sql.py checks that with arbitrary values on both databases). The common shapes
take a fast path in SQL; SQLite hands the rare rest (text starting with neither a letter nor a
digit, JSON with \\u escapes, times outside the exported window, huge numbers) to the Python
functions of exports.cells, registered as SQL functions, so that rest is exact by construction.
PostgreSQL does it all in SQL, and stops the export with an error on a number it cannot write
(beyond 10^14 in absolute value) rather than write it differently.
"""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    Numeric,
    String,
    Text,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.dialects.postgresql import JSON as JSON_PG
from sqlalchemy.sql.elements import ColumnElement

from data.periods import Period
from data.schema import UTCDateTime
from exports import cells
from exports.sql_lines import Field, enclosed, holds_any, quoted_if_needed
from metrics.localtime import offset_changes

# Beyond this a number's text may need an exponent or more digits than a double holds exactly.
_NUMBER_LIMIT = 1e14
# Timestamps whose local time may fall off the calendar (cells.timestamp shows them in UTC).
_CALENDAR = (datetime(2, 1, 1, tzinfo=UTC), datetime(9998, 12, 31, tzinfo=UTC))
_PG_LOCAL = 'YYYY-MM-DD"T"HH24:MI:SS.MS'


def _text(value: str) -> ColumnElement:
    return literal(value, String)


# --- neutralisation (cells.neutralise) -------------------------------------------------------


@functools.cache
def _pg_class(kind: str) -> str:
    """A regular-expression bracket body (code point escapes) of the characters Python's `re`
    takes for `\\s` (str.isspace) or `\\d` (str.isdecimal)."""
    test = str.isspace if kind == "space" else str.isdecimal
    codes = [n for n in range(sys.maxunicode + 1) if test(chr(n))]
    runs: list[list[int]] = []
    for n in codes:
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])

    def esc(n: int) -> str:
        return f"\\u{n:04x}" if n <= 0xFFFF else f"\\U{n:08x}"

    return "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in runs)


@functools.cache
def _pg_patterns() -> tuple[str, str]:
    """(formula start after white space, plain number): cells' rules as PostgreSQL patterns."""
    space, digit = f"[{_pg_class('space')}]", f"[{_pg_class('digit')}]"
    starts = "".join("\\" + c for c in cells.FORMULA_STARTS)
    formula = f"^{space}*[{starts}]"
    number = f"^{space}*[+-]?({digit}+(\\.{digit}*)?|\\.{digit}+)([eE][+-]?{digit}+)?{space}*$"
    return formula, number


_SAFE_STARTS = '{["'  # besides letters and digits: JSON's openings, never a formula


def _safe_start(value: ColumnElement, dialect: str) -> ColumnElement:
    """SQL: `value` starts with a letter, a digit or one of _SAFE_STARTS (so it is no formula)."""
    if dialect == "sqlite":
        return value.op("GLOB")("[A-Za-z0-9" + _SAFE_STARTS + "]*")
    first = func.ascii(value)
    return or_(
        first.between(48, 57),
        first.between(65, 90),
        first.between(97, 122),
        first.in_([ord(c) for c in _SAFE_STARTS]),
    )


def neutralised(value: ColumnElement, dialect: str) -> ColumnElement:
    """SQL: `value` as cells.neutralise writes it (a leading quote on formula-like text)."""
    if dialect == "sqlite":
        # The rare rest goes through cells.neutralise itself.
        return case((_safe_start(value, dialect), value), else_=func.export_neutralise(value))
    formula, number = _pg_patterns()
    quoted = _text("'") + value
    return case(
        (or_(_safe_start(value, dialect), value == ""), value),
        (func.ascii(value).in_([ord(c) for c in cells.CONTROL_STARTS]), quoted),
        (and_(value.regexp_match(formula), not_(value.regexp_match(number))), quoted),
        else_=value,
    )


# --- timestamps (cells.timestamp) ------------------------------------------------------------


def _offset_text(seconds: int) -> str:
    """`+01:00` (or `-04:56:02`), written by datetime.isoformat itself."""
    return datetime(2000, 1, 1, tzinfo=timezone(timedelta(seconds=seconds))).isoformat()[19:]


@dataclass(frozen=True)
class ZoneWindow:
    """The display zone and its UTC offsets over [start, end): the offset (seconds) at start and
    at each change; `changes` is empty when the window lies off the calendar."""

    tz: ZoneInfo
    changes: tuple[tuple[datetime, int], ...] = ()
    end: datetime | None = None


def zone_window(tz: ZoneInfo, start: datetime, end: datetime) -> ZoneWindow:
    """The offsets of `tz` over [start, end), clipped to the calendar's safe middle."""
    start, end = max(start, _CALENDAR[0]), min(end, _CALENDAR[1])
    if start >= end:
        return ZoneWindow(tz)
    return ZoneWindow(tz, tuple(offset_changes(Period(start, end, tz))), end)


def timestamp(value: ColumnElement, dialect: str, zone: ZoneWindow) -> ColumnElement:
    """SQL: the UTC timestamp `value` as cells.timestamp writes it in the display zone.

    SQLite shifts the stored text by the offset in force, found by a binary search over the
    window's offset changes (anything outside the window goes to cells.timestamp); PostgreSQL
    formats in the session's time zone, which the export sets to the display zone.
    """
    if dialect == "postgresql":
        return _pg_timestamp(value, zone)
    fallback = func.export_timestamp(value, _text(zone.tz.key))
    if not zone.changes:
        return fallback
    stored = type_coerce(value, String)  # `2026-11-02 10:00:00.000000`: UTC, to the microsecond

    def branch(offset: int) -> ColumnElement:
        moved = func.strftime("%Y-%m-%dT%H:%M:%S", func.substr(stored, 1, 19), _text(f"{offset:+d} seconds"))
        # Milliseconds cut from the stored text: isoformat truncates where strftime's %f rounds.
        written = moved + _text(".") + func.substr(stored, 21, 3) + _text(_offset_text(offset))
        return written if offset % 3600 else _same_day(stored, offset // 3600, written)

    def pick(part: Sequence[tuple[datetime, int]]) -> ColumnElement:
        if len(part) == 1:
            return branch(part[0][1])
        middle = len(part) // 2
        return case((value < part[middle][0], pick(part[:middle])), else_=pick(part[middle:]))

    inside = and_(func.length(stored) == 26, value >= zone.changes[0][0], value < zone.end)
    return case((inside, pick(zone.changes)), else_=fallback)


_HOURS = "".join(f"{hour:02d}" for hour in range(24))


def _same_day(stored: ColumnElement, hours: int, otherwise: ColumnElement) -> ColumnElement:
    """SQL: the stored UTC text `hours` ahead, written by text surgery when the local time falls
    on the same date (only the hour changes: a lookup in _HOURS), else `otherwise` (strftime,
    which parses the date: about five times slower)."""
    hour = func.substr(stored, 12, 2)
    # Two-digit texts compare as the numbers they write.
    same_day = hour >= f"{-hours:02d}" if hours <= 0 else hour < f"{24 - hours:02d}"
    local_hour = func.substr(_text(_HOURS), cast(hour, Integer) * 2 + (2 * hours + 1), 2)
    offset = _text(_offset_text(hours * 3600))
    moved = func.substr(stored, 1, 10) + _text("T") + local_hour + func.substr(stored, 14, 10) + offset
    return case((same_day, moved), else_=otherwise)


def _pg_timestamp(value: ColumnElement, zone: ZoneWindow) -> ColumnElement:
    tz = zone.tz
    offset = func.extract("timezone", value)
    fast = func.to_char(value, _text(_PG_LOCAL + "TZH:TZM"))
    local = func.timezone(_text(tz.key), value)
    seconds = func.abs(cast(offset, Integer))
    exact = func.to_char(local, _text(_PG_LOCAL)) + case((offset < 0, _text("-")), else_=_text("+"))
    exact = exact + _two_digits(seconds // 3600) + _text(":") + _two_digits(seconds % 3600 // 60)
    exact = exact + case((seconds % 60 != 0, _text(":") + _two_digits(seconds % 60)), else_=_text(""))
    utc = func.to_char(func.timezone(_text("UTC"), value), _text(_PG_LOCAL)) + _text("+00:00")
    # TZH:TZM has no seconds: offsets off the minute (old local mean times) take the long way.
    whole_minutes = and_(value >= _CALENDAR[0], value < _CALENDAR[1], offset % 60 == 0)
    if zone.changes and all(shift % 60 == 0 for _, shift in zone.changes):
        # Inside the window every offset is whole minutes: two comparisons instead of extract().
        whole_minutes = or_(and_(value >= zone.changes[0][0], value < zone.end), whole_minutes)
    return case(
        (whole_minutes, fast),
        (or_(local < datetime(1, 1, 1), local > datetime(9999, 12, 31, 23, 59, 59, 999999)), utc),
        else_=exact,
    )


def _two_digits(n: ColumnElement) -> ColumnElement:
    return func.lpad(cast(n, Text), 2, _text("0"))


# --- numbers, flags, lists, JSON ------------------------------------------------------------


def integer(value: ColumnElement) -> ColumnElement:
    """SQL: an integer as cells.number writes it."""
    return cast(value, Text)


def tenths(value: ColumnElement, dialect: str) -> ColumnElement:
    """SQL: a float as cells.number(value, 1) writes it, str(round(value, 1)), below 10^14.

    Python rounds the exact binary value half to even. Away from a half tenth the database's own
    rounding agrees (SQLite's printf, PostgreSQL's numeric of the shortest text); within a unit
    in the last place of one (20x odd), _exact_tenths decides.
    """
    x = value
    if dialect == "sqlite":
        twenty = x * literal(20.0, Float)
        near_half = and_(twenty == cast(twenty, Integer), cast(twenty, Integer) % 2 != 0)
        return case(
            (x.is_(None), null()),
            (not_(func.abs(x) < _NUMBER_LIMIT), func.export_tenths(x)),
            (near_half, _exact_tenths(x, dialect)),
            else_=func.printf(_text("%.1f"), x),
        )
    text = cast(x, Text)  # float8out: the shortest text that reads back as x
    shortest = cast(text, Numeric)
    # 20 * shortest is an odd integer exactly when the shortest text has two decimals, the last a
    # 5 (its last digit is never 0; an exponent ends in a sign and two digits): a LIKE, not
    # three numeric operations.
    near_half = text.like("%._5")
    rounded = cast(func.round(shortest, 1), Text)
    # round() gives 0.0 for (-0.05, 0] where Python writes -0.0: told from x itself, so that the
    # rounding runs once. -0.05's own double (its shortest text `-0.05`) is a tie, decided above.
    negative_zero = or_(and_(x < 0, x > literal(-0.05, Float)), and_(x == 0, text == "-0"))
    signed = case((negative_zero, _text("-0.0")), else_=rounded)
    return case(
        (func.abs(x) < _NUMBER_LIMIT, case((near_half, _exact_tenths(x, dialect)), else_=signed)),
        (x == literal(math.inf, Float), _text("inf")),
        (x == literal(-math.inf, Float), _text("'-inf")),
        (x == literal(math.nan, Float), _text("nan")),
        # Stop the export (not a float) rather than write another text than cells.number would.
        else_=cast(cast(_text("no CSV text for the number ") + cast(x, Text), Float), Text),
    )


def _exact_tenths(x: ColumnElement, dialect: str) -> ColumnElement:
    """SQL: str(round(x, 1)) for |x| < 10^14, in double arithmetic: s = 10|x| is computed as
    8|x| + 2|x| (both exact), a TwoSum gives the exact error e of that sum, and s's fraction
    minus one half (exact below 2^52) says on which side of the half 10|x| lies; when s sits on
    the half, e decides; an exact tie goes to the even neighbour."""
    ax = func.abs(x)
    a, b = ax * literal(8.0, Float), ax * literal(2.0, Float)
    s = a + b
    if dialect == "sqlite":
        whole = whole_f = cast(s, Integer)  # truncates: the floor, s being >= 0
    else:
        whole_f = func.trunc(s)
        whole = cast(whole_f, BigInteger)
    d = s - whole_f - literal(0.5, Float)
    bp = s - a
    e = (a - (s - bp)) + (b - bp)
    up = case((or_(d > 0, and_(d == 0, or_(e > 0, and_(e == 0, whole % 2 == 1)))), 1), else_=0)
    k = whole + up
    negative = x < 0
    if dialect == "postgresql":
        negative = or_(negative, and_(x == 0, cast(x, Text) == "-0"))
    return (
        case((negative, _text("-")), else_=_text("")) + cast(k // 10, Text) + _text(".") + cast(k % 10, Text)
    )


def boolean(value: ColumnElement) -> ColumnElement:
    """SQL: cells.boolean (empty for NULL)."""
    return case((value, _text("true")), (not_(value), _text("false")))


def status(is_active: ColumnElement) -> ColumnElement:
    """SQL: `active` or `closed`."""
    return case((is_active, _text("active")), else_=_text("closed"))


def _stored_text(value: ColumnElement, dialect: str) -> ColumnElement:
    """A JSON column's stored text (as json.dumps wrote it)."""
    return type_coerce(value, Text) if dialect == "sqlite" else cast(value, Text)


def _holds(text: ColumnElement, part: str, dialect: str) -> ColumnElement:
    return (func.instr(text, part) if dialect == "sqlite" else func.strpos(text, part)) > 0


def topics(value: ColumnElement, dialect: str) -> ColumnElement:
    """SQL: the topics cell: a JSON array of strings joined with `; ` (empty for none), neutralised.

    json.dumps writes `["a", "b"]`; without a backslash no string holds a quote, so its `", "` are
    the separators. Anything else is parsed, by SQLite's cells functions or PostgreSQL's JSON.
    """
    stored, plain, fast, slow = _topics_parts(value, dialect)
    return case((plain, fast), (stored == "[]", null()), else_=slow)


def topics_field(value: ColumnElement, dialect: str) -> Field:
    """The topics cell and, for SQLite, as written in a CSV line: on the common path the joined
    topics hold no quote, CR or LF (in JSON those need a backslash), so only a comma is tested."""
    stored, plain, fast, slow = _topics_parts(value, dialect)
    cell = case((plain, fast), (stored == "[]", null()), else_=slow)
    if dialect != "sqlite":
        return Field(cell, cell)
    fast_written = case((holds_any(fast, (",",)), enclosed(fast, doubled=False)), else_=fast)
    written = case(
        (plain, fast_written),
        (stored == "[]", _text("")),
        else_=func.coalesce(quoted_if_needed(slow), _text("")),
    )
    return Field(cell, written)


def _topics_parts(value: ColumnElement, dialect: str) -> tuple[ColumnElement, ...]:
    """(stored text, common shape, its cell, any other shape's cell) of a topics cell."""
    stored = _stored_text(value, dialect)
    plain = and_(
        stored.like('["%"]'),
        not_(_holds(stored, "\\", dialect)),
        not_(_holds(stored, '","', dialect)),
        _safe_start(func.substr(stored, 3, 1), dialect),  # the first topic's first letter
    )
    fast = func.replace(func.substr(stored, 3, func.length(stored) - 4), '", "', "; ")
    if dialect == "sqlite":
        slow = func.export_topics(stored)
    else:
        items = (
            func.json_array_elements_text(value).table_valued("value", with_ordinality="n").render_derived()
        )
        joined = select(func.string_agg(items.c.value, aggregate_order_by(_text("; "), items.c.n)))
        slow = neutralised(case((func.json_typeof(value) == "array", joined.scalar_subquery())), dialect)
    return stored, plain, fast, slow


_JSON_STRING = r'"(?:[^"\\]|\\.)*"'
_JSON_SPACE = "[ \t\n\r]+"


def json_cell(value: ColumnElement, dialect: str) -> ColumnElement:
    """SQL: a JSON cell as cells.json_text writes it (compact, non-ASCII as itself, empty for
    null), neutralised.

    json.dumps stored it with `, ` and `: ` separators and \\u escapes for non-ASCII. Without a
    backslash no string holds a quote, so white space outside `"..."` is what goes.
    """
    stored = _stored_text(value, dialect)
    if dialect == "sqlite":
        plain = _sqlite_plain_json(stored)
        return case((plain, func.nullif(func.json(stored), "null")), else_=func.export_json(stored))
    plain = and_(not_(_holds(stored, "\\", dialect)), _safe_start(stored, dialect))
    # json_strip_nulls writes the value again compact, in order, strings escaped as
    # json.dumps(ensure_ascii=False) escapes them, numbers as stored: cells.json_text's text,
    # parsed in C (a regular expression costs about ten times more). It drops null members:
    # only for text without `null`.
    compact = and_(not_(_holds(stored, "null", dialect)), _safe_start(stored, dialect))
    stripped = cast(func.json_strip_nulls(value), Text)
    fast = func.regexp_replace(stored, '("[^"]*")|' + _JSON_SPACE, r"\1", "g")
    # Otherwise strings are taken whole (escapes included) and, when they hold \u escapes,
    # decoded and written again by PostgreSQL, which escapes as json.dumps(ensure_ascii=False):
    # quote, backslash and control characters.
    squeezed = func.regexp_replace(stored, f"({_JSON_STRING})|{_JSON_SPACE}", r"\1", "g")
    tokens = (
        func.regexp_matches(stored, f'{_JSON_STRING}|[^"]+', "g")
        .table_valued(column("m", ARRAY(Text)), with_ordinality="n")
        .render_derived()
    )
    token = tokens.c.m[1]
    decoded = func.json_build_array(cast(token, JSON_PG)).op("->>")(0)
    rewritten = case(
        (token.startswith('"'), cast(func.to_json(decoded), Text)),
        else_=func.regexp_replace(token, _JSON_SPACE, "", "g"),
    )
    decoded_all = select(
        func.string_agg(rewritten, aggregate_order_by(_text(""), tokens.c.n))
    ).scalar_subquery()
    slow = neutralised(case((not_(_holds(stored, "\\u", dialect)), squeezed), else_=decoded_all), dialect)
    return case((stored == "null", null()), (compact, stripped), (plain, fast), else_=slow)


def _sqlite_plain_json(stored: ColumnElement) -> ColumnElement:
    """SQLite: JSON text that json() writes as cells.json_text does. json() drops the white space;
    a JSON number may be kept as a number (the column's affinity is NUMERIC), and escapes or a
    leading minus go to exports.cells."""
    return and_(
        func.typeof(stored) == "text", not_(_holds(stored, "\\u", "sqlite")), _safe_start(stored, "sqlite")
    )


def json_field(value: ColumnElement, dialect: str) -> Field:
    """The JSON cell and, for SQLite, as written in a CSV line, json() run once on the common
    path: its text keeps the stored strings and commas and holds no raw CR or LF (json() refuses
    them in strings), so the stored text says whether it needs quotes."""
    cell = json_cell(value, dialect)
    if dialect != "sqlite":
        return Field(cell, cell)
    stored = _stored_text(value, dialect)
    compact = func.json(stored)
    written = case(
        (stored == "null", _text("")),  # half the messages: no metadata
        (
            _sqlite_plain_json(stored),
            case(
                (holds_any(stored, ('"', ",")), enclosed(compact)),
                else_=func.coalesce(func.nullif(compact, "null"), _text("")),
            ),
        ),
        else_=func.coalesce(quoted_if_needed(func.export_json(stored)), _text("")),
    )
    return Field(cell, written)


def duration(created: ColumnElement, closed: ColumnElement, dialect: str) -> ColumnElement:
    """SQL: seconds from `created` to `closed` as cells.number(seconds, 1) writes them."""
    if dialect == "sqlite":
        return _sqlite_duration_sql(type_coerce(created, String), type_coerce(closed, String))
    return tenths(cast(func.extract("epoch", closed - created), Float), dialect)


def _sqlite_duration_sql(start: ColumnElement, end: ColumnElement) -> ColumnElement:
    """SQL: str(round(timedelta.total_seconds(), 1)) of the stored UTC texts, in SQLite.

    total_seconds() is the microseconds divided by 10^6, correctly rounded: below 2^53 the same
    double as `micros / 1000000.0`. Unless the microseconds end in exactly 50000 (a tie in
    decimal), that double is at least 10^-6 from a half tenth while its error is below 10^-7 for
    durations under 31 years (the year numbers less than 30 apart), so printf's rounding agrees
    with round()'s. The rest (ties, longer spans, other shapes) goes to exports.cells.
    """
    fraction_start = cast(func.substr(start, 21, 6), Integer)
    fraction_end = cast(func.substr(end, 21, 6), Integer)
    # micros % 100000 is (fraction_end - fraction_start) % 100000: 10^6 is a multiple of 10^5.
    tie = func.abs(fraction_end - fraction_start) % 100000 == 50000
    years = func.abs(cast(func.substr(end, 1, 4), Integer) - cast(func.substr(start, 1, 4), Integer))
    seconds = func.unixepoch(func.substr(end, 1, 19)) - func.unixepoch(func.substr(start, 1, 19))
    micros = seconds * 1000000 + (fraction_end - fraction_start)
    fast = and_(func.length(start) == 26, func.length(end) == 26, years < 30, not_(tie))
    return case(
        (end.is_(None), null()),
        (fast, func.printf(_text("%.1f"), micros / literal(1000000.0, Float))),
        else_=func.export_duration(start, end),
    )


# --- the rare rest on SQLite, by exports.cells itself -----------------------------------------

_SQLITE = sqlite_dialect.dialect()
_read_stamp = UTCDateTime().dialect_impl(_SQLITE).result_processor(_SQLITE, None)


@functools.cache
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def _sqlite_timestamp(stored: str | None, key: str) -> str | None:
    return None if stored is None else cells.timestamp(_read_stamp(stored), _zone(key))


def _sqlite_tenths(value: float | None) -> str | None:
    return None if value is None else cells.neutralise(cells.number(value, 1))


def _sqlite_duration(created: str | None, closed: str | None) -> str | None:
    if created is None or closed is None:
        return None
    return cells.number((_read_stamp(closed) - _read_stamp(created)).total_seconds(), 1)


def _sqlite_json(stored: str | float | None) -> str | None:
    if stored is None:
        return None
    return (
        cells.neutralise(cells.json_text(json.loads(stored) if isinstance(stored, str) else stored)) or None
    )


def _sqlite_topics(stored: str | None) -> str | None:
    return None if stored is None else cells.neutralise("; ".join(json.loads(stored) or [])) or None


SQLITE_FUNCTIONS = {
    "export_neutralise": (1, lambda v: v if v is None else cells.neutralise(v)),
    "export_timestamp": (2, _sqlite_timestamp),
    "export_tenths": (1, _sqlite_tenths),
    "export_duration": (2, _sqlite_duration),
    "export_json": (1, _sqlite_json),
    "export_topics": (1, _sqlite_topics),
}


def register_sqlite_functions(dbapi_connection) -> None:
    """Give a sqlite3 connection the export_* functions the SQLite expressions above call."""
    for name, (arity, function) in SQLITE_FUNCTIONS.items():
        dbapi_connection.create_function(name, arity, function, deterministic=True)
