"""The filter bar: period presets, a custom day range, the user type, and the export buttons."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from data.periods import PRESET_LABELS
from web.paths import EXPORT_PATH

USER_TYPE_OPTIONS = [
    {"label": "All users", "value": "all"},
    {"label": "Clients", "value": "client"},
    {"label": "Providers", "value": "provider"},
    {"label": "Anonymous", "value": "anonymous"},
]
EXPORTS = (("sessions", "Sessions"), ("messages", "Messages"), ("analytics", "Analytics"))


def build_controls(timezone: str, today: date) -> dbc.Card:
    """The filter bar; `today` (in the display zone) is the last day the range picker offers."""
    presets = dbc.RadioItems(
        id="preset",
        options=[{"label": label, "value": key} for key, label in PRESET_LABELS.items()],
        value=None,
        inline=True,
        className="btn-group flex-wrap",
        inputClassName="btn-check",
        labelClassName="btn btn-outline-primary btn-sm",
        labelCheckedClassName="active",
    )
    date_range = dcc.DatePickerRange(
        id="date-range",
        display_format="D MMM YYYY",
        max_date_allowed=today.isoformat(),
        first_day_of_week=1,
        start_date_placeholder_text="From",
        end_date_placeholder_text="To",
        clearable=True,
        minimum_nights=0,
        updatemode="bothdates",
    )
    user_type = dbc.Select(
        id="user-type", options=USER_TYPE_OPTIONS, value="all", size="sm", style={"width": "9rem"}
    )
    exports = html.Div(
        [
            html.Span("Export CSV", className="text-muted small me-2"),
            dbc.ButtonGroup(
                [
                    dbc.Button(
                        label,
                        id=f"export-{kind}",
                        href=EXPORT_PATH.format(kind=kind),
                        external_link=True,
                        color="secondary",
                        outline=True,
                        size="sm",
                    )
                    for kind, label in EXPORTS
                ]
            ),
        ],
        className="d-flex align-items-center",
    )
    return dbc.Card(
        dbc.CardBody(
            html.Div(
                [
                    presets,
                    html.Div(
                        [html.Span("or", className="text-muted small me-2"), date_range],
                        className="d-flex align-items-center",
                    ),
                    user_type,
                    html.Span(
                        [html.Span(id="period-label", className="fw-semibold"), f" · times in {timezone}"],
                        className="text-muted small",
                    ),
                    html.Div(exports, className="ms-xl-auto"),
                ],
                className="d-flex flex-wrap align-items-center gap-3",
            ),
            className="py-2",
        ),
        className="shadow-sm mb-3",
    )
