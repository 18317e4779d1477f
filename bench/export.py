"""`python -m bench.export --database-url URL`: rows/s and memory growth of each CSV export.

Streams every export of the whole database through the app (a signed-in test client reading the
response chunk by chunk, as a browser would) and reports rows, seconds, rows/s and how much the
process's peak resident memory grew.
"""

from __future__ import annotations

import argparse
import resource
import secrets
import sys
import time


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    from app import create_app
    from config import Config
    from data.users import create_user
    from exports.queries import EXPORTS
    from tests.web import login

    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--kinds", nargs="*", default=list(EXPORTS), choices=list(EXPORTS))
    args = parser.parse_args(argv)
    app = create_app(Config(database_url=args.database_url, testing=True))
    username, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    with app.server.extensions["chat_analytics"].engine.begin() as conn:
        create_user(conn, username, password=password, is_staff=True)
    client = app.server.test_client()
    login(client, username, password)
    print("| export | rows | seconds | rows/s | peak memory growth (MB) |")
    print("|---|---|---|---|---|")
    for kind in args.kinds:
        before = peak_rss_mb()
        began = time.perf_counter()
        response = client.get(f"/admin/chat-analytics/export/{kind}/", buffered=False)
        lines = sum(chunk.count(b"\n") for chunk in response.response)
        response.close()
        seconds = time.perf_counter() - began
        rows = lines - 1
        print(f"| {kind} | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | {peak_rss_mb() - before:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
