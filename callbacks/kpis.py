"""The KPI cards: headline figures for the period against the previous period of the same length."""

from __future__ import annotations

from dash import Dash, Input, Output, State, no_update
from sqlalchemy.exc import SQLAlchemyError

import metrics
from callbacks.inputs import stored_filters
from callbacks.period import DB_ERROR, load
from data.periods import Period
from layouts.controls import COMPARE_NAMES
from layouts.kpis import KPIS, build_kpi_value
from metrics.change import metric_change
from metrics.compare import Comparison, compare_headlines
from metrics.numbers import arrow, change_text, metric_value, number

DASH = "—"


def _samples(c: metrics.Headline) -> dict[str, str]:
    """The line under each card's value: what the figure stands on."""
    rated, analysed = c.satisfaction.count, c.outcomes.analysed
    closed = f"n = {analysed:,} closed sessions"
    return {
        "sessions": f"{c.sessions.active:,} still open",
        "messages": f"{number(c.messages.per_session, 1, missing=DASH)} per session",
        "p50_response_time": f"p95 {number(c.response_times.p(95), 0, 'ms', DASH)} · n = {c.response_times.count:,} answers",
        "avg_satisfaction": f"n = {rated:,} rated session{'s' if rated != 1 else ''}",
        "resolution_rate": closed,
        "escalation_rate": closed,
        "avg_engagement": closed,
    }


def compared_span(previous: Period) -> str:
    """The previous period as a card names it: `11 Nov 16:15–18 Nov 16:15`, or `1–7 Nov` for days."""
    if previous.first_day is not None and previous.last_day is not None:
        first, last = previous.first_day, previous.last_day
        return f"{first:%d %b}–{last:%d %b}" if first != last else f"{first:%d %b}"
    start = previous.start.astimezone(previous.tz)
    end = previous.end.astimezone(previous.tz)
    if previous.hourly:
        return (
            f"{start:%d %b %H:%M}–{end:%H:%M}"
            if start.date() == end.date()
            else f"{start:%d %b %H:%M}–{end:%d %b %H:%M}"
        )
    return f"{start:%d %b}–{end:%d %b}"


def _other(metric, comparison: Comparison, name: str) -> tuple[str, str, str]:
    """The compared segment's line on a card: `providers: 2,814 ms`, and the difference in points
    for rates, else in percent of the compared value."""
    difference = change_text(comparison.difference(metric), missing=DASH)
    unit = "percentage points" if metric.rate else f"percent of {name}'s value"
    return (
        f"{name}: {metric_value(metric, metric.of(comparison.other), DASH)}",
        f"difference {difference}",
        f"This segment minus {name}, in {unit}",
    )


def kpi_cards(
    current: metrics.Headline,
    previous: metrics.Headline,
    before: str = "previous",
    comparison: Comparison | None = None,
    other_name: str = "",
) -> list:
    """Children of each KPI card in the order of layouts.kpis.KPIS; `before` names the compared span;
    `comparison` holds the compared segment's headline (named `other_name`), when there is one."""
    had = previous.sessions.total > 0 or previous.messages.total > 0
    samples = _samples(current)
    cards = []
    for metric in KPIS:
        now = metric.of(current)
        moved = metric_change(metric, now, metric.of(previous)) if had else None
        shown = None
        if moved is not None and moved.shown is not None:
            colour = {"good": "success", "bad": "danger"}.get(moved.tone, "muted")
            shown = (arrow(moved), f"{change_text(moved, signed=False)} vs {before}", colour)
        compared = f"compared with {before}"
        beside = _other(metric, comparison, other_name) if comparison is not None else None
        cards.append(
            build_kpi_value(metric_value(metric, now, DASH), shown, samples[metric.key], compared, beside)
        )
    return cards


def update_kpis(
    stored: dict | None, notice_open: bool | None = None, error_open: bool | None = None
) -> tuple:
    """KPI cards plus the period notice (empty period) and the error banner; a notice or banner
    that is closed (`notice_open`, `error_open` False) and stays closed is left as it is."""
    filters = stored_filters(stored)
    compared = filters.comparison()

    def figures(conn, period) -> tuple:
        both = compare_headlines(conn, period, filters.segment, compared.segment) if compared else None
        current = both.current if both else metrics.headline(conn, period, filters.segment)
        previous = metrics.headline(conn, period.previous(), filters.segment)
        return current, previous, compared_span(period.previous()), both

    try:
        current, previous, before, comparison = load("headline", filters, figures)
    except SQLAlchemyError:
        return (*[build_kpi_value("—", None, "unavailable") for _ in KPIS], "", False, DB_ERROR, True)
    empty = current.sessions.total == 0 and current.messages.total == 0
    notice = "No sessions in this period. Pick a longer period or another user type." if empty else ""
    name = COMPARE_NAMES.get(filters.compare or "", "")
    cards = kpi_cards(current, previous, before, comparison, name)
    shown_notice = (no_update, no_update) if notice_open is False and not empty else (notice, empty)
    shown_error = (no_update, no_update) if error_open is False else ("", False)
    return (*cards, *shown_notice, *shown_error)


def register(app: Dash) -> None:
    """Attach the KPI callback to `app`: it runs when the filters change, never on the live tick."""
    app.callback(
        *(Output(f"kpi-{spec.key}", "children") for spec in KPIS),
        Output("period-alert", "children"),
        Output("period-alert", "is_open"),
        Output("db-error", "children", allow_duplicate=True),
        Output("db-error", "is_open", allow_duplicate=True),
        Input("filters", "data"),
        State("period-alert", "is_open"),
        State("db-error", "is_open"),
        prevent_initial_call=True,
    )(update_kpis)
