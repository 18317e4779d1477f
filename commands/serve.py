"""`chat-analytics serve` (`python app.py`): serve with Flask's server on the configured database."""

from __future__ import annotations

import secrets
from pathlib import Path

import click

from commands.startup import one_line_errors


def dev_secret_key(instance: Path) -> str:
    """The development server's secret key, kept in instance/secret_key so logins survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key)
    return key


@click.command(help="Serve Chat Analytics; creates or upgrades the schema first.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8050, show_default=True)
@click.option("--demo", is_flag=True, help="fill an empty database with demo data and a staff login")
@one_line_errors
def serve(host: str, port: int, demo: bool) -> None:
    from app import create_app
    from config import Config
    from data.demo import prepare_demo
    from web.context import services_of
    from web.paths import DASHBOARD_PATH
    from web.security import BannerlessRequestHandler

    config = Config.from_env()
    if not config.secret_key:
        config = Config.from_env(secret_key=dev_secret_key(Path("instance")))
    app = create_app(config)
    if demo:
        for line in prepare_demo(services_of(app.server).engine):
            click.echo(line)
    click.echo(f"Chat Analytics on http://{host}:{port}{DASHBOARD_PATH}")
    app.run(host=host, port=port, debug=config.debug, request_handler=BannerlessRequestHandler)
