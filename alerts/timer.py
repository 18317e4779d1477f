"""The optional in-app evaluator (ALERTS_INTERVAL_S > 0): a daemon thread running the same check as
cron. Every worker may run one; the database lease lets one evaluate at a time."""

from __future__ import annotations

import logging
import os
import threading

from sqlalchemy import Engine

from config import Config

log = logging.getLogger(__name__)


def start_timer(engine: Engine, config: Config) -> threading.Event | None:
    """Start checking every ALERTS_INTERVAL_S seconds; return the event that stops it (None when off)."""
    if config.alerts_interval_s <= 0:
        return None
    from alerts.check import run_once

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(config.alerts_interval_s):
            try:
                run_once(engine, config, os.environ)
            except Exception:  # a failed run (database down, say) must not end the timer
                log.exception("alerts check failed; retrying in %s s", config.alerts_interval_s)

    threading.Thread(target=loop, name="alerts-timer", daemon=True).start()
    return stop
