"""The recent-sessions table and the transcript side panel."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html


# Values arrive already rounded and worded; numbers are formatted in the grid by dash-ag-grid's
# expression parser (no eval: CSP-safe), so they still sort as numbers.
def _number(field: str, header: str, decimals: int = 0, **extra) -> dict:
    """A right-aligned numeric column with thousands separators and fixed decimals ('—' when empty)."""
    return {
        "field": field,
        "headerName": header,
        "type": "rightAligned",
        "filter": "agNumberColumnFilter",
        "valueFormatter": {
            "function": f"params.value == null ? '—' : d3.format(',.{decimals}f')(params.value)"
        },
        **extra,
    }


COLUMNS = [
    {
        "field": "user",
        "headerName": "User",
        "minWidth": 130,
        "filter": "agTextColumnFilter",
        "pinned": "left",
    },
    {"field": "user_type", "headerName": "User type", "filter": "agTextColumnFilter", "maxWidth": 120},
    {"field": "status", "headerName": "Status", "filter": "agTextColumnFilter", "maxWidth": 100},
    {"field": "created", "headerName": "Created", "sort": "desc", "minWidth": 140},
    _number("messages", "Messages", maxWidth=115),
    _number("avg_response_ms", "Avg response (ms)"),
    _number("satisfaction", "Rating", maxWidth=100),
    {"field": "resolved", "headerName": "Resolved", "maxWidth": 110},
    {"field": "escalated", "headerName": "Escalated", "maxWidth": 115},
    _number("engagement", "Engagement", 1, maxWidth=130),
]


def build_sessions_card() -> dbc.Card:
    """A sortable, filterable, paginated table of the period's newest sessions."""
    grid = dag.AgGrid(
        id="sessions-grid",
        columnDefs=COLUMNS,
        rowData=[],
        # Sized to the grid's width once, not by flex: with flex columns AG Grid 35 can leave every
        # cell hidden (its delayed-render class never removed) when the width arrives late.
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 90},
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": 15,
            "paginationPageSizeSelector": [15, 50, 100],
            "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
            "localeText": {"noRowsToShow": "No sessions in this period"},
            "animateRows": False,
            "autoSizeStrategy": {"type": "fitGridWidth", "defaultMinWidth": 90},
            # AG Grid's advice for screen readers: every cell in the DOM, in reading order.
            "ensureDomOrder": True,
            "suppressColumnVirtualisation": True,
        },
        style={"height": "560px"},
    )
    header = html.Div(
        [
            html.H2("Recent sessions", className="chart-title"),
            html.Span(id="sessions-caption", className="text-muted small ms-2"),
        ],
        className="d-flex align-items-baseline flex-wrap",
    )
    return dbc.Card(
        [
            dbc.CardHeader(header, className="bg-white border-0 pb-0"),
            # The fingerprint of the rows shown (callbacks.sessions.update_table): unchanged rows are
            # not sent again.
            dbc.CardBody([grid, dcc.Store(id="sessions-grid-key")], className="pt-2"),
        ],
        className="shadow-sm mb-4",
    )


def build_transcript_panel() -> dbc.Offcanvas:
    """The side panel a row click opens; the callback fills its title and body."""
    return dbc.Offcanvas(
        html.Div(id="transcript-body"),
        id="transcript",
        title="Transcript",
        placement="end",
        is_open=False,
        scrollable=True,
        style={"width": "min(560px, 100vw)"},
    )


def build_transcript(header: list, messages: list[dict]) -> list:
    """The panel's content: a summary line, then one bubble per message in order."""
    bubbles = []
    for m in messages:
        sender = m["sender"]
        details = [m["time"]]
        if m["processing_ms"] is not None:
            details.append(f"{m['processing_ms']:,.0f} ms")
        if m["cached"]:
            details.append("cached")
        bubbles.append(
            html.Div(
                [
                    html.Div(
                        [html.Strong(sender.capitalize()), html.Span(" · ".join(details), className="ms-2")],
                        className="small text-muted mb-1",
                    ),
                    html.Div(m["content"], className="transcript-text"),
                ],
                className=f"transcript-message transcript-{sender}",
            )
        )
    if not bubbles:
        bubbles = [html.P("This session has no messages.", className="text-muted")]
    return [html.Div(header, className="small text-muted mb-3"), *bubbles]
