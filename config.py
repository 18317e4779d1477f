"""Application settings, read from the environment (and a `.env` file when present)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DATABASE_URL = "sqlite:///instance/chat_analytics.db"


class ConfigError(ValueError):
    """A setting has a value the application cannot use."""


@dataclass(frozen=True)
class Config:
    """Everything `create_app` and the command lines need to know about their surroundings."""

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None
    display_timezone: str = "UTC"
    ingest_tokens: tuple[str, ...] = field(default_factory=tuple)
    live_interval_ms: int = 30_000
    debug: bool = False
    testing: bool = False

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.display_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"DISPLAY_TIMEZONE {self.display_timezone!r} is not an IANA time zone") from exc
        if self.live_interval_ms < 100:
            raise ConfigError("LIVE_INTERVAL_MS must be at least 100")

    @property
    def tz(self) -> ZoneInfo:
        """The display time zone as a tzinfo."""
        return ZoneInfo(self.display_timezone)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Config:
        """Build a Config from environment variables; keyword overrides win over the environment."""
        if env is None:
            _load_dotenv()
            env = dict(os.environ)
        tokens = tuple(t.strip() for t in env.get("INGEST_TOKENS", "").split(",") if t.strip())
        try:
            interval = int(env.get("LIVE_INTERVAL_MS", "30000"))
        except ValueError as exc:
            raise ConfigError("LIVE_INTERVAL_MS must be a whole number of milliseconds") from exc
        config = cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            secret_key=env.get("SECRET_KEY") or None,
            display_timezone=env.get("DISPLAY_TIMEZONE") or "UTC",
            ingest_tokens=tokens,
            live_interval_ms=interval,
            debug=env.get("DEBUG", "").lower() in {"1", "true", "yes", "on"},
        )
        return replace(config, **overrides) if overrides else config


def _load_dotenv() -> None:
    # Imported lazily so that tests building a Config by hand never read a developer's .env.
    from dotenv import load_dotenv

    load_dotenv(override=False)
