"""`python -m bench.detector`: does the anomaly detector find injected incidents, and how often does
it flag something on data where nothing happened?

For each `--seeds` value two scratch SQLite databases get the same `--sessions` seeded sessions
over `--days` days ending at NOW (a Monday midnight): one with `--incidents` incidents injected at
known times (data/incidents.py: response times x3 for 2 hours, sessions -60% for 3 hours,
escalations x4 for 1 hour), one without. The detector (alerts.anomalies.detect) is replayed hour
by hour over the days after the first 6 weeks (its baseline), one minute past each hour as cron
would run it. An incident is found when one of its metrics is flagged in a window that overlaps it
and ends within two windows of its start. A false alarm is a metric flagged where nothing was
injected; consecutive hours flagged for the same metric count once (an *anomalous* rule notifies
once); counted per simulated week on the clean data, and on the incident data outside the
incidents and the hour after each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.saved import save
from data.incidents import BASELINE_DAYS, ESCALATIONS, FEWER_SESSIONS, SLOW_ANSWERS, Incident

NOW = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday midnight: the seeded days are whole UTC days
HOUR = timedelta(hours=1)
CRON_LAG = timedelta(minutes=1)  # the run that first sees a completed hour
WITHIN = 2  # evaluation windows from an incident's start in which it must be flagged
# The metrics that show each kind of incident (flagging another one does not count as finding it).
SHOWN_BY = {
    SLOW_ANSWERS.name: {"avg_response_time", "p95_response_time"},
    FEWER_SESSIONS.name: {"sessions", "messages"},
    ESCALATIONS.name: {"escalation_rate"},
}

Flags = dict[datetime, set[str]]  # window start -> metrics flagged in that window


@dataclass(frozen=True)
class Scores:
    """One seed's figures."""

    seed: int
    incidents: list[dict]
    found: int
    weeks: float
    false_alarms_clean: int
    false_alarms_outside: int
    detect_ms: float


def seeded(url: str, sessions: int, days: int, seed: int, incidents: int) -> tuple[Incident, ...]:
    """Seed a fresh database at `url`; the incidents injected."""
    from data.db import create_engine, upgrade_schema
    from data.seed import generate

    engine = create_engine(url)
    upgrade_schema(engine)
    summary = generate(
        engine, sessions=sessions, days=days, active=0, seed=seed, now=NOW, incidents=incidents
    )
    engine.dispose()
    return summary.incidents


def replay(url: str, first: datetime, last: datetime) -> tuple[Flags, float]:
    """The detector's verdict on every hour from `first` to `last`, as cron would see it, and the
    mean milliseconds per run."""
    from alerts.anomalies import detect
    from data.db import create_engine

    engine = create_engine(url)
    flags: Flags = {}
    began = time.perf_counter()
    with engine.connect() as conn:
        hour = first
        while hour + HOUR <= last:
            flags[hour] = {a.metric.key for a in detect(conn, hour + HOUR + CRON_LAG, UTC)}
            hour += HOUR
    engine.dispose()
    return flags, 1000 * (time.perf_counter() - began) / max(len(flags), 1)


def found(incident: Incident, flags: Flags) -> bool:
    """Whether one of the incident's metrics is flagged in a window overlapping it within WITHIN windows."""
    windows = [incident.start + k * HOUR for k in range(WITHIN)]
    return any(flags.get(w, set()) & SHOWN_BY[incident.kind.name] for w in windows if w < incident.end)


def alarms(flags: Flags, excluded: Callable[[datetime], bool] = lambda hour: False) -> int:
    """Episodes flagged outside the excluded hours: a metric flagged over consecutive hours counts once."""
    count, before = 0, set()
    for hour in sorted(flags):
        now = set() if excluded(hour) else flags[hour]
        count += len(now - before)
        before = now
    return count


def near(incidents: tuple[Incident, ...]) -> Callable[[datetime], bool]:
    """True for an hour overlapping an incident or the hour after it (late answers, closings)."""
    return lambda hour: any(i.start - HOUR < hour < i.end + HOUR for i in incidents)


