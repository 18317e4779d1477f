"""KPI cards: a value, its change against the previous period, the sample it stands on, a definition."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from metrics.catalogue import METRICS, Metric

# The period cards, in order: catalogue keys (label, definition and direction come from there).
KPIS: tuple[Metric, ...] = tuple(
    METRICS[key]
    for key in (
        "sessions",
        "messages",
        "avg_response_time",
        "avg_satisfaction",
        "resolution_rate",
        "escalation_rate",
        "avg_engagement",
    )
)


def build_kpi_card(spec: Metric) -> dbc.Card:
    """An empty card for a catalogue metric; the period callback fills `kpi-<key>`."""
    title_id = f"kpi-{spec.key}-title"
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(spec.label, id=title_id, className="text-muted small text-truncate"),
                dbc.Tooltip(spec.definition, target=title_id, placement="bottom"),
                html.Div(build_kpi_value("…", None, ""), id=f"kpi-{spec.key}"),
            ]
        ),
        className="h-100 shadow-sm",
    )


def build_kpi_value(value: str, change: tuple[str, str, str] | None, sample: str) -> list:
    """The card's body: big value, an arrow with the change coloured good/bad, and the sample size.

    `change` is (arrow, text, bootstrap colour) or None when there is nothing to compare with.
    """
    parts = [html.Div(value, className="fs-3 fw-semibold lh-sm kpi-value")]
    if change is not None:
        arrow, text, colour = change
        parts.append(html.Div(f"{arrow} {text}", className=f"small text-{colour} kpi-change"))
    else:
        parts.append(html.Div("no previous data", className="small text-muted kpi-change"))
    parts.append(html.Div(sample, className="small text-muted kpi-sample"))
    return parts


def build_kpi_row(live_card: dbc.Card) -> dcc.Loading:
    """The live card followed by one card per KPI, wrapping on narrow screens."""
    cards = [dbc.Col(live_card, xs=12, sm=6, lg=3, xxl=True)] + [
        dbc.Col(build_kpi_card(spec), xs=6, sm=6, lg=3, xxl=True) for spec in KPIS
    ]
    # Only the period cards show a spinner: the live card's 30 s tick must not flicker the row.
    return dcc.Loading(
        dbc.Row(cards, className="g-3 mb-3"),
        type="dot",
        delay_show=300,
        target_components={f"kpi-{spec.key}": "children" for spec in KPIS},
    )
