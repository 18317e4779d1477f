"""`chat-analytics`: every command in one place (declared in pyproject.toml as a console script)."""

from __future__ import annotations

import sys

import click

from commands.accounts import users
from commands.alerts import alerts
from commands.audit_trail import audit
from commands.dataset import rollups, seed
from commands.report import report
from commands.retention import retention
from commands.serve import serve
from commands.startup import invoke


@click.group(help="Chat Analytics: serve the dashboard and run its jobs.")
def cli() -> None:
    pass


for command in (serve, seed, users, rollups, retention, audit, report, alerts):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """The console script's entry point; returns the exit code."""
    return invoke(cli, argv, "chat-analytics")


if __name__ == "__main__":
    sys.exit(main())
