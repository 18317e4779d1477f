"""Segment membership of a fixture spec, worked out by hand."""

from __future__ import annotations

from collections.abc import Callable

from tests.builders import Spec


def closed_lasting(low: float, high: float | None) -> Callable[[Spec], bool]:
    """A closed session that lasted at least `low` and under `high` seconds (None: no upper bound)."""
    return lambda s: s.closed and s.closed_after_s >= low and (high is None or s.closed_after_s < high)
