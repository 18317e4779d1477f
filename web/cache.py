"""A short-lived cache of period results, keyed by the filter set: per process, or shared in Redis.

Staff all see the same data, so one entry serves everyone; entries expire after CACHE_SECONDS so a
preset ending "now" is at most that stale. Nothing here is per user. With REDIS_URL set, every
worker (and machine) reads and fills the same entries; without it each process keeps its own.
A Redis that does not answer makes every lookup a miss (the figures are computed), logged once
per outage, and is left alone for RETRY_SECONDS before the next try: never an error page.

Each response that used the cache says how in `X-Figure-Cache` (`hit`, `miss`, or `unavailable`
when Redis did not answer), one word per lookup.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, g, has_request_context
from flask_caching import Cache

from web.shared_store import connection_options, figures_prefix

T = TypeVar("T")
HEADER = "X-Figure-Cache"
RETRY_SECONDS = 5.0
log = logging.getLogger(__name__)


class FigureCache:
    """Flask-Caching's backend behind a lookup that turns a failing shared store into misses."""

    def __init__(self, backend: Cache, shared: bool) -> None:
        self.backend = backend
        self.shared = shared
        self._down_until = 0.0

    def lookup(self, key: str) -> tuple[str, Any]:
        """("hit", value), ("miss", None), or ("unavailable", None) while Redis does not answer."""
        if time.monotonic() < self._down_until:
            return "unavailable", None
        try:
            value = self.backend.get(key)
        except Exception as exc:  # noqa: BLE001 - any failure of the store is a miss, never a 500
            self._failed(exc)
            return "unavailable", None
        if self._down_until:
            log.warning("figure cache: Redis answers again; figures are shared again")
            self._down_until = 0.0
        return ("miss", None) if value is None else ("hit", value)

    def store(self, key: str, value: Any) -> None:
        """Keep `value` under `key` for CACHE_SECONDS (a failure only loses the entry)."""
        try:
            self.backend.set(key, value)
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)

    def clear(self) -> None:
        """Forget every entry of this deployment."""
        try:
            self.backend.clear()
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        if not self._down_until:
            log.warning(
                "figure cache: Redis is not answering (%s); computing figures without it, retrying every %ss",
                exc.__class__.__name__,
                RETRY_SECONDS,
            )
        self._down_until = time.monotonic() + RETRY_SECONDS


def make_cache(
    server: Flask, seconds: int, redis_url: str | None = None, prefix: str = "chat-analytics:"
) -> FigureCache:
    """A cache bound to `server`: in Redis under `prefix` when `redis_url` is given, else in this
    process; `seconds` = 0 turns caching off."""
    if seconds <= 0:
        settings: dict[str, Any] = {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    elif redis_url:
        settings = {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": figures_prefix(prefix),
            "CACHE_DEFAULT_TIMEOUT": seconds,
            "CACHE_OPTIONS": connection_options(),
        }
    else:
        settings = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": seconds, "CACHE_THRESHOLD": 500}
    return FigureCache(Cache(server, config=settings), shared=bool(redis_url) and seconds > 0)


def cached(cache: FigureCache, name: str, key: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, or its result from the last call with the same name and key while still fresh."""
    digest = hashlib.sha256(repr((name, key)).encode()).hexdigest()
    outcome, value = cache.lookup(digest)
    if outcome != "hit":
        value = compute()
        if outcome == "miss":
            cache.store(digest, value)
    if has_request_context():
        g.setdefault("figure_cache", []).append(outcome)
    return value


def install_cache_header(server: Flask) -> None:
    """Add `X-Figure-Cache` to responses whose handler looked the cache up."""

    @server.after_request
    def _header(response: Response) -> Response:
        outcomes = g.get("figure_cache")
        if outcomes:
            response.headers[HEADER] = ", ".join(outcomes)
        return response
