"""Charts that do not mislead: partial buckets flagged, one x range, no upload button, no useless
ring, an hour chart for one-day periods, the filtered topic picked out. Expected values by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

import metrics
from charts import figures, theme
from data.periods import custom_range, preset_period
from layouts.charts import GRAPH_CONFIG
from metrics import TopicCount
from tests.builders import Msg, Spec, build, sid

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 25, 21, 15, tzinfo=UTC)  # 16:15 in New York


def test_a_rolling_week_has_eight_local_days_the_first_and_last_partial(engine):
    build(engine, [Spec(sid(1), "client", NOW - timedelta(hours=3), [Msg("user", 0)])])
    period = preset_period("7d", NEW_YORK, NOW)
    with engine.connect() as conn:
        frame = metrics.activity_over_time(conn, period)
    # 18 Nov 16:15 to 25 Nov 16:15 local: the days 18..25 Nov, only the ends cut.
    assert [at.day for at in frame["at"]] == list(range(18, 26))
    assert frame["partial"].tolist() == [True] + [False] * 6 + [True]
    assert frame["sessions"].sum() == 1


def test_whole_days_are_never_partial(engine):
    period = custom_range(datetime(2026, 11, 1).date(), datetime(2026, 11, 7).date(), NEW_YORK)
    with engine.connect() as conn:
        frame = metrics.activity_over_time(conn, period)
    assert len(frame) == 7 and not frame["partial"].any()  # 1 Nov is a 25-hour DST day


def test_partial_buckets_are_hatched_and_say_so_on_hover():
    at = pd.Series(pd.date_range("2026-11-18", periods=3, freq="D", tz=NEW_YORK))
    frame = pd.DataFrame(
        {"at": at, "sessions": [3, 30, 4], "messages": [9, 90, 12], "partial": [True, False, True]}
    )
    fig = figures.activity(frame, hourly=False)
    bars = fig.data[0]
    assert list(bars.marker.pattern.shape) == ["/", "", "/"]
    # Stripes over the bar's own colour: with plotly's default fill mode a hatched bar has a
    # transparent ground and white stripes, invisible on the white page (seen in a screenshot).
    assert bars.marker.pattern.fillmode == "overlay"
    assert "partial" in bars.customdata[0] and bars.customdata[1] == ""
    # The axis runs from half a day before the first bucket to half a day after the last: not beyond.
    x0, x1 = fig.layout.xaxis.range
    assert pd.Timestamp(x0) == pd.Timestamp("2026-11-17 12:00") and pd.Timestamp(x1) == pd.Timestamp(
        "2026-11-20 12:00"
    )


def test_no_chart_offers_to_send_its_data_elsewhere():
    assert GRAPH_CONFIG["modeBarButtons"] == [["toImage"]]
    assert GRAPH_CONFIG["showSendToCloud"] is False and GRAPH_CONFIG["showEditInChartStudio"] is False
    assert GRAPH_CONFIG["displaylogo"] is False


def test_one_user_type_gets_a_note_not_a_full_ring():
    fig = figures.user_types({"client": 12, "provider": 0, "anonymous": 0}, only="client")
    assert not fig.data
    assert "12 client sessions" in fig.layout.annotations[0].text


def test_the_filtered_topic_stands_out():
    topics = [TopicCount("billing", 5), TopicCount("booking", 3)]
    bar = figures.topic_bars(topics, theme.TOPICS, "sessions", "none", selected=("billing",)).data[0]
    # Bars are drawn bottom-up: booking first, billing on top.
    assert list(bar.marker.opacity) == [0.4, 1] and list(bar.marker.line.width) == [0, 2]


def test_graphics_meet_three_to_one_contrast_on_white():
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in (theme.SESSIONS, theme.MESSAGES, theme.P50, theme.P95, *theme.USER_TYPES.values()):
        assert (1.05) / (luminance(colour) + 0.05) >= 3, colour
