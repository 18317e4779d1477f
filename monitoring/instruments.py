"""The counters and histograms this process updates (summed over workers in multi-process mode).

prometheus_client chooses its storage when it is imported: with PROMETHEUS_MULTIPROC_DIR set, each
worker writes its values to files there and a scrape of any worker adds them all up.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram, disable_created_metrics

# No `_created` series beside each counter (multi-process mode has none either): one shape everywhere.
disable_created_metrics()

INGEST_BATCHES = Counter("chat_ingest_batches", "Event batches written by POST /api/v1/events.")
INGEST_EVENTS = Counter(
    "chat_ingest_events",
    "Events of written batches: accepted (new) or duplicate (an event id seen before).",
    ["result"],
)
INGEST_REJECTIONS = Counter(
    "chat_ingest_rejections",
    "Ingestion requests refused: unauthorized, too_large, malformed (body) or invalid_events.",
    ["reason"],
)
EXPORTED_ROWS = Counter("chat_export_rows", "Rows streamed by the exports.", ["kind", "format"])
REQUEST_SECONDS = Histogram(
    "chat_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response body, by route rule (not path).",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

for result in ("accepted", "duplicate"):
    INGEST_EVENTS.labels(result)
for reason in ("unauthorized", "too_large", "malformed", "invalid_events"):
    INGEST_REJECTIONS.labels(reason)


def ingest_written(accepted: int, duplicates: int) -> None:
    """A batch was written: count it and its events."""
    INGEST_BATCHES.inc()
    INGEST_EVENTS.labels("accepted").inc(accepted)
    INGEST_EVENTS.labels("duplicate").inc(duplicates)


def ingest_refused(reason: str) -> None:
    """An ingestion request was refused for `reason` (one of the four above)."""
    INGEST_REJECTIONS.labels(reason).inc()


def rows_exported(kind: str, fmt: str, rows: int) -> None:
    """`rows` more rows of a `kind` export were streamed as `fmt`."""
    if rows:
        EXPORTED_ROWS.labels(kind, fmt).inc(rows)
