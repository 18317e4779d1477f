"""One function per dashboard chart; each takes data-layer results and returns a plotly Figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from alerts.anomalies import against_usual
from charts import theme
from metrics import Satisfaction, TopicCount
from metrics.forecast import LEVEL

NO_SESSIONS = "No sessions in this period"
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _count_axis(largest: int) -> dict:
    """A whole-number axis: unit steps for small counts, so no tick reads 0.5 or repeats."""
    return {"tickformat": ",.0f", **({"dtick": 1} if largest <= 6 else {})}


def _time_format(hourly: bool) -> tuple[str, str]:
    """(axis tick format, hover format) for hourly or daily buckets."""
    return ("%H:%M\n%d %b", "%a %d %b %H:%M") if hourly else ("%d %b", "%a %d %b %Y")


def time_range(frame: pd.DataFrame, hourly: bool, forecast: pd.DataFrame | None = None) -> list:
    """The x-axis range both time charts share: the first bucket to the last (the last forecast day
    when there is a forecast), half a bucket of margin either side (bars are centred on their
    bucket), never past the period otherwise."""
    if frame.empty:
        return []
    half = pd.Timedelta(minutes=30) if hourly else pd.Timedelta(hours=12)
    at = frame["at"].dt.tz_localize(None)
    last = at.iloc[-1] if forecast is None or forecast.empty else forecast["at"].dt.tz_localize(None).iloc[-1]
    return [at.iloc[0] - half, last + half]


def _has_activity(frame: pd.DataFrame | None) -> bool:
    return frame is not None and not frame.empty and bool(frame["sessions"].sum() or frame["messages"].sum())


def _comparison_trace(
    frame: pd.DataFrame, column: str, name: str, unit: str, hover: str, detail: str = "", **extra
) -> dict:
    """The compared segment's series: a dashed violet line, named in legend and hover."""
    return {
        "type": "scatter",
        "x": frame["at"].dt.tz_localize(None),
        "y": frame[column],
        "name": name,
        "mode": "lines+markers",
        "marker": {"size": 5, "color": theme.COMPARISON, "symbol": "diamond"},
        "line": {"color": theme.COMPARISON, "width": 2, "dash": "dash"},
        "hovertemplate": f"%{{x|{hover}}}<br>{name}: %{{y:,.0f}} {unit}{detail}<extra></extra>",
        **extra,
    }


def activity(
    frame: pd.DataFrame,
    hourly: bool,
    forecast: pd.DataFrame | None = None,
    comparison: pd.DataFrame | None = None,
    comparison_name: str = "",
) -> go.Figure:
    """Sessions (bars, left axis) and messages (line, right axis) per hour or day; buckets the
    period covers only in part are hatched and say so on hover. A `forecast`
    (metrics.forecast.activity_forecast) continues both, dashed, sessions with a shaded band.
    A `comparison` frame (another segment, same buckets) adds its sessions as a dashed violet line."""
    if not (_has_activity(frame) or _has_activity(comparison)):
        return theme.empty_figure(NO_SESSIONS)
    tick, hover = _time_format(hourly)
    at = frame["at"].dt.tz_localize(None)
    partial = frame["partial"] if "partial" in frame else pd.Series(False, index=frame.index)
    note = [" (partial: the period covers part of it)" if p else "" for p in partial]
    data = [
        {
            "type": "bar",
            "x": at,
            "y": frame["sessions"],
            "name": "Sessions",
            "marker": {
                "color": theme.SESSIONS,
                # "overlay": white stripes over the bar's colour; plotly's default ("replace") draws them
                # on a transparent ground, which left a partial bar and the legend swatch invisible.
                "pattern": {
                    "shape": ["/" if p else "" for p in partial],
                    "fillmode": "overlay",
                    "fgcolor": "#ffffff",
                    "solidity": 0.35,
                },
                "opacity": [0.55 if p else 1 for p in partial],
            },
            "customdata": note,
            "hovertemplate": f"%{{x|{hover}}}%{{customdata}}<br>%{{y:,}} sessions<extra></extra>",
        },
        {
            "type": "scatter",
            "x": at,
            "y": frame["messages"],
            "name": "Messages",
            "yaxis": "y2",
            "mode": "lines+markers",
            "marker": {
                "size": [7 if p else 0 for p in partial],
                "symbol": "circle-open",
                "color": theme.MESSAGES,
            },
            "line": {"color": theme.MESSAGES, "width": 2},
            "customdata": note,
            "hovertemplate": f"%{{x|{hover}}}%{{customdata}}<br>%{{y:,}} messages<extra></extra>",
        },
    ]
    if comparison is not None and not comparison.empty:
        data.append(
            _comparison_trace(comparison, "sessions", f"Sessions, {comparison_name}", "sessions", hover)
        )
    if forecast is not None and not forecast.empty:
        data += _forecast_traces(forecast, hover)
    layout = theme.base_layout(
        margin={"l": 48, "r": 56, "t": 24, "b": 40},
        xaxis={"tickformat": tick, "range": time_range(frame, hourly, forecast)},
        yaxis={
            "title": {"text": "Sessions"},
            "rangemode": "tozero",
            "tickformat": ",.0f",
            "tickmode": "auto",
            "nticks": 6,
        },
        yaxis2={
            "title": {"text": "Messages"},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            "tickformat": ",.0f",
            "tickmode": "auto",
            "nticks": 6,
        },
        bargap=0.15,
    )
    return theme.figure(data, layout)


