"""Chart cards: a title, a one-line hint, and a graph that the period callbacks fill."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def build_chart_card(graph_id: str, title: str, hint: str, height: int = 300, extra=None) -> dbc.Card:
    """A card holding the graph `graph_id` under a spinner while it computes."""
    header = html.Div(
        [
            html.Span(title, className="fw-semibold"),
            html.Span(hint, className="text-muted small ms-2"),
            extra,
        ],
        className="d-flex align-items-baseline flex-wrap",
    )
    graph = dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"height": f"{height}px"})
    return dbc.Card(
        [
            dbc.CardHeader(header, className="bg-white border-0 pb-0"),
            dbc.CardBody(dcc.Loading(graph, type="circle", delay_show=300), className="pt-1"),
        ],
        className="h-100 shadow-sm",
    )


def build_chart_grid() -> html.Div:
    """Every chart of the dashboard in a responsive grid (two columns on a laptop and up)."""
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        build_chart_card("chart-activity", "Activity", "sessions (bars) and messages (line)"),
                        lg=8,
                    ),
                    dbc.Col(
                        build_chart_card("chart-user-types", "User types", "sessions by user type"), lg=4
                    ),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        build_chart_card("chart-response", "AI response time", "median and p95, in ms"), lg=8
                    ),
                    dbc.Col(
                        build_chart_card("chart-satisfaction", "Satisfaction", "rated sessions by rating"),
                        lg=4,
                    ),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        build_chart_card(
                            "chart-topics", "Top topics", "sessions per topic · click a bar to list them", 340
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        build_chart_card(
                            "chart-issues", "Common issues", "topics of unresolved sessions", 340
                        ),
                        lg=6,
                    ),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                dbc.Col(
                    build_chart_card("chart-heatmap", "Peak usage", "messages by day of week and hour", 280)
                ),
                className="g-3 mb-3",
            ),
        ]
    )
