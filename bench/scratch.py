"""Throwaway databases beside a real one, for benchmark runs and tests."""

from __future__ import annotations

import shutil
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from subprocess import Popen

from sqlalchemy import make_url

from data.db import create_engine


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """The URL of an empty database for the block: a temporary SQLite file when `url` is SQLite,
    else a PostgreSQL schema of its own in `url`'s database. Removed afterwards."""
    if make_url(url).get_backend_name() == "sqlite":
        folder = tempfile.mkdtemp(prefix="scratch-")
        try:
            yield f"sqlite:///{folder}/scratch.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    schema = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def wait_healthy(base: str, process: Popen, timeout: float = 60) -> None:
    """Return once `base`/healthz answers 200; raise RuntimeError if `process` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited during start-up (status {process.returncode})")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not become healthy in time")
