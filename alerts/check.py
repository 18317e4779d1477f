"""`python -m alerts.check [--dry-run]`: evaluate every active rule once and send the notices owed
(the `chat-analytics alerts check` command; cron runs it every minute)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from alerts import lease
from alerts.anomalies import Anomaly, detect
from alerts.deliveries import Outcome, Sender, send_due, sender
from alerts.evaluate import Change, Reading, apply, read
from alerts.rules import Rule, list_rules
from config import Config


@dataclass
class Run:
    """What one evaluation did (or, in a dry run, would do)."""

    ran: bool = True  # False: another evaluator held the lease
    readings: list[tuple[Rule, Reading]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)  # the detector's list (dry runs)


def would_change(rule: Rule, reading: Reading) -> str | None:
    """The change a reading would make to the rule's stored state (for --dry-run)."""
    if reading.breached is True and rule.state == "ok":
        return "firing"
    if reading.breached is False and rule.state == "firing":
        return "recovered"
    return None


def run_once(
    engine: Engine,
    config: Config,
    env: Mapping[str, str],
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    send: Sender | None = None,
) -> Run:
    """Evaluate every active rule over its last completed window and send what is due, holding the
    evaluator lease throughout (without it, nothing is done). A dry run reads only: no lease, no
    state change, no notice; it also lists what the anomaly detector finds."""
    now = now or datetime.now(UTC)
    run = Run()
    if dry_run:
        with engine.connect() as conn:
            for rule in list_rules(conn, active_only=True):
                run.readings.append((rule, read(conn, rule, now, config.tz)))
            run.anomalies = detect(conn, now, config.tz)
        return run
    holder = lease.new_holder()
    if not lease.acquire(engine, holder, now=now):
        run.ran = False
        return run
    try:
        with engine.connect() as conn:
            rules = list_rules(conn, active_only=True)
        for rule in rules:
            with engine.connect() as conn:
                reading = read(conn, rule, now, config.tz)
            run.readings.append((rule, reading))
            change = apply(engine, rule, reading, now)
            if change is not None:
                run.changes.append(change)
        send = send or sender(env, config.alerts_allow_private_webhooks)
        run.outcomes = send_due(engine, send, config.tz, config.public_url, now)
    finally:
        lease.release(engine, holder)
    return run


def main(argv: list[str] | None = None) -> int:
    """`python -m alerts.check`: the `chat-analytics alerts check` command; returns the exit code."""
    from commands.alerts import check
    from commands.startup import invoke

    return invoke(check, argv, "python -m alerts.check")


if __name__ == "__main__":
    sys.exit(main())
