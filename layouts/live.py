"""The live card: sessions open right now, refreshed by a timer, with its age and a stale state."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.kpis import info_button

ACTIVE_DEFINITION = (
    "Sessions not yet closed or disconnected (is_active = true), of every user type and whatever the "
    "period: the real-time figure."
)
CLOCK_MS = 1000


def build_live_card(interval_ms: int, count: str | None, stamp: dict) -> dbc.Card:
    """A card with the active-session count (None: not available), how long ago it was read
    (`stamp`, aged in the browser), and its timers."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.H2("Active now", className="kpi-title"),
                        *info_button("live", "Active now", ACTIVE_DEFINITION),
                        # role=status: a change to "stale" is announced, politely.
                        html.Span(
                            dbc.Badge("live", id="live-badge", color="success", pill=True),
                            role="status",
                            className="ms-auto",
                        ),
                    ],
                    className="d-flex align-items-center",
                ),
                html.Div(
                    "—" if count is None else count,
                    id="live-active",
                    className="kpi-value",
                    **{"aria-live": "polite"},
                ),
                html.Div("all user types", className="small text-muted"),
                html.Div("", id="live-updated", className="small text-muted"),
                dcc.Interval(id="live-tick", interval=interval_ms, n_intervals=0),
                # The age ticks in the browser (a clientside callback): no request per second.
                dcc.Interval(id="live-clock", interval=CLOCK_MS, n_intervals=0),
                dcc.Store(id="live-stamp", data=stamp),
            ]
        ),
        className="h-100 shadow-sm kpi-card",
    )
