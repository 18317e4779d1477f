"""Dash callbacks: translate UI events into data-layer calls and figures."""

from __future__ import annotations

from dash import Dash

from callbacks import charts, filters, kpis, live, sessions, views


def register_callbacks(app: Dash) -> None:
    """Attach every callback of the dashboard to `app` (per app, never global)."""
    for module in (filters, live, kpis, charts, sessions, views):
        module.register(app)
