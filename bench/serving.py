"""The app served as users meet it, for benchmarks: `python app.py` (as the README runs it) or
gunicorn with several workers (as production runs it), a signed-in client, the server's memory."""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.scratch import wait_healthy
from data.db import create_engine, upgrade_schema
from data.users import create_user

ROOT = Path(__file__).resolve().parent.parent


def _tree(pid: int) -> list[int]:
    """`pid` and every process below it (gunicorn's workers under its master)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def rss_mb(pid: int) -> float | None:
    """Resident memory of process `pid` and its children in MB (Linux /proc), or None when unreadable."""
    total, seen = 0.0, False
    for each in _tree(pid):
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        if match := re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE):
            total, seen = total + int(match.group(1)) / 1024, True
    return total if seen else None


def signed_in_opener(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    """An opener carrying the session cookie of `username`, signed in through the login form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    opener.open(base + "/login", data=form).read()
    check = opener.open(base + "/admin/chat-analytics/api/")
    if check.status != 200:
        raise SystemExit(f"error: could not sign in as {username} ({check.status})")
    return opener


def server_command(port: int, workers: int, app_dir: Path = ROOT) -> list[str]:
    """`python app.py` when `workers` is 0, else gunicorn with that many workers, on 127.0.0.1:`port`."""
    if workers == 0:
        return [sys.executable, str(app_dir / "app.py"), "--port", str(port)]
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
            "--chdir", str(app_dir), "app:server"]  # fmt: skip


@contextmanager
def served(
    database_url: str, port: int, workers: int = 0, env: dict[str, str] | None = None, app_dir: Path = ROOT
) -> Iterator[tuple[str, int, str, str]]:
    """The app on `database_url` (see `server_command`) with a throwaway staff account and `env` added
    to this process's environment: (base URL, server pid, username, password). Stopped afterwards."""
    engine = create_engine(database_url)
    upgrade_schema(engine)
    username, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    with engine.begin() as conn:
        create_user(conn, username, password=password, is_staff=True)
    engine.dispose()
    environment = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=secrets.token_urlsafe(32),
                       PYTHONPATH=str(app_dir), **(env or {}))  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as folder:
        log = open(Path(folder) / "server.log", "wb")  # noqa: SIM115 (closed below)
        server = subprocess.Popen(
            server_command(port, workers, app_dir), cwd=folder, env=environment, stdout=log, stderr=subprocess.STDOUT
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, server)
            yield base, server.pid, username, password
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
