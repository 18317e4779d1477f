"""A SQLite file made read-only, and a full disk, under a running server process.

Whatever the storage does, every batch the server acknowledged (200) is in the file afterwards,
every refused one (503, Retry-After) left nothing behind and goes in when retried, and /healthz
says 503 while the server cannot store what it is sent.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.cookiejar
import json
import os
import resource
import sqlite3
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from data.db import create_engine
from data.users import create_user
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME
from tests.servers import dev_server_command, free_port, server_process
from tests.test_ingest import TOKENS, full_session
from tests.web import csrf_token

AS_ROOT = os.geteuid() == 0
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_FOWNER = 24, 1, 3


def send(base: str, batch: list[dict]) -> tuple[int, dict]:
    """POST a batch; (status, headers) without raising on 4xx/5xx."""
    request = urllib.request.Request(
        base + "/api/v1/events",
        data=json.dumps({"events": batch}).encode(),
        headers={"Authorization": f"Bearer {TOKENS[0]}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def health(base: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=30) as response:  # noqa: S310
            return response.status, json.load(response)["database"]
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)["database"]


def event_ids(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {row[0] for row in conn.execute("SELECT event_id FROM ingested_events")}
    finally:
        conn.close()


def ids_of(batches: list[list[dict]]) -> set[str]:
    return {event["event_id"] for batch in batches for event in batch}


def server_env(path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{path}",
        "SECRET_KEY": "storage-fault-test-secret",
        "INGEST_TOKENS": ",".join(TOKENS),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def bound_by_file_modes() -> None:
    """In the child, when run as root: give up the capabilities that let root write a file whose
    mode forbids it (dropped from the bounding set, so the server process never has them)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_FOWNER):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


def signed_in(base: str, path: Path):
    """An opener holding a staff sign-in to the server at `base` (account created in `path`)."""
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        create_user(conn, STAFF_USERNAME, password=STAFF_PASSWORD, is_staff=True)
    engine.dispose()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login").read().decode()
    form = {"csrf_token": csrf_token(page), "username": STAFF_USERNAME, "password": STAFF_PASSWORD}
    opener.open(base + "/login", data=urllib.parse.urlencode(form).encode())
    return opener


def test_a_file_made_read_only_is_503_until_writable_again_and_loses_nothing(tmp_path):
    path = tmp_path / "chat.db"
    port = free_port()
    limits = bound_by_file_modes if AS_ROOT else None
    with contextlib.ExitStack() as stack:
        try:
            base, _process = stack.enter_context(
                server_process(dev_server_command(port), port, server_env(path), tmp_path, preexec_fn=limits)
            )
        except subprocess.SubprocessError as exc:
            pytest.skip(f"cannot run a server that file modes bind: {exc}")
        staff = signed_in(base, path)
        acknowledged = [full_session(str(uuid.uuid4())) for _ in range(3)]
        for batch in acknowledged:
            assert send(base, batch)[0] == 200
        path.chmod(0o444)

        assert health(base) == (503, "read-only")
        refused = full_session(str(uuid.uuid4()))
        for _ in range(3):  # whichever pooled connection answers
            status, headers = send(base, refused)
            assert status == 503 and int(headers["Retry-After"]) > 0
        with pytest.raises(urllib.error.HTTPError) as unavailable:
            staff.open(base + "/admin/chat-analytics/api/?period=7d")
        assert unavailable.value.code == 503  # nothing is served from a file that cannot be written
        path.chmod(0o644)
        assert send(base, refused)[0] == 200  # the sender's retry
        assert health(base) == (200, "ok")
        figures = json.load(staff.open(base + "/admin/chat-analytics/api/?period=7d"))
        assert figures["sessions"] == len(acknowledged) + 1
    assert event_ids(path) == ids_of([*acknowledged, refused])


def test_a_full_disk_refuses_batches_whole_and_loses_no_acknowledged_one(tmp_path):
    path = tmp_path / "chat.db"
    port = free_port()
    limit = 3 * 1024 * 1024  # no file of the server's may grow past this: a small, full volume

    def small_volume() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    with server_process(
        dev_server_command(port), port, server_env(path), tmp_path, preexec_fn=small_volume
    ) as (
        base,
        process,
    ):
        acknowledged, refused = [], []
        while not refused:
            assert len(acknowledged) < 500, "the volume never filled up"
            batch = full_session(str(uuid.uuid4()))
            batch[1]["content"] = "x" * 20_000  # fill it faster
            status, headers = send(base, batch)
            if status == 200:
                acknowledged.append(batch)
            else:
                assert status == 503 and int(headers["Retry-After"]) > 0
                refused.append(batch)
        assert acknowledged, "some batches went in before the volume filled"
        assert health(base) == (503, "write-refused")

        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        assert send(base, refused[0])[0] == 200  # space again: the sender's retry goes in
        assert health(base) == (200, "ok")
    assert event_ids(path) == ids_of([*acknowledged, *refused])
