"""A topic's daily volume as a small inline SVG line, and the sentence that stands for it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

WIDTH = 120
HEIGHT = 28
PAD = 2


def points(values: Sequence[int], width: int = WIDTH, height: int = HEIGHT) -> str:
    """SVG polyline points for `values` left to right, 0 at the bottom, the highest at the top."""
    if not values:
        return ""
    top = max(values) or 1
    step = (width - 2 * PAD) / max(len(values) - 1, 1)
    return " ".join(
        f"{PAD + i * step:.1f},{height - PAD - (v / top) * (height - 2 * PAD):.1f}"
        for i, v in enumerate(values)
    )


def describe(values: Sequence[int], starts: Sequence[datetime], hourly: bool) -> str:
    """`Sessions per day, 13 Nov to 20 Nov: highest 5 on 17 Nov, lowest 0, last 2.`"""
    if not values:
        return "No days in the period."
    unit, fmt = ("hour", "%d %b %H:%M") if hourly else ("day", "%d %b")
    peak = max(range(len(values)), key=lambda i: (values[i], -i))
    return (
        f"Sessions per {unit}, {starts[0]:{fmt}} to {starts[-1]:{fmt}}: highest {values[peak]} on "
        f"{starts[peak]:{fmt}}, lowest {min(values)}, last {values[-1]}."
    )
