"""`chat-analytics alerts check` (`python -m alerts.check`): evaluate the alert rules once.

Prints one line per state change and per delivery attempt (nothing when nothing happened, so cron
mails only news); exit 0 also when a delivery failed (it is retried on a later run), 1 when the
database cannot be used.
"""

from __future__ import annotations

import os

import click

from commands.startup import database_url_option, one_line_errors, open_engine


def _reading_line(rule, reading, verdict: str | None) -> str:
    from metrics.catalogue import METRICS
    from metrics.numbers import metric_value

    metric = METRICS[rule.metric]
    expected = (
        f"baseline {metric_value(metric, reading.baseline)}"
        if rule.condition == "anomalous"
        else f"{rule.condition} {metric_value(metric, rule.threshold)}"
    )
    if reading.breached is None:
        status = f"not enough data (sample {reading.sample} < {rule.min_sample} or no figure)"
    else:
        status = {"firing": "would start firing", "recovered": "would recover"}.get(
            verdict or "", f"stays {rule.state}"
        )
    return f"{rule.name}: {metric.label} {metric_value(metric, reading.value)} ({expected}); {status}"


@click.command(help="Evaluate every active alert rule once over its last completed window and notify.")
@click.option("--dry-run", is_flag=True, help="show each rule's figure and verdict; change and send nothing")
@database_url_option
@one_line_errors
def check(dry_run: bool, database_url: str | None) -> None:
    from alerts.check import run_once, would_change
    from config import Config
    from metrics.catalogue import METRICS
    from metrics.numbers import metric_value

    config = Config.from_env()
    engine = open_engine(database_url or config.database_url)
    try:
        run = run_once(engine, config, os.environ, dry_run=dry_run)
    finally:
        engine.dispose()
    if dry_run:
        for rule, reading in run.readings:
            click.echo(_reading_line(rule, reading, would_change(rule, reading)))
        if not run.readings:
            click.echo("no active alert rules")
        for found in run.anomalies:
            metric = found.metric
            click.echo(
                f"unusual: {metric.label} {metric_value(metric, found.value)} in the last hour "
                f"(usual {metric_value(metric, found.band.median)}, range {metric_value(metric, found.band.low)} "
                f"to {metric_value(metric, found.band.high)})"
            )
        return
    if not run.ran:
        click.echo("another alerts check holds the lease; nothing done", err=True)
        return
    for change in run.changes:
        metric = METRICS[change.rule.metric]
        word = "FIRING" if change.change == "firing" else "RECOVERED"
        click.echo(
            f"{word} {change.rule.name}: {metric.label} {metric_value(metric, change.reading.value)}; "
            f"{change.notices} notice(s) queued"
        )
    for outcome in run.outcomes:
        if outcome.error is None:
            click.echo(f"sent {outcome.notice} notice to {outcome.target}")
        else:
            retry = (
                f"retry at {outcome.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
                if outcome.next_attempt_at
                else "given up"
            )
            click.echo(
                f"failed {outcome.notice} notice to {outcome.target} (attempt {outcome.attempt}, {retry}): "
                f"{outcome.error}",
                err=True,
            )


@click.group(help="Alert rules: evaluation for cron.")
def alerts() -> None:
    pass


alerts.add_command(check)
