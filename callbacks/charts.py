"""The chart callbacks: period figures from the metrics package, drawn by charts.figures, each with
a one-line summary and its data as a table (the text alternative), which the browser draws only
once its disclosure is opened (assets/tables.js)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from dash import ClientsideFunction, Dash, Input, Output, State
from sqlalchemy.exc import SQLAlchemyError

import metrics
from alerts import history
from alerts.anomalies import against_usual
from alerts.period_anomalies import anomalies_between
from callbacks.inputs import stored_filters
from callbacks.period import load
from charts import figures, theme
from layouts.controls import COMPARE_NAMES
from layouts.tables import data_table
from metrics.forecast import FORECAST_PRESETS, LEVEL, activity_forecast
from metrics.numbers import number
from web.context import services

UNAVAILABLE = "Not available: the database is not answering"
TIME_CHARTS = ("chart-activity", "chart-response")
BREAKDOWN_CHARTS = ("chart-topics", "chart-issues", "chart-user-types", "chart-satisfaction", "chart-heatmap")


def _when(at, hourly: bool) -> str:
    return f"{at:%a %d %b %H:%M}" if hourly else f"{at:%a %d %b}"


def _forecast_text(forecast) -> str:
    if forecast is None or forecast.empty:
        return ""
    first, last = forecast["at"].iloc[0], forecast["at"].iloc[-1]
    return (
        f" Forecast for {first:%d %b}–{last:%d %b}: about {number(forecast['sessions'].sum())} "
        f"sessions and {number(forecast['messages'].sum())} messages "
        f"(dashed; the band is the {LEVEL}% range of each day's sessions)."
    )


def _forecast_rows(forecast) -> list:
    if forecast is None:
        return []
    return [
        [
            f"{r.at:%a %d %b} (forecast)",
            f"{number(r.sessions)} ({number(r.sessions_low)}–{number(r.sessions_high)})",
            f"{number(r.messages)} ({number(r.messages_low)}–{number(r.messages_high)})",
        ]
        for r in forecast.itertuples()
    ]


def _compared_by_bucket(comparison, column: str) -> dict:
    """The compared segment's `column` per bucket start (the same buckets as the view's frame)."""
    return {} if comparison is None else dict(zip(comparison["at"], comparison[column], strict=True))


def _activity_text(frame, hourly: bool, forecast=None, comparison=None, name: str = "") -> tuple[str, list]:
    other = ""
    if comparison is not None:
        other = (
            f" {name.capitalize()} (dashed violet line): {number(comparison['sessions'].sum())} sessions "
            f"and {number(comparison['messages'].sum())} messages."
        )
    if frame.empty or not frame["sessions"].sum():
        if not other:
            return "No sessions in this period.", data_table([], [])
        summary = "No sessions in this period." + other
    else:
        busiest = frame.loc[frame["sessions"].idxmax()]
        unit = "hour" if hourly else "day"
        summary = (
            f"{number(frame['sessions'].sum())} sessions and {number(frame['messages'].sum())} messages; "
            f"busiest {unit} {_when(busiest['at'], hourly)} with {number(busiest['sessions'])} sessions."
            + other
        ) + _forecast_text(forecast)
    others = _compared_by_bucket(comparison, "sessions")
    extra = [f"Sessions, {name}"] if comparison is not None else []
    rows = [
        [
            _when(r.at, hourly) + (" (partial)" if r.partial else ""),
            number(r.sessions),
            number(r.messages),
            *([number(others.get(r.at))] if comparison is not None else []),
        ]
        for r in frame.itertuples()
    ] + [row + [""] * len(extra) for row in _forecast_rows(forecast)]
    return summary, data_table(["When", "Sessions", "Messages", *extra], rows)


def _ms(value) -> str:
    """A bucket's milliseconds, or a dash where it had no answers."""
    return "—" if value is None or pd.isna(value) else number(value, 0)


def _response_text(frame, hourly: bool, comparison=None, name: str = "") -> tuple[str, list]:
    answered = frame[frame["count"] > 0]
    others = _compared_by_bucket(comparison, "p50")
    if comparison is not None:
        answered = frame[
            (frame["count"] > 0) | frame["at"].isin(comparison.loc[comparison["count"] > 0, "at"])
        ]
    if answered.empty:
        return "No assistant answers in this period.", data_table([], [])
    mine = answered[answered["count"] > 0]
    if mine.empty:
        summary = "No assistant answers in this segment."
    else:
        slowest = mine.loc[mine["p95"].idxmax()]
        summary = (
            f"Median {number(mine['p50'].median(), 0, 'ms')} across buckets; slowest p95 "
            f"{number(slowest['p95'], 0, 'ms')} on {_when(slowest['at'], hourly)}."
        )
    if comparison is not None:
        theirs = comparison[comparison["count"] > 0]["p50"]
        summary += (
            f" {name.capitalize()} (dashed violet line): median {number(theirs.median(), 0, 'ms', '—')} "
            "across buckets."
        )
    rows = [
        [
            _when(r.at, hourly),
            _ms(r.p50),
            _ms(r.p95),
            number(r.count),
            *([_ms(others.get(r.at))] if comparison is not None else []),
        ]
        for r in answered.itertuples()
    ]
    extra = [f"Median, {name} (ms)"] if comparison is not None else []
    return summary, data_table(["When", "Median (ms)", "p95 (ms)", "Answers", *extra], rows)


