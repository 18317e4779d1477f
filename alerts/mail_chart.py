"""The small chart in an alert email: the metric over the last windows as bars built from table
cells (every mail client draws those: no image, no script, nothing fetched), the threshold or the
usual band as 1-pixel lines across them, and a text sparkline for the plain-text part."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

HEIGHT = 60  # pixels of the tallest bar
BAR_WIDTH = 8
BAR = "#2563eb"
BREACH = "#dc2626"
LINE = "#111827"
SPARKS = "▁▂▃▄▅▆▇█"


def _scale(values: Sequence[float | None], lines: Sequence[float]) -> float:
    top = max([v for v in values if v is not None] + list(lines) + [0.0])
    return HEIGHT / top if top > 0 else 0.0


def _column(height: int, marks: list[int], color: str, title: str) -> str:
    """One bar as a one-column table: cells from the top, blank above the bar, coloured within it,
    with a 1-pixel dark cell at each line's height."""
    edges = sorted({0, height, HEIGHT, *marks}, reverse=True)
    cells = []
    for upper, lower in zip(edges, edges[1:], strict=False):
        if upper in marks:
            cells.append(LINE)
            upper -= 1
        if upper > lower:
            cells.append((color if upper <= height else "", upper - lower))
    if 0 in marks:
        cells.append(LINE)
    rows = "".join(
        f"<tr><td height='1' bgcolor='{LINE}' style='height:1px;background:{LINE};font-size:0;line-height:0'></td></tr>"
        if cell == LINE
        else f"<tr><td height='{cell[1]}' width='{BAR_WIDTH}'"
        + (f" bgcolor='{cell[0]}' style='background:{cell[0]};" if cell[0] else " style='")
        + f"height:{cell[1]}px;width:{BAR_WIDTH}px;font-size:0;line-height:0'></td></tr>"
        for cell in cells
    )
    return (
        f"<td valign='bottom' class='bar' title='{html.escape(title, quote=True)}'>"
        f"<table cellpadding='0' cellspacing='0' border='0' width='{BAR_WIDTH}'>{rows}</table></td>"
    )


def html_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    lines: Sequence[float],
    breached: Callable[[float], bool],
    shown: Callable[[float | None], str],
    caption: str,
) -> str:
    """A bar per value (none drawn for a window without a figure), red where `breached`, each titled
    with its label and value, the `lines` across them, and `caption` below (the text alternative)."""
    scale = _scale(values, lines)
    marks = [min(round(line * scale), HEIGHT) for line in lines]
    columns = "".join(
        _column(
            0 if value is None else max(round(value * scale), 1),
            marks,
            BREACH if value is not None and breached(value) else BAR,
            f"{label}: {shown(value)}",
        )
        for label, value in zip(labels, values, strict=True)
    )
    return (
        f"<table role='img' aria-label='{html.escape(caption, quote=True)}' cellpadding='0' cellspacing='1' "
        f"border='0'><tr>{columns}</tr></table>"
        f"<p style='font-size:12px;color:#4b5563;margin:4px 0 0'>{html.escape(caption)}</p>"
    )


def sparkline(values: Sequence[float | None]) -> str:
    """`▁▂▅█ ▃`: one block per value scaled from 0 to the largest, a space where there is none."""
    scale = _scale(values, ())
    return "".join(
        " " if v is None else SPARKS[min(int(v * scale / HEIGHT * len(SPARKS)), len(SPARKS) - 1)]
        for v in values
    )
