"""Figure builders: the right traces from given data, and a message instead of empty axes."""

from __future__ import annotations

from datetime import UTC

import pandas as pd

from charts import figures, theme
from metrics import Satisfaction, TopicCount


def annotation(fig) -> str | None:
    notes = fig.layout.annotations
    return notes[0].text if notes else None


def test_activity_has_session_bars_and_message_line_on_two_axes():
    at = pd.date_range("2026-11-01", periods=3, freq="D", tz=UTC)
    fig = figures.activity(
        pd.DataFrame({"at": at, "sessions": [3, 0, 5], "messages": [30, 0, 41]}), hourly=False
    )
    bars, line = fig.data
    assert (bars.type, list(bars.y), bars.name) == ("bar", [3, 0, 5], "Sessions")
    assert (line.type, list(line.y), line.yaxis) == ("scatter", [30, 0, 41], "y2")
    assert annotation(fig) is None


def test_empty_period_shows_a_message_not_axes():
    at = pd.date_range("2026-11-01", periods=2, freq="D", tz=UTC)
    empty = figures.activity(pd.DataFrame({"at": at, "sessions": [0, 0], "messages": [0, 0]}), hourly=False)
    assert annotation(empty) == "No sessions in this period"
    assert empty.layout.xaxis.visible is False and not empty.data
    assert (
        annotation(figures.user_types({"client": 0, "provider": 0, "anonymous": 0}))
        == "No sessions in this period"
    )
    assert "No rated sessions" in annotation(
        figures.satisfaction(Satisfaction(None, 0, dict.fromkeys(range(1, 6), 0)))
    )
    assert annotation(figures.topic_bars([], theme.TOPICS, "sessions", "Nothing here")) == "Nothing here"
    assert annotation(figures.peak_heatmap(pd.DataFrame(0, index=range(7), columns=range(24)), "UTC"))


def test_topic_bars_put_the_most_frequent_on_top_and_carry_the_topic():
    fig = figures.topic_bars(
        [TopicCount("billing", 9), TopicCount("booking", 4)], theme.TOPICS, "sessions", ""
    )
    (bar,) = fig.data
    assert bar.orientation == "h"
    assert list(bar.y) == ["booking", "billing"]  # plotly draws the last category on top
    assert list(bar.customdata) == ["booking", "billing"]
    assert fig.layout.xaxis.dtick is None  # 9: automatic ticks


def test_response_times_draw_median_and_p95_with_gaps():
    at = pd.date_range("2026-11-01", periods=3, freq="D", tz=UTC)
    frame = pd.DataFrame(
        {
            "at": at,
            "count": [4, 0, 2],
            "average": [500, None, 300],
            "p50": [400, None, 250],
            "p95": [900, None, 380],
        }
    )
    fig = figures.response_times(frame, hourly=False)
    names = [t.name for t in fig.data]
    assert names == ["p95", "median"]
    assert list(fig.data[1].y)[0] == 400 and pd.isna(list(fig.data[1].y)[1])


def test_satisfaction_bars_one_per_rating_in_rating_colours():
    fig = figures.satisfaction(Satisfaction(4.0, 10, {1: 1, 2: 0, 3: 1, 4: 3, 5: 5}))
    (bar,) = fig.data
    assert list(bar.y) == [1, 0, 1, 3, 5]
    assert list(bar.marker.color) == [theme.RATINGS[r] for r in range(1, 6)]
    assert fig.layout.yaxis.dtick == 1  # small counts: whole-number ticks


def test_heatmap_rows_are_weekdays_monday_first():
    matrix = pd.DataFrame(0, index=range(7), columns=range(24))
    matrix.loc[0, 10] = 7
    (heat,) = figures.peak_heatmap(matrix, "Europe/Paris").data
    assert list(heat.y) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert heat.z[0][10] == 7 and "Europe/Paris" in heat.hovertemplate


def test_every_chart_the_dashboard_receives_is_drawn_on_the_white_house_template():
    at = pd.date_range("2026-11-01", periods=2, freq="D", tz=UTC)
    drawn = [
        figures.activity(pd.DataFrame({"at": at, "sessions": [1, 2], "messages": [3, 4]}), hourly=False),
        figures.user_types({"client": 3, "provider": 1, "anonymous": 0}),
        theme.empty_figure("Nothing here"),
    ]
    for fig in drawn:
        layout = theme.plain(fig)["layout"]
        assert layout["template"]["layout"]["plot_bgcolor"] == "white"
        assert layout["font"]["family"] == theme.FONT
