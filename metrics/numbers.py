"""Numbers for people and for JSON: one rounding rule and one way to write a value or a change."""

from __future__ import annotations

from metrics.catalogue import Metric
from metrics.change import Change

NA = "n/a"
JSON_DIGITS = 2


def rounded(value: float | None, digits: int = JSON_DIGITS) -> float | None:
    """A figure rounded for JSON (None stays None)."""
    return None if value is None else round(value, digits)


def number(value: float | None, decimals: int = 0, unit: str = "", missing: str = NA) -> str:
    """`1,234`, `3.71 / 5`, `70.1%`: thousands separators, fixed decimals, the unit after."""
    if value is None:
        return missing
    text = f"{value:,.{decimals}f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def metric_value(metric: Metric, value: float | None, missing: str = NA) -> str:
    """A catalogue metric's value as people read it."""
    return number(value, metric.decimals, metric.unit, missing)


def change_text(moved: Change | None, *, signed: bool = True, missing: str = NA) -> str:
    """`+3.2%` or `-1.5 pp` (`3.2%` when unsigned, for text beside an arrow)."""
    if moved is None or moved.shown is None:
        return missing
    size = moved.shown if signed else abs(moved.shown)
    text = f"{size:+.1f}" if signed else f"{size:.1f}"
    return f"{text} pp" if moved.rate else f"{text}%"


def arrow(moved: Change) -> str:
    """▲, ▼ or → for a change as shown."""
    if moved.flat:
        return "→"
    return "▲" if moved.delta > 0 else "▼"
