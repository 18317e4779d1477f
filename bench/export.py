"""Rows/s and memory growth of each CSV export of the whole database, streamed through the app.

A signed-in test client reads each response chunk by chunk, as a browser would; the growth is
that of the process's peak resident memory. Used by `python -m bench.run`.
"""

from __future__ import annotations

import resource
import secrets
import time

from web.context import services_of


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def signed_in_client(app):
    """A test client of `app` signed in as a fresh staff account."""
    from data.users import create_user
    from tests.web import login

    username, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    with services_of(app.server).engine.begin() as conn:
        create_user(conn, username, password=password, is_staff=True)
    client = app.server.test_client()
    login(client, username, password)
    return client


def measure(client, kinds: list[str]) -> dict[str, dict]:
    """{kind: {"rows", "seconds", "rows_per_s", "memory_growth_mb"}} for each export kind."""
    out = {}
    for kind in kinds:
        before = peak_rss_mb()
        began = time.perf_counter()
        response = client.get(f"/admin/chat-analytics/export/{kind}/", buffered=False)
        lines = sum(chunk.count(b"\n") for chunk in response.response)
        response.close()
        seconds = time.perf_counter() - began
        rows = lines - 1
        out[kind] = {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds,
                     "memory_growth_mb": peak_rss_mb() - before}  # fmt: skip
    return out
