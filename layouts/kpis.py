"""KPI cards: a value, its change against the previous period, the sample it stands on, a definition."""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import dcc, html


@dataclass(frozen=True)
class KpiSpec:
    """What a card shows and how to read its change."""

    key: str
    title: str
    definition: str
    higher_is_better: bool


KPIS = (
    KpiSpec("sessions", "Sessions", "Chat sessions created in the period.", True),
    KpiSpec("messages", "Messages", "Messages sent in the period (user, assistant and system).", True),
    KpiSpec(
        "response",
        "Avg response time",
        "Mean AI processing time of assistant messages sent in the period; p95 is the 95th percentile.",
        False,
    ),
    KpiSpec(
        "satisfaction",
        "Avg satisfaction",
        "Mean 1-5 rating of sessions created in the period that have a rating.",
        True,
    ),
    KpiSpec(
        "resolution",
        "Resolution rate",
        "Share of the period's sessions with an analytics row (closed) that were resolved.",
        True,
    ),
    KpiSpec(
        "escalation",
        "Escalation rate",
        "Share of the period's sessions with an analytics row (closed) that were escalated to a human.",
        False,
    ),
    KpiSpec(
        "engagement",
        "Avg engagement",
        "Mean engagement score (0-100) of the period's closed sessions: user messages, actions, "
        "topics and duration, each capped (40/25/15/20 points).",
        True,
    ),
)


def build_kpi_card(spec: KpiSpec) -> dbc.Card:
    """An empty card for `spec`; the period callback fills `kpi-<key>`."""
    title_id = f"kpi-{spec.key}-title"
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(spec.title, id=title_id, className="text-muted small text-truncate"),
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
