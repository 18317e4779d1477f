"""Turning stored values into CSV cells that are safe to open in a spreadsheet.

OWASP's advice for CSV injection: a text cell whose first character (after leading white space)
would make a spreadsheet evaluate it gets a leading single quote. Plain numbers stay numbers.
"""

from __future__ import annotations

import json
import re
import string
from datetime import datetime
from zoneinfo import ZoneInfo

from data.localtime import in_zone

FORMULA_STARTS = ("=", "+", "-", "@", "|", "%")
CONTROL_STARTS = ("\t", "\r", "\0")
_SAFE_FIRST = frozenset(string.ascii_letters + string.digits)
_PLAIN_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")


def neutralise(text: str) -> str:
    """`text`, prefixed with a single quote when a spreadsheet would run it as a formula."""
    if not text or text[0] in _SAFE_FIRST:
        # Most cells (ids, names, numbers, dates, prose) start with a letter or digit: no formula.
        return text
    if text.startswith(CONTROL_STARTS):
        return "'" + text
    if text.lstrip().startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def timestamp(value: datetime | None, tz: ZoneInfo) -> str:
    """ISO 8601 with the display zone's offset (UTC's at the calendar's ends), to the millisecond;
    empty for None."""
    return "" if value is None else in_zone(value, tz).isoformat(timespec="milliseconds")


def number(value: float | int | None, digits: int | None = None) -> str:
    """A number as text (rounded to `digits` when given); empty for None."""
    if value is None:
        return ""
    return str(round(value, digits)) if digits is not None else str(value)


def boolean(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def json_text(value) -> str:
    """Compact JSON for structured cells (metadata, actions); empty for None."""
    return "" if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
