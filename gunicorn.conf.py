"""gunicorn's settings file, read by `gunicorn app:server` started in this folder (or `-c` it).

Prometheus multi-process mode: with PROMETHEUS_MULTIPROC_DIR set, every worker writes its metric
values to files there and a scrape of any worker sums them. The folder is created and emptied of
the previous run's files at start; a worker that exits is marked dead (its live gauges dropped,
its counters kept, so totals never go back).
"""

import glob
import os

_PATTERNS = ("counter_*.db", "gauge_*.db", "histogram_*.db", "summary_*.db")


def on_starting(server):
    """Create PROMETHEUS_MULTIPROC_DIR, and remove the metric files a previous run left there."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return
    os.makedirs(path, exist_ok=True)
    for pattern in _PATTERNS:
        for name in glob.glob(os.path.join(path, pattern)):
            os.remove(name)


def child_exit(server, worker):
    """A worker has exited: tell prometheus_client (multi-process mode only)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
