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
    metrics_tokens: tuple[str, ...] = field(default_factory=tuple)
    live_interval_ms: int = 30_000
    cache_seconds: int = 60
    login_rate: str = "10/minute"
    ratelimit_storage_uri: str | None = None
    redis_url: str | None = None
    redis_key_prefix: str = "chat-analytics:"
    session_idle_minutes: int = 480
    session_max_hours: int = 12
    secure_cookies: bool = False
    proxy_fix: bool = False
    public_url: str = "http://localhost:8050"
    alerts_interval_s: int = 0
    alerts_allow_private_webhooks: bool = False
    debug: bool = False
    testing: bool = False

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.display_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"DISPLAY_TIMEZONE {self.display_timezone!r} is not an IANA time zone") from exc
        if self.live_interval_ms < 100:
            raise ConfigError("LIVE_INTERVAL_MS must be at least 100")
        if self.cache_seconds < 0:
            raise ConfigError("CACHE_SECONDS must not be negative")
        if self.alerts_interval_s < 0:
            raise ConfigError("ALERTS_INTERVAL_S must not be negative (0 turns the in-app timer off)")
        if not self.public_url.startswith(("http://", "https://")):
            raise ConfigError("PUBLIC_URL must start with http:// or https://")
        if not self.redis_key_prefix:
            raise ConfigError("REDIS_KEY_PREFIX must not be empty")

    @property
    def tz(self) -> ZoneInfo:
        """The display time zone as a tzinfo."""
        return ZoneInfo(self.display_timezone)

    @property
    def login_limits_storage(self) -> str:
        """Where the login limits count: RATELIMIT_STORAGE_URI, else REDIS_URL, else this process."""
        return self.ratelimit_storage_uri or self.redis_url or "memory://"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Config:
        """Build a Config from environment variables; keyword overrides win over the environment."""
        if env is None:
            _load_dotenv()
            env = dict(os.environ)
        tokens = tuple(t.strip() for t in env.get("INGEST_TOKENS", "").split(",") if t.strip())
        interval = _whole_number(env, "LIVE_INTERVAL_MS", 30_000)
        cache_seconds = _whole_number(env, "CACHE_SECONDS", 60)
        config = cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            secret_key=env.get("SECRET_KEY") or None,
            display_timezone=env.get("DISPLAY_TIMEZONE") or "UTC",
            ingest_tokens=tokens,
            metrics_tokens=_tokens(env, "METRICS_TOKENS"),
            live_interval_ms=interval,
            cache_seconds=cache_seconds,
            login_rate=env.get("LOGIN_RATE_LIMIT") or "10/minute",
            ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI") or None,
            redis_url=env.get("REDIS_URL") or None,
            redis_key_prefix=env.get("REDIS_KEY_PREFIX") or "chat-analytics:",
            session_idle_minutes=_whole_number(env, "SESSION_IDLE_MINUTES", 480),
            session_max_hours=_whole_number(env, "SESSION_MAX_HOURS", 12),
            secure_cookies=_flag(env, "SESSION_COOKIE_SECURE"),
            proxy_fix=_flag(env, "PROXY_FIX"),
            public_url=(env.get("PUBLIC_URL") or "http://localhost:8050").rstrip("/"),
            alerts_interval_s=_whole_number(env, "ALERTS_INTERVAL_S", 0),
            alerts_allow_private_webhooks=_flag(env, "ALERTS_ALLOW_PRIVATE_WEBHOOKS"),
            debug=_flag(env, "DEBUG"),
        )
        return replace(config, **overrides) if overrides else config


def _tokens(env: dict[str, str], name: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in env.get(name, "").split(",") if t.strip())


def _flag(env: dict[str, str], name: str) -> bool:
    return env.get(name, "").lower() in {"1", "true", "yes", "on"}


def _whole_number(env: dict[str, str], name: str, default: int) -> int:
    try:
        return int(env.get(name, str(default)))
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number") from exc


def _load_dotenv() -> None:
    # Imported lazily so that tests building a Config by hand never read a developer's .env.
    from dotenv import load_dotenv

    load_dotenv(override=False)
