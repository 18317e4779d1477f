"""The 30-second tick: one lightweight query for the active-session count, and outage recovery."""

from __future__ import annotations

from datetime import datetime

from dash import Dash, Input, Output, State, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.inputs import stored_filters
from callbacks.period import DB_ERROR
from data import metrics
from web.context import services


def refresh_live(
    _n: int | None = None, banner_open: bool | None = False, filters: dict | None = None
) -> tuple:
    """(count, updated, error text, error shown, filters) for the live card, never raising.

    While the database is down the error banner opens. The first tick that finds it back closes
    the banner and re-emits the unchanged filters, so that every figure that failed recomputes;
    on any other tick the filters stay untouched and no heavy query runs.
    """
    ctx = services()
    try:
        with ctx.engine.connect() as conn:
            active = metrics.active_sessions(conn)
    except SQLAlchemyError:
        return no_update, "Not updated: database unreachable", DB_ERROR, True, no_update
    recovered = bool(banner_open) and filters is not None
    return (
        f"{active:,}",
        f"Updated {datetime.now(ctx.config.tz):%H:%M:%S}",
        "" if banner_open else no_update,
        False,
        stored_filters(filters).to_store() if recovered else no_update,
    )


def register(app: Dash) -> None:
    """Attach the live-count callback to `app`."""
    app.callback(
        Output("live-active", "children"),
        Output("live-updated", "children"),
        Output("db-error", "children"),
        Output("db-error", "is_open"),
        Output("filters", "data", allow_duplicate=True),
        Input("live-tick", "n_intervals"),
        State("db-error", "is_open"),
        State("filters", "data"),
        prevent_initial_call="initial_duplicate",
    )(refresh_live)
