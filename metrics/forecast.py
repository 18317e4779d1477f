"""Expected activity: the next days' sessions and messages with an 80% band.

Exponential smoothing with weekly seasonality: statsmodels ETS(A,Ad,M) (additive errors, a level
with a damped additive trend, day-of-week factors; day-of-week offsets, ETS(A,Ad,A), when a day
had no activity at all; initial states by the heuristic, so a fit takes tens of milliseconds),
fitted on the whole local days of the daily series
`metrics.series.activity_over_time` computes. Under three weeks of whole days there is no
forecast. The band is the 10th to 90th percentile of simulated futures, so that a week's total
gets a band as honest as each day's. `python -m bench.forecast` measures its error.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import Connection

# Imported with the app rather than on the first 30-day view: the import alone takes about a second.
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from data.periods import Period
from metrics.localtime import local_days
from metrics.series import activity_over_time
from metrics.spans import Selecting

SEASON_DAYS = 7
MIN_HISTORY_DAYS = 3 * SEASON_DAYS
HORIZON_DAYS = 7
LEVEL = 80  # % of simulated futures inside the band
HISTORY_WEEKS = 8  # how far back the weekly report's "next week" looks
FORECAST_PRESETS = ("30d", "90d")  # the dashboard periods whose activity chart continues
SERIES = ("sessions", "messages")
_SIMULATIONS = 1000
_SEED = 16  # simulated futures are drawn from a fixed seed: the same history gives the same band


@dataclass(frozen=True)
class Outlook:
    """One count's forecast over the horizon: per day (expected, low, high), and their total."""

    expected: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    total: float
    total_low: float
    total_high: float


def whole_days(activity: pd.DataFrame) -> pd.DataFrame:
    """The daily frame without the partial days at either end (a rolling period's first and last)."""
    partial = activity["partial"] if "partial" in activity else pd.Series(False, index=activity.index)
    whole = activity[~partial.to_numpy()]
    return whole.reset_index(drop=True)


def outlook(history: np.ndarray | list[float], steps: int = HORIZON_DAYS, skip: int = 0) -> Outlook | None:
    """The `steps` days of a daily count that follow the `skip` days after its history (at least
    MIN_HISTORY_DAYS consecutive days, oldest first); None for a shorter history. Never negative."""
    y = np.asarray(history, dtype=float)
    if len(y) < MIN_HISTORY_DAYS or steps < 1 or skip < 0:
        return None
    return _fitted(tuple(float(v) for v in y), steps, skip)


# The same whole days give the same forecast (the simulations are seeded), and whole days change
# only at midnight or with a late event: each refresh of a 30- or 90-day view would refit the same
# history (about 50 ms a series). Keyed on the history itself, so a changed day is a new fit.
@lru_cache(maxsize=64)
def _fitted(history: tuple[float, ...], steps: int, skip: int) -> Outlook:
    y = np.asarray(history, dtype=float)
    if np.ptp(y) == 0:  # a flat series: nothing to estimate, and the likelihood would be degenerate
        flat = (float(y[0]),) * steps
        return Outlook(flat, flat, flat, float(y[0]) * steps, float(y[0]) * steps, float(y[0]) * steps)
    model = ETSModel(
        y,
        error="add",
        trend="add",
        damped_trend=True,
        # Day-of-week factors (busy weekdays grow with the level); a day with nothing rules
        # factors out, so such a series gets day-of-week offsets instead.
        seasonal="mul" if (y > 0).all() else "add",
        seasonal_periods=SEASON_DAYS,
        initialization_method="heuristic",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes on short or perfectly regular series
        fit = model.fit(disp=False)
        expected = np.asarray(fit.forecast(skip + steps), dtype=float)[skip:]
        paths = np.asarray(
            fit.simulate(
                skip + steps, anchor="end", repetitions=_SIMULATIONS, rng=np.random.default_rng(_SEED)
            ),
            dtype=float,
        ).reshape(skip + steps, _SIMULATIONS)[skip:]
    paths = np.clip(paths, 0, None)
    tail = (100 - LEVEL) / 2
    low, high = np.percentile(paths, [tail, 100 - tail], axis=1)
    totals = paths.sum(axis=0)
    expected = np.clip(expected, 0, None)
    return Outlook(
        tuple(float(v) for v in expected),
        tuple(float(min(v, e)) for v, e in zip(low, expected, strict=True)),
        tuple(float(max(v, e)) for v, e in zip(high, expected, strict=True)),
        float(expected.sum()),
        float(min(np.percentile(totals, tail), expected.sum())),
        float(max(np.percentile(totals, 100 - tail), expected.sum())),
    )


def _fitted_span(activity: pd.DataFrame, period: Period) -> tuple[pd.DataFrame, int, date] | None:
    """(whole days to fit on, days shown after the last whole one, the first day to forecast) of a
    daily activity frame; None for hourly frames and under MIN_HISTORY_DAYS whole days counted
    from the first day with any activity (quiet days before it are no history)."""
    if period.hourly or activity.empty:
        return None
    whole = whole_days(activity)
    active = (whole["sessions"] > 0) | (whole["messages"] > 0)
    whole = whole[active.cummax()].reset_index(drop=True)
    if len(whole) < MIN_HISTORY_DAYS:
        return None
    last_whole, last_shown = whole["at"].iloc[-1], activity["at"].iloc[-1]
    skip = len(local_days(last_whole, last_shown, period)) - 1
    return whole, skip, last_shown.date() + timedelta(days=1)  # calendar days: DST-proof


def activity_forecast(
    activity: pd.DataFrame, period: Period, days: int = HORIZON_DAYS
) -> pd.DataFrame | None:
    """The `days` local days after the last row of a daily `activity_over_time` frame: `at` (local
    midnight), and for sessions and messages the expected count and its band (`sessions_low`,
    `sessions_high`, ...). Fitted on whole days only; None with fewer than MIN_HISTORY_DAYS of them
    or for an hourly frame."""
    span = _fitted_span(activity, period)
    if span is None:
        return None
    whole, skip, first = span
    last = first + timedelta(days=days - 1)
    out = pd.DataFrame({"at": local_days(pd.Timestamp(first), pd.Timestamp(last), period)})
    for name in SERIES:
        result = outlook(whole[name].to_numpy(), days, skip)
        if result is None:
            return None
        out[name] = result.expected
        out[f"{name}_low"] = result.low
        out[f"{name}_high"] = result.high
    return out


def next_week(conn: Connection, period: Period, segment: Selecting = None) -> dict | None:
    """The HORIZON_DAYS local days after `period`: first and last day, and for sessions and messages
    the expected total with its 80% range (JSON-ready whole counts), from the HISTORY_WEEKS weeks
    up to the period's end; None with under three weeks of whole days."""
    history = Period(period.end - timedelta(weeks=HISTORY_WEEKS), period.end, period.tz)
    span = _fitted_span(activity_over_time(conn, history, segment), history)
    if span is None:
        return None
    whole, skip, first = span
    out: dict = {
        "start": first.isoformat(),
        "end": (first + timedelta(days=HORIZON_DAYS - 1)).isoformat(),
        "days": HORIZON_DAYS,
        "level": LEVEL,
    }
    for name in SERIES:
        result = outlook(whole[name].to_numpy(), HORIZON_DAYS, skip)
        if result is None:
            return None
        out[name] = {
            "expected": round(result.total),
            "low": round(result.total_low),
            "high": round(result.total_high),
        }
    return out
