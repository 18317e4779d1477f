"""Shared by the period callbacks: resolve the filters, run a data-layer query, cache the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection

from data.periods import Period
from metrics.filters import Filters
from web.cache import cached
from web.context import services

T = TypeVar("T")
DB_ERROR = "The database is not answering; figures will refresh by themselves when it is back."


def load(name: str, filters: Filters, compute: Callable[[Connection, Period], T]) -> T:
    """`compute(conn, period)` for the filters' period, cached briefly per filter set and zone."""
    ctx = services()
    period = filters.period(ctx.config.tz)

    def run() -> T:
        with ctx.reader.connect() as conn:
            return compute(conn, period)

    key = (filters, ctx.config.display_timezone)
    return cached(ctx.cache, name, key, run) if ctx.cache is not None else run()
