"""The filter bar: period presets, a custom day range, the user type, the topic chip, the Views
menu, the segment (resolved, escalated, rating, duration, messages, cached answers), and exports."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from data.periods import PRESET_LABELS
from layouts.views import build_views_menu
from web.paths import EXPORT_PATH

USER_TYPE_OPTIONS = [
    {"label": "All users", "value": "all"},
    {"label": "Clients", "value": "client"},
    {"label": "Providers", "value": "provider"},
    {"label": "Anonymous", "value": "anonymous"},
]
USER_TYPE_LABELS = {o["value"]: o["label"].lower() for o in USER_TYPE_OPTIONS}
# "Compare with": the address's `compare` values (metrics.filters), "none" for no comparison.
NO_COMPARISON = "none"
COMPARE_OPTIONS = [
    {"label": "Nothing", "value": NO_COMPARISON},
    {"label": "Everyone", "value": "all"},
    {"label": "Clients", "value": "user_type:client"},
    {"label": "Providers", "value": "user_type:provider"},
    {"label": "Anonymous", "value": "user_type:anonymous"},
]
# How cards, legends and summaries name the compared segment ("providers: 2,814 ms").
COMPARE_NAMES = {o["value"]: o["label"].lower() for o in COMPARE_OPTIONS[1:]}
EXPORTS = (("sessions", "Sessions"), ("messages", "Messages"), ("analytics", "Analytics"))
ANY = "all"
# Segments beyond period and user type: (control id, label, options); values are address values.
SEGMENT_CONTROLS = (
    ("seg-resolved", "Resolved", [{"label": "Any", "value": ANY}, {"label": "Resolved", "value": "true"},
                                  {"label": "Unresolved", "value": "false"}]),
    ("seg-escalated", "Escalated", [{"label": "Any", "value": ANY}, {"label": "Escalated", "value": "true"},
                                    {"label": "Not escalated", "value": "false"}]),
    ("seg-rating", "Rating", [{"label": "Any", "value": ANY}, {"label": "1-2", "value": "1-2"},
                              {"label": "3", "value": "3"}, {"label": "4-5", "value": "4-5"},
                              {"label": "1", "value": "1"}, {"label": "2", "value": "2"},
                              {"label": "4", "value": "4"}, {"label": "5", "value": "5"}]),
    # Durations and message counts are those of closed sessions (an open one's are not final).
    ("seg-duration", "Duration", [{"label": "Any", "value": ANY}, {"label": "Under 1 min", "value": "0-60"},
                                  {"label": "1-5 min", "value": "60-300"},
                                  {"label": "5-15 min", "value": "300-900"},
                                  {"label": "15 min or more", "value": "900-"}]),
    ("seg-messages", "Messages", [{"label": "Any", "value": ANY}, {"label": "1-2", "value": "1-2"},
                                  {"label": "3-5", "value": "3-5"}, {"label": "6-10", "value": "6-10"},
                                  {"label": "11 or more", "value": "11-"}]),
    ("seg-cached", "Cached answers", [{"label": "Any", "value": ANY},
                                      {"label": "Some cached", "value": "true"},
                                      {"label": "None cached", "value": "false"}]),
)  # fmt: skip


def build_controls(timezone: str, today: date) -> dbc.Card:
    """The filter bar; `today` (in the display zone) is the last day the range inputs offer."""
    presets = html.Div(
        dbc.RadioItems(
            id="preset",
            options=[{"label": label, "value": key} for key, label in PRESET_LABELS.items()],
            value=None,
            inline=True,
            className="btn-group preset-group",
            inputClassName="btn-check",
            labelClassName="btn btn-outline-primary btn-sm",
            labelCheckedClassName="active",
        ),
        role="group",
        **{"aria-label": "Period"},
    )
    # Native date inputs: keyboard and screen-reader friendly, and a phone's own picker.
    date_range = html.Div(
        [
            html.Label("From", htmlFor="date-start", className="small text-muted"),
            dcc.Input(
                id="date-start", type="date", max=today.isoformat(), className="form-control form-control-sm"
            ),
            html.Label("to", htmlFor="date-end", className="small text-muted"),
            dcc.Input(
                id="date-end", type="date", max=today.isoformat(), className="form-control form-control-sm"
            ),
        ],
        className="d-flex align-items-center gap-2 date-range",
        id="date-range",
    )
    user_type = html.Div(
        [
            html.Label("Users", htmlFor="user-type", className="small text-muted"),
            dbc.Select(
                id="user-type", options=USER_TYPE_OPTIONS, value="all", size="sm", style={"width": "9rem"}
            ),
        ],
        className="d-flex align-items-center gap-2",
    )
    compare = html.Div(
        [
            html.Label("Compare with", htmlFor="compare", className="small text-muted text-nowrap"),
            dbc.Select(
                id="compare",
                options=COMPARE_OPTIONS,
                value=NO_COMPARISON,
                size="sm",
                style={"width": "8.5rem"},
            ),
        ],
        className="d-flex align-items-center gap-2",
        title="Show a second segment of the same period beside this one on the cards and time charts",
    )
    segments = html.Div(
        [
            html.Div(
                [
                    html.Label(label, htmlFor=control, className="small text-muted"),
                    dbc.Select(id=control, options=options, value=ANY, size="sm", style={"width": "8.5rem"}),
                ],
                className="d-flex align-items-center gap-2",
            )
            for control, label, options in SEGMENT_CONTROLS
        ],
        className="d-flex flex-wrap align-items-center gap-2 gap-md-3 segment-controls",
        role="group",
        **{"aria-label": "Segment"},
    )
    topic_chip = dbc.Button(
        ["Topic: ", html.Strong(id="topic-chip-name"), html.Span(" ×", **{"aria-hidden": "true"})],
        id="topic-clear",
        color="primary",
        size="sm",
        className="rounded-pill d-none",
        title="Remove the topic filter",
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
            html.Span(id="export-scope", className="text-muted small ms-2"),
        ],
        className="d-flex align-items-center flex-wrap",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        presets,
                        date_range,
                        user_type,
                        compare,
                        topic_chip,
                        html.Div(build_views_menu(), className="ms-lg-auto"),
                    ],
                    className="d-flex flex-wrap align-items-center gap-2 gap-md-3",
                ),
                html.Div(segments, className="mt-2"),
                html.Div(
                    [
                        html.Span(
                            [
                                html.Span(id="period-label", className="fw-semibold"),
                                f" · times in {timezone}",
                            ],
                            className="text-muted small",
                        ),
                        html.Div(exports, className="ms-lg-auto"),
                    ],
                    className="d-flex flex-wrap align-items-center gap-2 mt-2",
                ),
                dbc.Toast(
                    id="export-toast",
                    header="Export started",
                    is_open=False,
                    dismissable=True,
                    duration=6000,
                    className="export-toast",
                ),
            ],
            className="py-2",
        ),
        className="shadow-sm mb-3",
    )