def _alerts_text(alerts: list, tz) -> str:
    """The alerts shaded on the time charts, in words (their text alternative)."""
    if not alerts:
        return ""
    named = "; ".join(
        f"{a.rule} fired {a.started_at.astimezone(tz):%d %b %H:%M}"
        + (f" over the window from {a.window_start.astimezone(tz):%d %b %H:%M}" if a.window_start else "")
        + (f" to {a.resolved_at.astimezone(tz):%d %b %H:%M}" if a.resolved_at else ", still firing")
        for a in alerts
    )
    return f" Alerts (shaded): {named}."


ACTIVITY_MARKED = ("sessions", "messages")
RESPONSE_MARKED = ("p95_response_time",)
LISTED = 5  # unusual hours named in a summary; the rest are counted


def _anomalies_text(anomalies: list, keys: tuple[str, ...], tz) -> str:
    """The unusual hours marked on a chart, in words (their text alternative)."""
    shown = [a for a in anomalies if a.metric.key in keys]
    if not shown:
        return ""
    named = "; ".join(
        f"{a.window.start.astimezone(tz):%a %d %b %H:%M} {a.metric.label} {against_usual(a)}"
        for a in shown[:LISTED]
    )
    more = f"; and {len(shown) - LISTED} more" if len(shown) > LISTED else ""
    return f" Unusual hours (red markers): {named}{more}."


def update_time_series(stored: dict | None) -> tuple:
    """Activity and response-time figures for the filters' period, on one shared x range; on the
    30- and 90-day presets the activity chart continues with the next days' forecast."""
    filters = stored_filters(stored)
    compared = filters.comparison()
    name = COMPARE_NAMES.get(filters.compare or "", "")

    def draw(conn, period) -> tuple:
        activity = metrics.activity_over_time(conn, period, filters.segment)
        response = metrics.response_time_series(conn, period, filters.segment)
        other_activity = other_response = None
        if compared is not None:
            other_activity = metrics.activity_over_time(conn, period, compared.segment)
            other_response = metrics.response_time_series(conn, period, compared.segment)
        outlook = activity_forecast(activity, period) if period.preset in FORECAST_PRESETS else None
        x_range = figures.time_range(activity, period.hourly, outlook)
        texts = (
            _activity_text(activity, period.hourly, outlook, other_activity, name),
            _response_text(response, period.hourly, other_response, name),
        )
        alerts = history.overlapping(conn, period.start, period.end)
        unusual = anomalies_between(conn, period.start, period.end, period.tz, filters.segment)
        texts = tuple(
            (summary + _alerts_text(alerts, period.tz) + _anomalies_text(unusual, keys, period.tz), table)
            for (summary, table), keys in zip(texts, (ACTIVITY_MARKED, RESPONSE_MARKED), strict=True)
        )
        figs = _plain(
            *(
                figures.mark_anomalies(
                    figures.mark_alerts(fig, alerts, period.start, period.end, period.tz),
                    unusual,
                    keys,
                    period.tz,
                )
                for fig, keys in (
                    (
                        figures.activity(activity, period.hourly, outlook, other_activity, name),
                        ACTIVITY_MARKED,
                    ),
                    (
                        figures.response_times(response, period.hourly, x_range, other_response, name),
                        RESPONSE_MARKED,
                    ),
                )
            )
        )
        return tuple(
            item for fig, (summary, table) in zip(figs, texts, strict=True) for item in (fig, summary, table)
        )

    try:
        return load("time-series", filters, draw)
    except SQLAlchemyError:
        return _unavailable(len(TIME_CHARTS))


def _topic_text(topics, unit: str) -> tuple[str, list]:
    if not topics:
        return f"No {unit} with topics in this period.", data_table([], [])
    top = topics[0]
    summary = f"Most: {top.topic} ({number(top.count)} {unit}); {len(topics)} topics shown."
    return summary, data_table(["Topic", unit.capitalize()], [[t.topic, number(t.count)] for t in topics])


