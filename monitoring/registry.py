"""What one scrape reports: this process's (or, in multi-process mode, every worker's) instruments
plus the database's totals."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, values
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine

from monitoring.database import DatabaseCollector


def multiprocess_mode() -> bool:
    """True when prometheus_client writes values to files (PROMETHEUS_MULTIPROC_DIR was set at import)."""
    return values.ValueClass is not values.MutexValue


class _ThisProcess:
    """The default registry's metrics: the instruments, plus process and Python figures."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def scrape_registry(engine: Engine) -> CollectorRegistry:
    """A registry for one scrape; with PROMETHEUS_MULTIPROC_DIR set, the workers' files summed."""
    registry = CollectorRegistry()
    if multiprocess_mode():
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseCollector(engine))
    return registry
