"""A short-lived per-process cache of period results, keyed by the filter set.

Staff all see the same data, so one entry serves everyone; entries expire after CACHE_SECONDS so a
preset ending "now" is at most that stale. Nothing here is per user.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from flask import Flask
from flask_caching import Cache

T = TypeVar("T")


def make_cache(server: Flask, seconds: int) -> Cache:
    """A cache bound to `server`; `seconds` = 0 turns caching off."""
    settings = (
        {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": seconds, "CACHE_THRESHOLD": 500}
        if seconds > 0
        else {"CACHE_TYPE": "NullCache"}
    )
    return Cache(server, config=settings)


def cached(cache: Cache, name: str, key: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, or its result from the last call with the same name and key while still fresh."""
    digest = hashlib.sha256(repr((name, key)).encode()).hexdigest()
    value = cache.get(digest)
    if value is None:
        value = compute()
        cache.set(digest, value)
    return value
