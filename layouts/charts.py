"""Chart cards: a title, a one-line hint, the graph, and its text alternative (a summary line and a
data table behind a disclosure) that the period callbacks fill.

The table is drawn only once its disclosure has been opened: the period callbacks put it in the
chart's `-table-data` store, and a clientside callback (assets/tables.js) copies it into the
disclosure when it is opened, and again on every new period while it stays open."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

# Only the PNG download: no button that sends the data elsewhere (Plotly's cloud), one tab stop.
GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "displayModeBar": "hover",
    "modeBarButtons": [["toImage"]],
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
# What a chart shows until its first figure arrives: nothing, rather than empty axes that read as
# "no data" (and a blank plot draws in a third of the time of plotly's default empty one).
BLANK_FIGURE = {
    "data": [],
    "layout": {
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
    },
}
CHARTS = (
    # id, title, hint, height, columns on a laptop
    (
        "chart-activity",
        "Activity",
        "sessions (bars) and messages (line); partial first and last buckets hatched",
        300,
        8,
    ),
    ("chart-user-types", "User types", "sessions by user type", 300, 4),
    ("chart-response", "AI response time", "median and p95, in ms", 300, 8),
    ("chart-satisfaction", "Satisfaction", "rated sessions by rating", 300, 4),
    ("chart-topics", "Top topics", "sessions per topic · click a bar to filter the page", 340, 6),
    ("chart-issues", "Common issues", "topics of unresolved sessions · click to filter", 340, 6),
    ("chart-heatmap", "Peak usage", "messages by day of week and hour", 280, 12),
)


def build_chart_card(graph_id: str, title: str, hint: str, height: int = 300) -> dbc.Card:
    """A card holding the graph `graph_id`; while it recomputes, the old figure stays, dimmed."""
    header = html.Div(
        [
            html.H2(title, className="chart-title"),
            html.Span(hint, className="text-muted small ms-2 chart-hint"),
        ],
        className="d-flex align-items-baseline flex-wrap",
    )
    graph = dcc.Graph(
        id=graph_id,
        figure=BLANK_FIGURE,
        config=GRAPH_CONFIG,
        style={"height": f"{height}px"},
        className="chart-graph",
    )
    alternative = html.Details(
        [
            html.Summary("Show the data as a table", className="small"),
            html.Div(id=f"{graph_id}-table"),
            dcc.Store(id=f"{graph_id}-table-data"),
        ],
        id=f"{graph_id}-disclosure",
        className="chart-table mt-1",
    )
    return dbc.Card(
        [
            dbc.CardHeader(header, className="bg-white border-0 pb-0"),
            dbc.CardBody(
                [
                    html.Div(id=f"{graph_id}-summary", className="small text-muted chart-summary"),
                    graph,
                    alternative,
                ],
                className="pt-1",
            ),
        ],
        className="h-100 shadow-sm",
    )


def build_chart_grid() -> html.Div:
    """Every chart of the dashboard in a responsive grid (two columns on a laptop, one on a phone)."""
    rows, row, width = [], [], 0
    for graph_id, title, hint, height, columns in CHARTS:
        row.append(dbc.Col(build_chart_card(graph_id, title, hint, height), xs=12, lg=columns))
        width += columns
        if width >= 12:
            rows.append(dbc.Row(row, className="g-3 mb-3"))
            row, width = [], 0
    return html.Div(rows)
