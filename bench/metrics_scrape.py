"""`python -m bench.metrics_scrape --database-url URL`: how long a GET /metrics takes on that data.

The database figures are read at every scrape; this shows what that costs at a given size
(p50/p95 over `--calls` scrapes through the app, in-process).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time

from bench.dashboard import percentiles


def measure(database_url: str, calls: int) -> dict:
    """p50/p95 in ms of `calls` authorised scrapes, and the size of the answer."""
    from app import create_app
    from config import Config
    from web.context import services_of

    token = secrets.token_urlsafe(16)
    app = create_app(
        Config(database_url=database_url, testing=True, secret_key=token, metrics_tokens=(token,))
    )
    client = app.server.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    samples, size = [], 0
    for _ in range(calls):
        began = time.perf_counter()
        response = client.get("/metrics", headers=headers)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
        size = len(response.data)
    services_of(app.server).engine.dispose()
    return {**percentiles(samples), "bytes": size}


def main(argv: list[str] | None = None) -> int:
    """Command line: print p50/p95 of a scrape."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.metrics_scrape", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args(argv)
    r = measure(args.database_url, args.calls)
    print(f"GET /metrics: p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, {r['bytes']:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
