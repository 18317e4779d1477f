"""The whole dashboard page."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.charts import build_chart_grid
from layouts.controls import build_controls
from layouts.header import build_header
from layouts.kpis import build_kpi_row
from layouts.live import build_live_card
from layouts.sessions import build_sessions_card, build_transcript_panel
from layouts.views import build_manage_dialog, build_save_dialog


def build_page(
    *,
    username: str,
    csrf_token: str,
    timezone: str,
    live_interval_ms: int,
    live: tuple[str | None, dict],
    today: date,
) -> html.Div:
    """The page for one signed-in staff user; the filters come from the URL once it loads."""
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="filters"),
            build_header(username, csrf_token, timezone),
            html.Main(
                dbc.Container(
                    [
                        html.H1("Support dashboard", className="visually-hidden"),
                        dbc.Alert(id="db-error", color="danger", is_open=False, className="mb-3"),
                        dbc.Alert(
                            id="link-alert",
                            color="warning",
                            is_open=False,
                            dismissable=True,
                            className="mb-3",
                        ),
                        dbc.Alert(id="period-alert", color="info", is_open=False, className="mb-3"),
                        build_controls(timezone, today),
                        build_kpi_row(build_live_card(live_interval_ms, *live)),
                        build_chart_grid(),
                        build_sessions_card(),
                        build_transcript_panel(),
                        build_save_dialog(),
                        build_manage_dialog(),
                    ],
                    fluid=True,
                    className="pb-4",
                    style={"maxWidth": "1680px"},
                ),
                id="main",
            ),
        ]
    )
