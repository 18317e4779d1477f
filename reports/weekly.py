"""`python -m reports.weekly`: the weekly report for people and for cron (the `chat-analytics report`
command, commands.report)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    from commands.report import report
    from commands.startup import invoke

    return invoke(report, argv, "python -m reports.weekly")


if __name__ == "__main__":
    sys.exit(main())
