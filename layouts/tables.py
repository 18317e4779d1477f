"""A chart's data as a small table: the text alternative behind each chart's disclosure."""

from __future__ import annotations

from dash import html

MAX_ROWS = 200


def data_table(header: list[str], rows: list[list[str]]) -> html.Table | html.P:
    """A compact, scrollable table of already formatted cells (first column a row header)."""
    if not rows:
        return html.P("No data in this period.", className="small text-muted mb-0")
    body = [
        html.Tr([html.Th(r[0], scope="row"), *(html.Td(c, className="text-end") for c in r[1:])])
        for r in rows[:MAX_ROWS]
    ]
    return html.Div(
        html.Table(
            [html.Thead(html.Tr([html.Th(h, scope="col") for h in header])), html.Tbody(body)],
            className="table table-sm small mb-0",
        ),
        className="chart-data",
    )