def _forecast_traces(forecast: pd.DataFrame, hover: str) -> list[dict]:
    """The forecast traces: the sessions band (shaded), expected sessions and messages (dashed)."""
    at = forecast["at"].dt.tz_localize(None)
    band = {"type": "scatter", "x": at, "mode": "lines", "line": {"width": 0}, "hoverinfo": "skip"}
    traces = [
        {**band, "y": forecast["sessions_high"], "showlegend": False, "name": "Sessions forecast range"},
        {
            **band,
            "y": forecast["sessions_low"],
            "fill": "tonexty",
            "fillcolor": theme.FORECAST_BAND,
            "name": f"Sessions forecast, {LEVEL}% range",
        },
    ]
    for column, name, color, axis, unit in (
        ("sessions", "Sessions forecast", theme.SESSIONS, "y", "sessions"),
        ("messages", "Messages forecast", theme.MESSAGES, "y2", "messages"),
    ):
        traces.append(
            {
                "type": "scatter",
                "x": at,
                "y": forecast[column],
                "name": name,
                "yaxis": axis,
                "mode": "lines+markers",
                "marker": {"size": 5, "color": color},
                "line": {"color": color, "width": 2, "dash": "dash"},
                "customdata": forecast[[f"{column}_low", f"{column}_high"]].to_numpy(),
                "hovertemplate": (
                    f"%{{x|{hover}}} (forecast)<br>about %{{y:,.0f}} {unit} expected"
                    f"<br>{LEVEL}% range %{{customdata[0]:,.0f}}–%{{customdata[1]:,.0f}}<extra></extra>"
                ),
            }
        )
    return traces


def response_times(
    frame: pd.DataFrame,
    hourly: bool,
    x_range: list | None = None,
    comparison: pd.DataFrame | None = None,
    comparison_name: str = "",
) -> go.Figure:
    """p50 and p95 AI response time per hour or day (gaps where there were no answers). A
    `comparison` frame (another segment) adds its median as a dashed violet line."""
    answered = comparison is not None and not comparison.empty and bool(comparison["count"].sum())
    if (frame.empty or not frame["count"].sum()) and not answered:
        return theme.empty_figure("No assistant answers in this period")
    tick, hover = _time_format(hourly)
    at = frame["at"].dt.tz_localize(None)
    data = [
        {
            "type": "scatter",
            "x": at,
            "y": frame[column],
            "name": name,
            "mode": "lines+markers",
            "marker": {"size": 4},
            "line": {"color": color, "width": 2, **({"dash": dash} if dash else {})},
            "customdata": frame["count"],
            "hovertemplate": f"%{{x|{hover}}}<br>{name}: %{{y:,.0f}} ms<br>%{{customdata:,}} answers<extra></extra>",
        }
        for column, name, color, dash in (
            ("p95", "p95", theme.P95, "dot"),
            ("p50", "median", theme.P50, None),
        )
    ]
    if answered:
        name = f"median, {comparison_name}"
        answers = "<br>%{customdata:,} answers"
        data.append(
            _comparison_trace(comparison, "p50", name, "ms", hover, answers, customdata=comparison["count"])
        )
    layout = theme.base_layout(
        margin={"l": 56, "r": 16, "t": 24, "b": 40},
        xaxis={"tickformat": tick, **({"range": x_range} if x_range else {})},
        yaxis={"title": {"text": "ms"}, "rangemode": "tozero", "tickformat": ",.0f"},
    )
    return theme.figure(data, layout)


