"""The 30-second tick: one lightweight query for the active-session count."""

from __future__ import annotations

from datetime import datetime

from dash import Dash, Input, Output, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.period import DB_ERROR
from data import metrics
from web.context import services


def refresh_live() -> tuple:
    """(count text, updated text, error text, error shown) for the live card, never raising."""
    ctx = services()
    try:
        with ctx.engine.connect() as conn:
            active = metrics.active_sessions(conn)
    except SQLAlchemyError:
        return no_update, "Not updated: database unreachable", DB_ERROR, True
    return f"{active:,}", f"Updated {datetime.now(ctx.config.tz):%H:%M:%S}", no_update, False


def register(app: Dash) -> None:
    """Attach the live-count callback to `app`."""
    app.callback(
        Output("live-active", "children"),
        Output("live-updated", "children"),
        Output("db-error", "children"),
        Output("db-error", "is_open"),
        Input("live-tick", "n_intervals"),
    )(lambda _n: refresh_live())
