"""bench.forecast's arithmetic: MAPE by hand, and the weekly evaluation on a series known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from bench.forecast import evaluate, mape


def test_mape_is_the_mean_relative_error_over_days_with_activity():
    # |100-110|/100 = 10%, |200-180|/200 = 10%, the zero day skipped, |50-75|/50 = 50%
    assert mape(np.array([100.0, 200.0, 0.0, 50.0]), np.array([110.0, 180.0, 7.0, 75.0])) == pytest.approx(
        70 / 3
    )


def test_a_perfectly_weekly_series_is_forecast_exactly_by_both():
    week = [40.0, 55.0, 60.0, 58.0, 50.0, 20.0, 12.0]
    ours, naive, _ = evaluate(np.array(week * 9), weeks=4)
    assert naive == 0.0
    assert ours == pytest.approx(0.0, abs=1.0)


def test_a_growing_weekly_series_favours_the_forecast():
    # +1 a day on a weekly shape: the naive forecast is always 7 short; the trend term follows.
    week = [40.0, 55.0, 60.0, 58.0, 50.0, 20.0, 12.0]
    series = np.array([week[d % 7] + d for d in range(63)])
    ours, naive, _ = evaluate(series, weeks=4)
    assert ours < naive
