"""Where request handlers and callbacks find the app's engine and settings (one set per app)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import Engine

from config import Config
from data.db import reading
from web.cache import FigureCache

EXTENSION_KEY = "chat_analytics"


@dataclass(frozen=True)
class Services:
    """The per-app objects every handler needs; built once by `create_app`."""

    config: Config
    engine: Engine
    cache: FigureCache | None = None
    reader: Engine | None = None  # the engine for requests that only read (data.db.reading)

    def __post_init__(self) -> None:
        if self.reader is None:
            object.__setattr__(self, "reader", reading(self.engine))


def install(server: Flask, services: Services) -> None:
    """Attach `services` to a Flask app so that its handlers can reach them."""
    server.extensions[EXTENSION_KEY] = services


def services_of(server: Flask) -> Services:
    """The services installed on `server`."""
    return server.extensions[EXTENSION_KEY]


def services() -> Services:
    """The services of the app handling the current request."""
    return services_of(current_app)