def score(folder: Path, sessions: int, days: int, seed: int, incidents: int) -> Scores:
    """Seed both databases in `folder` (kept there), replay the detector on each, count."""
    first = NOW - timedelta(days=days - BASELINE_DAYS)
    with_url = f"sqlite:///{folder / f'incidents-{seed}.db'}"
    clean_url = f"sqlite:///{folder / f'clean-{seed}.db'}"
    injected = seeded(with_url, sessions, days, seed, incidents)
    seeded(clean_url, sessions, days, seed, 0)
    with_flags, ms = replay(with_url, first, NOW)
    clean_flags, _ = replay(clean_url, first, NOW)
    return Scores(
        seed=seed,
        incidents=[
            {"kind": i.kind.name, "start": i.start.isoformat(), "found": found(i, with_flags)}
            for i in injected
        ],
        found=sum(found(i, with_flags) for i in injected),
        weeks=len(clean_flags) / 168,
        false_alarms_clean=alarms(clean_flags),
        false_alarms_outside=alarms(with_flags, near(injected)),
        detect_ms=ms,
    )


def main(argv: list[str] | None = None) -> int:
    """Seed, replay and print one line per seed and the totals; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bench.detector", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=60_000)
    parser.add_argument("--days", type=int, default=70, help="history; the last DAYS - 42 are evaluated")
    parser.add_argument("--incidents", type=int, default=12, help="incidents per seed")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--keep", type=Path, help="keep the seeded databases in this folder")
    parser.add_argument("--output", type=Path, help="JSON results (default bench/results/detector-...json)")
    args = parser.parse_args(argv)
    if args.days <= BASELINE_DAYS:
        parser.error(f"--days must exceed {BASELINE_DAYS}: the detector needs 6 weeks of history")
    seeds = [int(s) for s in args.seeds.split(",")]
    print(
        f"{args.sessions:,} sessions over {args.days} days per seed, {args.incidents} incidents; "
        f"the detector replayed hourly over the last {args.days - BASELINE_DAYS} days"
    )
    print(
        f"{'seed':>4}{'found':>9}{'recall':>8}{'weeks':>7}{'false/wk clean':>16}{'outside':>9}{'ms/run':>8}"
    )
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for seed in seeds:
            s = score(folder, args.sessions, args.days, seed, args.incidents)
            results.append(s)
            n = len(s.incidents)
            print(
                f"{seed:>4}{s.found:>5}/{n:<3}{s.found / max(n, 1):>8.0%}{s.weeks:>7.1f}"
                f"{s.false_alarms_clean / s.weeks:>16.2f}{s.false_alarms_outside / s.weeks:>9.2f}{s.detect_ms:>8.0f}"
            )
            for i in s.incidents:
                if not i["found"]:
                    print(f"      missed: {i['kind']} at {i['start']}")
    incidents = sum(len(s.incidents) for s in results)
    weeks = sum(s.weeks for s in results)
    totals = {
        "incidents": incidents,
        "found": sum(s.found for s in results),
        "recall": sum(s.found for s in results) / max(incidents, 1),
        "weeks": weeks,
        "false_alarms_per_week_clean": sum(s.false_alarms_clean for s in results) / weeks,
        "false_alarms_per_week_outside_incidents": sum(s.false_alarms_outside for s in results) / weeks,
    }
    print(
        f" all{totals['found']:>5}/{incidents:<3}{totals['recall']:>8.0%}{weeks:>7.1f}"
        f"{totals['false_alarms_per_week_clean']:>16.2f}{totals['false_alarms_per_week_outside_incidents']:>9.2f}"
    )
    config = {"sessions": args.sessions, "days": args.days, "incidents": args.incidents, "seeds": seeds}
    result = {"config": config, "totals": totals, "seeds": [s.__dict__ for s in results]}
    save(result, args.output, f"detector-{args.sessions}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
