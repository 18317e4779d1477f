"""The chart callbacks: period figures from the metrics module, drawn by charts.figures."""

from __future__ import annotations

from dash import Dash, Input, Output
from sqlalchemy.exc import SQLAlchemyError

from callbacks.period import load
from callbacks.state import Filters
from charts import figures, theme
from data import metrics
from web.context import services

UNAVAILABLE = "Not available: the database is not answering"


def update_time_series(stored: dict | None) -> tuple:
    """Activity and response-time figures for the filters' period."""
    filters = Filters.from_store(stored)
    try:
        activity, response, hourly = load(
            "time-series",
            filters,
            lambda conn, period: (
                metrics.activity_over_time(conn, period, filters.user_type),
                metrics.response_time_series(conn, period, filters.user_type),
                period.hourly,
            ),
        )
    except SQLAlchemyError:
        return (theme.empty_figure(UNAVAILABLE),) * 2
    return figures.activity(activity, hourly), figures.response_times(response, hourly)


def update_breakdowns(stored: dict | None) -> tuple:
    """Topics, common issues, user types, satisfaction and the peak-usage heatmap."""
    filters = Filters.from_store(stored)
    ut = filters.user_type
    try:
        topics, issues, types, rated, matrix = load(
            "breakdowns",
            filters,
            lambda conn, period: (
                metrics.top_topics(conn, period, ut),
                metrics.common_issues(conn, period, ut),
                metrics.user_type_distribution(conn, period, ut),
                metrics.satisfaction(conn, period, ut),
                metrics.weekday_hour_matrix(conn, period, ut),
            ),
        )
    except SQLAlchemyError:
        return (theme.empty_figure(UNAVAILABLE),) * 5
    return (
        figures.topic_bars(topics, theme.TOPICS, "sessions", figures.NO_SESSIONS),
        figures.topic_bars(issues, theme.ISSUES, "unresolved sessions", "No unresolved sessions with topics"),
        figures.user_types(types),
        figures.satisfaction(rated),
        figures.peak_heatmap(matrix, services().config.display_timezone),
    )


def register(app: Dash) -> None:
    """Attach the chart callbacks to `app` (two, so the fast charts do not wait for the slow ones)."""
    app.callback(
        Output("chart-activity", "figure"),
        Output("chart-response", "figure"),
        Input("filters", "data"),
        prevent_initial_call=True,
    )(update_time_series)
    app.callback(
        Output("chart-topics", "figure"),
        Output("chart-issues", "figure"),
        Output("chart-user-types", "figure"),
        Output("chart-satisfaction", "figure"),
        Output("chart-heatmap", "figure"),
        Input("filters", "data"),
        prevent_initial_call=True,
    )(update_breakdowns)
