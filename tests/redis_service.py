"""Redis for the tests: the shared one (skipped with a reason when unreachable), or a private one."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.servers import free_port

# Database 15, under a key prefix of each test's own, so a developer's data in 0 is left alone.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable_redis() -> redis.Redis:
    """A client of TEST_REDIS_URL; the test is skipped, saying why, when it does not answer."""
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {TEST_REDIS_URL} ({exc}); .ci/run starts one")
    return client


@contextmanager
def own_prefix(client: redis.Redis) -> Iterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"*{prefix}*"))
        if keys:
            client.delete(*keys)


def keys_under(client: redis.Redis, prefix: str) -> list[str]:
    """Every key in the test's Redis database that carries `prefix`."""
    return sorted(k.decode() for k in client.scan_iter(match=f"*{prefix}*"))


@contextmanager
def private_redis(folder: Path, port: int | None = None) -> Iterator[str]:
    """A redis-server of the test's own on a free port (no persistence); yields its URL, stops it after."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    port = port or free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    log = open(folder / f"redis-{port}.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((folder / f"redis-{port}.log").read_text()) from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
