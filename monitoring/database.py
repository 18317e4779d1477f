"""A collector reading the database's totals at scrape time (data.totals), the same from any worker."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from data import totals
from data.errors import describe_db_error

log = logging.getLogger(__name__)


class DatabaseCollector:
    """Open sessions, sessions and messages by type, and AI response times, from `engine`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        """The families, plus `chat_database_up` (0 and no families while the database fails)."""
        try:
            families = self._read()
        except SQLAlchemyError as exc:
            log.warning("metrics scrape without database figures: %s", describe_db_error(exc))
            families = []
        yield GaugeMetricFamily(
            "chat_database_up", "1 when the database answered this scrape.", value=int(bool(families))
        )
        yield from families

    def _read(self) -> list[Metric]:
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # One snapshot for every figure of the scrape.
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            open_now = totals.open_sessions(conn)
            started = totals.sessions_started(conn)
            messages = totals.messages(conn)
            times = totals.response_times(conn)

        open_family = GaugeMetricFamily("chat_sessions_open", "Sessions open now.", labels=["user_type"])
        for user_type, n in open_now.items():
            open_family.add_metric([user_type], n)
        started_family = CounterMetricFamily(
            "chat_sessions_started", "Sessions ever started (from the database).", labels=["user_type"]
        )
        for user_type, n in started.items():
            started_family.add_metric([user_type], n)
        messages_family = CounterMetricFamily(
            "chat_messages",
            "Messages ever recorded (from the database).",
            labels=["user_type", "sender_type"],
        )
        for (user_type, sender), n in messages.items():
            messages_family.add_metric([user_type, sender], n)
        times_family = HistogramMetricFamily(
            "chat_ai_response_time_ms",
            "AI processing time of assistant messages in ms (from the database); bounds are the rollup "
            "histogram's edges, 1.04**k ms, to the microsecond.",
            labels=["user_type"],
        )
        for user_type, t in times.items():
            buckets = [
                (floatToGoString(bound), n)
                for (_, bound), n in zip(totals.RESPONSE_TIME_BOUNDS, t.cumulative, strict=True)
            ]
            times_family.add_metric([user_type], [*buckets, ("+Inf", t.count)], t.sum_ms)
        return [open_family, started_family, messages_family, times_family]