def update_breakdowns(stored: dict | None) -> tuple:
    """Topics, common issues, user types, satisfaction and peak usage, each with its text."""
    filters = stored_filters(stored)
    seg = filters.segment
    zone = services().config.display_timezone

    def draw(conn, period) -> tuple:
        topics = metrics.top_topics(conn, period, seg)
        issues = metrics.common_issues(conn, period, seg)
        types = metrics.user_type_distribution(conn, period, seg)
        rated = metrics.satisfaction(conn, period, seg)
        total_types = sum(types.values())
        type_rows = [
            [t.capitalize(), number(n), number(100 * n / total_types, 1, "%") if total_types else "—"]
            for t, n in types.items()
        ]
        rating_rows = [[f"{r} ★", number(n)] for r, n in rated.distribution.items()]
        if period.hourly:
            hours = metrics.peak_hours(conn, period, seg)
            peak_fig = figures.peak_hours(hours, zone)
            busiest = max(hours, key=lambda h: h[1])
            peak_rows = [[f"{h:02d}:00", number(n)] for h, n in hours]
            peak_text = f"Busiest hour {busiest[0]:02d}:00 ({zone}) with {number(busiest[1])} messages."
        else:
            matrix = metrics.weekday_hour_matrix(conn, period, seg)
            peak_fig = figures.peak_heatmap(matrix, zone)
            day, hour = divmod(int(matrix.to_numpy().argmax()), 24)
            peak_rows = [[figures.WEEKDAYS[d], *(number(v) for v in matrix.loc[d])] for d in range(7)]
            peak_text = f"Busiest: {figures.WEEKDAYS[day]} {hour:02d}:00 ({zone}) with {number(matrix.loc[day, hour])} messages."
        figs = _plain(
            figures.topic_bars(topics, theme.TOPICS, "sessions", figures.NO_SESSIONS, filters.topics),
            figures.topic_bars(
                issues,
                theme.ISSUES,
                "unresolved sessions",
                "No unresolved sessions with topics",
                filters.topics,
            ),
            figures.user_types(types, filters.user_type),
            figures.satisfaction(rated),
            peak_fig,
        )
        texts = (
            _topic_text(topics, "sessions"),
            _topic_text(issues, "unresolved sessions"),
            (
                f"{number(total_types)} sessions by user type.",
                data_table(["User type", "Sessions", "Share"], type_rows),
            ),
            (
                f"{number(rated.count)} rated sessions, average {number(rated.average, 2, '/ 5', '—')}.",
                data_table(["Rating", "Sessions"], rating_rows),
            ),
            (
                peak_text,
                data_table(["Hour", "Messages"], peak_rows)
                if period.hourly
                else data_table(["Day", *(f"{h:02d}" for h in range(24))], peak_rows),
            ),
        )
        return tuple(
            item for fig, (summary, table) in zip(figs, texts, strict=True) for item in (fig, summary, table)
        )

    try:
        return load("breakdowns", filters, draw)
    except SQLAlchemyError:
        return _unavailable(len(BREAKDOWN_CHARTS))


def _unavailable(charts: int) -> tuple:
    return (_plain(theme.empty_figure(UNAVAILABLE))[0], UNAVAILABLE, "") * charts


def _plain(*figs: go.Figure) -> tuple[dict, ...]:
    # Plain dicts: what dcc.Graph takes, and what the cache can hand back without plotly
    # re-validating every property (a cached figure then costs microseconds, not tens of ms).
    return tuple(theme.plain(fig) for fig in figs)


def _outputs(chart_ids: tuple[str, ...]) -> list[Output]:
    return [
        output
        for chart in chart_ids
        for output in (
            Output(chart, "figure"),
            Output(f"{chart}-summary", "children"),
            Output(f"{chart}-table-data", "data"),
        )
    ]


def register(app: Dash) -> None:
    """Attach the chart callbacks to `app` (two, so the fast charts do not wait for the slow ones),
    and for each chart the clientside callback that draws its table when its disclosure is open."""
    app.callback(*_outputs(TIME_CHARTS), Input("filters", "data"), prevent_initial_call=True)(
        update_time_series
    )
    app.callback(*_outputs(BREAKDOWN_CHARTS), Input("filters", "data"), prevent_initial_call=True)(
        update_breakdowns
    )
    # One clientside callback for every table, not one each: each callback run costs the renderer
    # a pass over every component of the page.
    charts = (*TIME_CHARTS, *BREAKDOWN_CHARTS)
    app.clientside_callback(
        ClientsideFunction(namespace="chartTables", function_name="fill"),
        *(Output(f"{chart}-table", "children") for chart in charts),
        *(Input(f"{chart}-disclosure", "n_clicks") for chart in charts),
        *(Input(f"{chart}-table-data", "data") for chart in charts),
        *(State(f"{chart}-disclosure", "id") for chart in charts),
        prevent_initial_call=True,
    )