def topic_bars(
    topics: list[TopicCount], color: str, unit: str, empty: str, selected: tuple[str, ...] = ()
) -> go.Figure:
    """Horizontal bars, the most frequent topic on top; each bar's topic is its `customdata`; the
    topics the page is filtered to stand out, the others are lighter."""
    if not topics:
        return theme.empty_figure(empty)
    ordered = list(reversed(topics))
    bar = {
        "type": "bar",
        "x": [t.count for t in ordered],
        "y": [t.topic for t in ordered],
        "customdata": [t.topic for t in ordered],
        "orientation": "h",
        "marker": {
            "color": color,
            "opacity": [1 if not selected or t.topic in selected else 0.4 for t in ordered],
            "line": {"color": "#0f172a", "width": [2 if t.topic in selected else 0 for t in ordered]},
        },
        "hovertemplate": f"%{{y}}<br>%{{x:,}} {unit}<extra></extra>",
    }
    layout = theme.base_layout(
        margin={"l": 8, "r": 16, "t": 28, "b": 32},
        xaxis=_count_axis(max(t.count for t in topics)),
        yaxis={"automargin": True},
        bargap=0.25,
    )
    return theme.figure([bar], layout)


def user_types(counts: dict[str, int], only: str | None = None) -> go.Figure:
    """A donut of sessions per user type (a note instead when the page shows one type only)."""
    if not sum(counts.values()):
        return theme.empty_figure(NO_SESSIONS)
    if only:
        return theme.empty_figure(
            f"{counts.get(only, 0):,} {only} sessions: choose All users to compare types"
        )
    labels = list(counts)
    pie = {
        "type": "pie",
        "labels": [label.capitalize() for label in labels],
        "values": [counts[label] for label in labels],
        "hole": 0.55,
        "sort": False,
        "marker": {"colors": [theme.USER_TYPES[label] for label in labels]},
        "textinfo": "percent",
        "hovertemplate": "%{label}<br>%{value:,} sessions (%{percent})<extra></extra>",
    }
    return theme.figure([pie], theme.base_layout(margin={"l": 8, "r": 8, "t": 8, "b": 8}, showlegend=True))


def satisfaction(result: Satisfaction) -> go.Figure:
    """Rated sessions per rating 1-5."""
    if not result.count:
        return theme.empty_figure("No rated sessions in this period")
    ratings = list(range(1, 6))
    counts = [result.distribution.get(r, 0) for r in ratings]
    shares = [100 * n / result.count for n in counts]
    bar = {
        "type": "bar",
        "x": [f"{r} ★" for r in ratings],
        "y": counts,
        "customdata": shares,
        "marker": {"color": [theme.RATINGS[r] for r in ratings]},
        "hovertemplate": "%{x}<br>%{y:,} sessions (%{customdata:.1f}%)<extra></extra>",
    }
    layout = theme.base_layout(margin={"l": 48, "r": 8, "t": 28, "b": 32}, yaxis=_count_axis(max(counts)))
    return theme.figure([bar], layout)


