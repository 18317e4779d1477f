"""The KPI cards: headline figures for the period against the previous period of the same length."""

from __future__ import annotations

from dash import Dash, Input, Output
from sqlalchemy.exc import SQLAlchemyError

from callbacks.inputs import stored_filters
from callbacks.period import DB_ERROR, load
from data import metrics
from layouts.kpis import KPIS, build_kpi_value


def _change(now: float | None, before: float | None, higher_is_better: bool, points: bool = False):
    """(arrow, text, colour) comparing two values, or None when the previous one is missing or zero."""
    if now is None or before is None or (not points and before == 0):
        return None
    delta = now - before
    size = abs(delta) if points else abs(delta) / abs(before) * 100
    text = f"{size:.1f} pp" if points else f"{size:.1f}%"
    if round(size, 1) == 0:
        return ("→", f"{text} vs previous", "muted")
    good = (delta > 0) == higher_is_better
    return ("▲" if delta > 0 else "▼", f"{text} vs previous", "success" if good else "danger")


def _fmt(value: float | None, pattern: str) -> str:
    return "—" if value is None else pattern.format(value)


def kpi_cards(current: metrics.Headline, previous: metrics.Headline) -> list:
    """Children of each KPI card in the order of layouts.kpis.KPIS."""
    had = previous.sessions.total > 0 or previous.messages.total > 0
    better = {spec.key: spec.higher_is_better for spec in KPIS}

    def change(key, now, before, points=False):
        return _change(now, before, better[key], points) if had else None

    c, p = current, previous
    rated = c.satisfaction.count
    analysed = c.outcomes.analysed
    p95 = c.response_times.p(95)
    return [
        build_kpi_value(
            f"{c.sessions.total:,}",
            change("sessions", c.sessions.total, p.sessions.total),
            f"{c.sessions.active:,} still open",
        ),
        build_kpi_value(
            f"{c.messages.total:,}",
            change("messages", c.messages.total, p.messages.total),
            f"{_fmt(c.messages.per_session, '{:.1f}')} per session",
        ),
        build_kpi_value(
            _fmt(c.response_times.average, "{:,.0f} ms"),
            change("response", c.response_times.average, p.response_times.average),
            f"p95 {_fmt(p95, '{:,.0f} ms')} · n = {c.response_times.count:,} answers",
        ),
        build_kpi_value(
            _fmt(c.satisfaction.average, "{:.2f} / 5"),
            change("satisfaction", c.satisfaction.average, p.satisfaction.average),
            f"n = {rated:,} rated session{'s' if rated != 1 else ''}",
        ),
        build_kpi_value(
            _fmt(c.outcomes.resolution_rate, "{:.1f}%"),
            change("resolution", c.outcomes.resolution_rate, p.outcomes.resolution_rate, points=True),
            f"n = {analysed:,} closed sessions",
        ),
        build_kpi_value(
            _fmt(c.outcomes.escalation_rate, "{:.1f}%"),
            change("escalation", c.outcomes.escalation_rate, p.outcomes.escalation_rate, points=True),
            f"n = {analysed:,} closed sessions",
        ),
        build_kpi_value(
            _fmt(c.outcomes.average_engagement, "{:.1f}"),
            change("engagement", c.outcomes.average_engagement, p.outcomes.average_engagement),
            f"n = {analysed:,} closed sessions",
        ),
    ]


def update_kpis(stored: dict | None) -> tuple:
    """KPI cards plus the period notice (empty period) and the error banner."""
    filters = stored_filters(stored)
    try:
        current, previous = load(
            "headline",
            filters,
            lambda conn, period: (
                metrics.headline(conn, period, filters.user_type),
                metrics.headline(conn, period.previous(), filters.user_type),
            ),
        )
    except SQLAlchemyError:
        return (*[build_kpi_value("—", None, "unavailable") for _ in KPIS], "", False, DB_ERROR, True)
    empty = current.sessions.total == 0 and current.messages.total == 0
    notice = "No sessions in this period. Pick a longer period or another user type." if empty else ""
    return (*kpi_cards(current, previous), notice, empty, "", False)


def register(app: Dash) -> None:
    """Attach the KPI callback to `app`: it runs when the filters change, never on the live tick."""
    app.callback(
        *(Output(f"kpi-{spec.key}", "children") for spec in KPIS),
        Output("period-alert", "children"),
        Output("period-alert", "is_open"),
        Output("db-error", "children", allow_duplicate=True),
        Output("db-error", "is_open", allow_duplicate=True),
        Input("filters", "data"),
        prevent_initial_call=True,
    )(update_kpis)
