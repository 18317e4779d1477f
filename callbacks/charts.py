"""The chart callbacks: period figures from the metrics module, drawn by charts.figures."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import Dash, Input, Output
from sqlalchemy.exc import SQLAlchemyError

from callbacks.inputs import stored_filters
from callbacks.period import load
from charts import figures, theme
from data import metrics
from web.context import services

UNAVAILABLE = "Not available: the database is not answering"


def update_time_series(stored: dict | None) -> tuple:
    """Activity and response-time figures for the filters' period."""
    filters = stored_filters(stored)

    def draw(conn, period) -> tuple:
        activity = metrics.activity_over_time(conn, period, filters.user_type)
        response = metrics.response_time_series(conn, period, filters.user_type)
        return _plain(
            figures.activity(activity, period.hourly), figures.response_times(response, period.hourly)
        )

    try:
        return load("time-series", filters, draw)
    except SQLAlchemyError:
        return (_plain(theme.empty_figure(UNAVAILABLE))[0],) * 2


def update_breakdowns(stored: dict | None) -> tuple:
    """Topics, common issues, user types, satisfaction and the peak-usage heatmap."""
    filters = stored_filters(stored)
    ut = filters.user_type
    zone = services().config.display_timezone

    def draw(conn, period) -> tuple:
        return _plain(
            figures.topic_bars(
                metrics.top_topics(conn, period, ut), theme.TOPICS, "sessions", figures.NO_SESSIONS
            ),
            figures.topic_bars(
                metrics.common_issues(conn, period, ut),
                theme.ISSUES,
                "unresolved sessions",
                "No unresolved sessions with topics",
            ),
            figures.user_types(metrics.user_type_distribution(conn, period, ut)),
            figures.satisfaction(metrics.satisfaction(conn, period, ut)),
            figures.peak_heatmap(metrics.weekday_hour_matrix(conn, period, ut), zone),
        )

    try:
        return load("breakdowns", filters, draw)
    except SQLAlchemyError:
        return (_plain(theme.empty_figure(UNAVAILABLE))[0],) * 5


def _plain(*figs: go.Figure) -> tuple[dict, ...]:
    # Plain dicts: what dcc.Graph takes, and what the cache can hand back without plotly
    # re-validating every property (a cached figure then costs microseconds, not tens of ms).
    return tuple(theme.plain(fig) for fig in figs)


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
