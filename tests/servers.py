"""Real server processes for tests that need HTTP on a socket: the dev server and gunicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.scratch import wait_healthy

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of a GET, without raising on 4xx/5xx."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@contextmanager
def server_process(
    command: list[str],
    port: int,
    env: dict[str, str],
    cwd: Path,
    timeout: float = 30,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run `command` until /healthz answers on `port`; yield its base URL and process; stop it
    afterwards. `preexec_fn` runs in the child first (to lower its limits or drop privileges)."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **env)
    log = open(cwd / f"server-{port}.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        command, cwd=cwd, env=full_env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=preexec_fn
    )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(base, process, timeout)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {(cwd / f'server-{port}.log').read_text()[-2000:]}") from None
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def serving(
    command: list[str], port: int, env: dict[str, str], cwd: Path, timeout: float = 30
) -> Iterator[str]:
    """Run `command` until /healthz answers on `port`; yield its base URL; stop it afterwards."""
    with server_process(command, port, env, cwd, timeout) as (base, _process):
        yield base


def dev_server_command(port: int) -> list[str]:
    return [sys.executable, str(ROOT / "app.py"), "--port", str(port)]


def gunicorn_command(port: int, workers: int = 1) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "app:server",
    ]  # fmt: skip