def peak_heatmap(matrix: pd.DataFrame, timezone: str) -> go.Figure:
    """Messages by day of week (rows) and hour of day (columns) in the display time zone."""
    if not int(matrix.to_numpy().sum()):
        return theme.empty_figure("No messages in this period")
    heat = {
        "type": "heatmap",
        "z": matrix.to_numpy(),
        "x": [f"{h:02d}" for h in range(24)],
        "y": WEEKDAYS,
        "colorscale": theme.HEATMAP,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {"thickness": 10, "tickformat": ",.0f"},
        "hovertemplate": f"%{{y}} %{{x}}:00 ({timezone})<br>%{{z:,}} messages<extra></extra>",
    }
    layout = theme.base_layout(
        margin={"l": 40, "r": 8, "t": 28, "b": 40},
        yaxis={"autorange": "reversed"},
        # Hours as "00".."23", every third labelled and level: readable on a phone too.
        xaxis={"dtick": 3, "tickangle": 0, "title": {"text": f"hour ({timezone})", "font": {"size": 11}}},
    )
    return theme.figure([heat], layout)


def peak_hours(hours: list[tuple[int, int]], timezone: str) -> go.Figure:
    """Messages per hour of the day (one-day periods, where a week grid would be mostly empty)."""
    if not sum(n for _, n in hours):
        return theme.empty_figure("No messages in this period")
    bar = {
        "type": "bar",
        "x": [f"{h:02d}:00" for h, _ in hours],
        "y": [n for _, n in hours],
        "marker": {"color": theme.SESSIONS},
        "hovertemplate": f"%{{x}} ({timezone})<br>%{{y:,}} messages<extra></extra>",
    }
    layout = theme.base_layout(
        margin={"l": 48, "r": 8, "t": 28, "b": 40},
        yaxis=_count_axis(max(n for _, n in hours)),
        xaxis={"dtick": 2},
    )
    return theme.figure([bar], layout)


def mark_alerts(fig: go.Figure, alerts: list, start, end, tz) -> go.Figure:
    """Shade on a time chart each alert (alerts.history.Alert) from the start of the window that made
    it fire to its recovery (or `end`), within [start, end), labelled with its rule; a chart
    without data is left as it is."""
    if not fig.data:
        return fig
    for alert in alerts:
        left = max(alert.window_start or alert.started_at, start).astimezone(tz).replace(tzinfo=None)
        right = min(alert.resolved_at or end, end).astimezone(tz).replace(tzinfo=None)
        fig.add_vrect(
            x0=left,
            x1=right,
            fillcolor=theme.ALERT,
            opacity=0.12,
            line_width=0,
            layer="below",
            label={
                "text": f"⚠ {alert.rule}",
                "textposition": "top right",
                "font": {"size": 11, "color": theme.ALERT_TEXT},
            },
        )
    return fig


# Where each marked metric is drawn: the sessions bars and the p95 line on the left axis, messages
# on the activity chart's right axis.
ANOMALY_AXES = {"sessions": "y", "messages": "y2", "p95_response_time": "y"}


def mark_anomalies(fig: go.Figure, anomalies: list, keys: tuple[str, ...], tz) -> go.Figure:
    """Red markers at each anomalous hour (alerts.anomalies.Anomaly) of the metrics `keys` at its
    figure, the hover saying what is usual; a chart without data is left as it is."""
    if not fig.data:
        return fig
    for axis in dict.fromkeys(ANOMALY_AXES[k] for k in keys):
        shown = [a for a in anomalies if a.metric.key in keys and ANOMALY_AXES[a.metric.key] == axis]
        if not shown:
            continue
        fig.add_scatter(
            x=[a.window.start.astimezone(tz).replace(tzinfo=None) for a in shown],
            y=[a.value for a in shown],
            yaxis=axis,
            mode="markers",
            name="Unusual hour",
            legendgroup="unusual",
            showlegend=not any(t.legendgroup == "unusual" for t in fig.data),
            marker={
                "color": theme.ALERT,
                "size": 11,
                "symbol": "diamond",
                "line": {"color": "#ffffff", "width": 1},
            },
            customdata=[f"{a.metric.label} anomalous: {against_usual(a)}" for a in shown],
            hovertemplate="%{x|%a %d %b %H:%M}<br>%{customdata}<extra></extra>",
        )
    return fig
