"""How a figure moved against the previous period: the one calculation cards, report and alerts use."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.catalogue import Metric


@dataclass(frozen=True)
class Change:
    """`now - before`; `percent` of `before` (None for rates, whose change is `delta` points, and
    when `before` is 0); `tone` is "good", "bad" or "" (flat or no direction is better)."""

    delta: float
    percent: float | None
    rate: bool
    tone: str

    @property
    def shown(self) -> float | None:
        """The figure people read: points for rates, else percent (None when it has no base)."""
        return self.delta if self.rate else self.percent

    @property
    def flat(self) -> bool:
        """True when the change rounds to 0.0 as shown."""
        shown = self.shown
        return round(abs(shown), 1) == 0 if shown is not None else self.delta == 0


def change(
    now: float | None, before: float | None, *, rate: bool = False, higher_is_better: bool | None = None
) -> Change | None:
    """The change from `before` to `now`, or None when either is missing."""
    if now is None or before is None:
        return None
    delta = now - before
    percent = None if rate or before == 0 else delta / abs(before) * 100
    moved = Change(delta, percent, rate, "")
    if higher_is_better is None or moved.flat:
        return moved
    return Change(delta, percent, rate, "good" if (delta > 0) == higher_is_better else "bad")


def metric_change(metric: Metric, now: float | None, before: float | None) -> Change | None:
    """The change of a catalogue metric, in its units and with its direction."""
    return change(now, before, rate=metric.rate, higher_is_better=metric.higher_is_better)
