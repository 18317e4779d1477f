"""The live card: one lightweight query per tick for the active-session count, outage recovery,
and its age and stale state ticking in the browser (a clientside callback: no request a second)."""

from __future__ import annotations

import time

from dash import ClientsideFunction, Dash, Input, Output, State, no_update
from sqlalchemy.exc import SQLAlchemyError

import metrics
from callbacks.inputs import stored_filters
from callbacks.period import DB_ERROR
from web.context import services


def live_reading() -> tuple[str | None, dict]:
    """The open-session count as shown (None while the database is not answering) and the stamp
    the browser ages it by; built from the settings alone, so nothing the browser sends is trusted."""
    ctx = services()
    stamp = {"interval_ms": ctx.config.live_interval_ms, "zone": ctx.config.display_timezone}
    try:
        with ctx.reader.connect() as conn:
            active = metrics.active_sessions(conn)
    except SQLAlchemyError:
        return None, {**stamp, "failed": True}
    return f"{active:,}", {**stamp, "at_ms": int(time.time() * 1000), "failed": False}


def refresh_live(
    _n: int | None = None,
    banner_open: bool | None = False,
    filters: dict | None = None,
) -> tuple:
    """(count, error text, error shown, filters, stamp) for the live card's tick, never raising.

    While the database is down the error banner opens and the stamp records the failure (the card
    then reads "stale"). The first tick that finds it back closes the banner and re-emits the
    unchanged filters, so that every figure that failed recomputes; on any other tick the filters
    stay untouched and no heavy query runs.
    """
    count, stamp = live_reading()
    if count is None:
        return no_update, DB_ERROR, True, no_update, stamp
    recovered = bool(banner_open) and filters is not None
    return (
        count,
        "" if banner_open else no_update,
        False,
        stored_filters(filters).to_store() if recovered else no_update,
        stamp,
    )


def register(app: Dash) -> None:
    """Attach the live-count callback and its clientside clock to `app`."""
    app.callback(
        Output("live-active", "children"),
        Output("db-error", "children"),
        Output("db-error", "is_open"),
        Output("filters", "data", allow_duplicate=True),
        Output("live-stamp", "data"),
        Input("live-tick", "n_intervals"),
        State("db-error", "is_open"),
        State("filters", "data"),
        # The page arrives with a first reading (see live_reading); a call on load would also hold
        # back every period figure until it answered, since it may write the filters.
        prevent_initial_call=True,
    )(refresh_live)
    app.clientside_callback(
        ClientsideFunction(namespace="chatAnalytics", function_name="liveAge"),
        Output("live-updated", "children"),
        Output("live-badge", "children"),
        Output("live-badge", "color"),
        Input("live-clock", "n_intervals"),
        Input("live-stamp", "data"),
    )
