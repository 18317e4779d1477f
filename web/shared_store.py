"""Redis as the workers' shared store: connection options that fail fast, and the key prefixes.

Both the figure cache and the login limits degrade when Redis does not answer (to computing, and
to per-process counts), so a request must not wait long on it: connecting and each command are
bounded by a fraction of a second.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from redis.backoff import NoBackoff
from redis.retry import Retry

CONNECT_TIMEOUT_SECONDS = 0.25
COMMAND_TIMEOUT_SECONDS = 0.5
REDIS_SCHEMES = {"redis", "rediss", "unix"}


def is_redis(uri: str) -> bool:
    """True for a Redis URL (redis://, rediss://, unix://)."""
    return urlsplit(uri).scheme in REDIS_SCHEMES


def connection_options() -> dict[str, Any]:
    """redis-py keyword arguments bounding how long a call may wait on an unreachable Redis: one
    immediate retry (a pooled connection the server dropped), then the error."""
    return {
        "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "socket_timeout": COMMAND_TIMEOUT_SECONDS,
        "retry": Retry(NoBackoff(), 1),
    }


def figures_prefix(deployment_prefix: str) -> str:
    """Key prefix of the figure cache's entries."""
    return f"{deployment_prefix}figures:"


def limits_prefix(deployment_prefix: str) -> str:
    """Key prefix of the login limits' counters."""
    return f"{deployment_prefix}limits"
