"""A chart's data as a small table: the text alternative behind each chart's disclosure."""

from __future__ import annotations

import re
import string

from dash import dcc, html

MAX_ROWS = 200
# Every ASCII punctuation character may be backslash-escaped in Markdown: escaping them all keeps a
# topic name like "*urgent* | billing" literal text (no emphasis, no extra column, no link).
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")


def _cell(text: str) -> str:
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split())) or " "


def data_table(header: list[str], rows: list[list[str]]) -> html.Div | html.P:
    """A compact, scrollable table of already formatted cells, right-aligned after the first column.

    Written as one Markdown component rather than a tree of html components: a 200-row table as
    Dash components cost the browser about as much as all seven charts on a period change.
    """
    if not rows:
        return html.P("No data in this period.", className="small text-muted mb-0")
    lines = [
        "| " + " | ".join(_cell(h) for h in header) + " |",
        "|" + "|".join([":--", *(["--:"] * (len(header) - 1))]) + "|",
        *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows[:MAX_ROWS]),
    ]
    # Focusable, so that keyboard users can scroll a long table.
    return html.Div(dcc.Markdown("\n".join(lines)), className="chart-data small", tabIndex=0)
