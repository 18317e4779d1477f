"""The live card: sessions open right now, refreshed by a timer."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

ACTIVE_DEFINITION = "Sessions not yet closed or disconnected, whatever the period (is_active = true)."


def build_live_card(interval_ms: int) -> dbc.Card:
    """A KPI card with the active-session count, when it last updated, and its timer."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.Span("Active sessions now", id="live-title", className="text-muted small"),
                        dbc.Badge("live", color="success", className="ms-2", pill=True),
                    ],
                    className="d-flex align-items-center",
                ),
                dbc.Tooltip(ACTIVE_DEFINITION, target="live-title"),
                html.Div("…", id="live-active", className="fs-2 fw-semibold"),
                html.Div("", id="live-updated", className="text-muted small"),
                dcc.Interval(id="live-tick", interval=interval_ms, n_intervals=0),
            ]
        ),
        className="h-100 shadow-sm",
    )
