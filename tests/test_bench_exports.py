"""The export and scrape benchmarks run end to end on a tiny database, so that they never rot."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import text

from data.db import create_engine, upgrade_schema
from data.seed import generate
from tests.servers import ROOT, free_port


def test_export_benchmark_downloads_every_export_in_both_formats(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.db'}"
    engine = create_engine(url)
    upgrade_schema(engine)
    generate(engine, sessions=300, days=30, active=5, seed=3)
    with engine.connect() as conn:
        counts = {
            kind: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()  # noqa: S608 (fixed names)
            for kind, table in (
                ("sessions", "chat_sessions"),
                ("messages", "chat_messages"),
                ("analytics", "chat_analytics"),
            )
        }
    engine.dispose()
    output = tmp_path / "exports.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.exports_formats", "--database-url", url, "--port", str(free_port()),
         "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(output.read_text())
    assert result["sessions"] == 300
    for kind, n in counts.items():
        for fmt in ("csv", "parquet"):
            figures = result["exports"][kind][fmt]
            assert figures["rows"] == n, (kind, fmt)
            assert figures["rows_per_s"] > 0 and figures["server_rss_peak_mb"] > 0
            assert f"| {kind} | {fmt} | {n:,} |" in run.stdout

    scrape = subprocess.run(
        [sys.executable, "-m", "bench.metrics_scrape", "--database-url", url, "--calls", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert scrape.returncode == 0 and scrape.stdout.startswith("GET /metrics: p50"), scrape.stderr[-2000:]
