"""KPI cards: a value, its change against a named previous period, the sample it stands on, and a
definition behind an info button (keyboard and touch reach it, not only a hover)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from metrics.catalogue import METRICS, Metric

# The period cards, in order: catalogue keys (label, definition and direction come from there).
# Response time is read as percentiles throughout (card and chart): the median, with p95 below.
KPIS: tuple[Metric, ...] = tuple(
    METRICS[key]
    for key in (
        "sessions",
        "messages",
        "p50_response_time",
        "avg_satisfaction",
        "resolution_rate",
        "escalation_rate",
        "avg_engagement",
    )
)


def info_button(key: str, label: str, definition: str) -> list:
    """A small (i) button that opens the definition on click, tap or keyboard."""
    button_id = f"{key}-info"
    return [
        html.Button(
            "i",
            id=button_id,
            type="button",
            className="info-button ms-1",
            **{"aria-label": f"What is {label}?"},
        ),
        dbc.Popover(definition, target=button_id, body=True, trigger="legacy", placement="bottom"),
    ]


def build_kpi_card(spec: Metric) -> dbc.Card:
    """A card for a catalogue metric showing a skeleton until the period callback fills `kpi-<key>`."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.H2(spec.label, className="kpi-title"),
                        *info_button(f"kpi-{spec.key}", spec.label, spec.definition),
                    ],
                    className="d-flex align-items-center",
                ),
                html.Div(build_kpi_skeleton(), id=f"kpi-{spec.key}", className="kpi-body"),
            ]
        ),
        className="h-100 shadow-sm kpi-card",
    )


def build_kpi_skeleton() -> list:
    """What a card shows before its first figures arrive: grey bars, not a misleading word."""
    return [
        html.Div(className="skeleton skeleton-value", **{"aria-hidden": "true"}),
        html.Div(className="skeleton skeleton-line", **{"aria-hidden": "true"}),
        html.Span("Loading…", className="visually-hidden"),
    ]


def build_kpi_value(
    value: str,
    change: tuple[str, str, str] | None,
    sample: str,
    compared: str = "",
    other: tuple[str, str, str] | None = None,
) -> list:
    """The card's body: big value, the compared segment's value and the difference when there is
    one, an arrow with the change coloured good/bad against the named previous period, and the
    sample size. `change` is (arrow, text, bootstrap colour); `other` (value line, difference, title)."""
    parts = [html.Div(value, className="kpi-value")]
    if other is not None:
        line, difference, title = other
        parts.append(
            html.Div(
                [html.Span(line, className="kpi-other-value"), html.Span(f" · {difference}")],
                className="small kpi-other",
                title=title,
            )
        )
    if change is not None:
        arrow, text, colour = change
        parts.append(html.Div(f"{arrow} {text}", className=f"small text-{colour} kpi-change", title=compared))
    else:
        parts.append(html.Div("no previous data", className="small text-muted kpi-change"))
    parts.append(html.Div(sample, className="small text-muted kpi-sample"))
    return parts


def build_kpi_row(live_card: dbc.Card) -> dbc.Row:
    """The live card and one card per KPI: four to a row on a laptop, two on a phone. No spinner
    covers them: a card being recomputed keeps its figures, dimmed (see dashboard.css)."""
    cards = [dbc.Col(live_card, xs=12, sm=6, lg=3)] + [
        dbc.Col(build_kpi_card(spec), xs=6, sm=6, lg=3) for spec in KPIS
    ]
    return dbc.Row(cards, className="g-2 g-md-3 mb-3", id="kpi-row")
