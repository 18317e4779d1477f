"""bench.api end to end on a small database: every period measured over HTTP, each call answered."""

from __future__ import annotations

import json
import subprocess
import sys

from data.db import create_engine, upgrade_schema
from data.seed import generate
from tests.servers import ROOT, free_port


def test_the_api_benchmark_measures_every_period_and_healthz(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.db'}"
    engine = create_engine(url)
    upgrade_schema(engine)
    generate(engine, sessions=200, days=30, active=5, seed=4)
    engine.dispose()
    output = tmp_path / "api.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.api", "--sessions", "200", "--database-url", url, "--calls", "5",
         "--port", str(free_port()), "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(output.read_text())
    assert result["sessions"] == 200 and result["backend"] == "sqlite"
    assert set(result["http"]) == {"24h", "7d", "30d", "90d", "healthz"}
    for figures in result["http"].values():
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert "| api/?period=90d |" in run.stdout
