"""The benchmark runs end to end on a tiny database, so that it never rots (its figures are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.servers import ROOT


def test_benchmark_measures_everything_on_a_tiny_database(tmp_path):
    output = tmp_path / "run.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sessions", "2000", "--database-url", f"sqlite:///{tmp_path / 'b.db'}",
         "--calls", "10", "--ingest-batches", "1", "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(output.read_text())
    assert result["sessions"] == 2000
    assert set(result["dashboard"]["refresh"]) == {"24h", "7d", "30d", "90d", "90-day range, clients"}
    assert set(result["exports"]) == {"sessions", "messages", "analytics"}
    assert result["exports"]["sessions"]["rows"] == 2000
    assert result["ingest"]["events"] == 4 * 200
    assert set(result["naive"]["refresh_ms"]) == set(result["dashboard"]["refresh"])
    assert result["naive"]["rows"]["sessions"] == 2000
    table = run.stdout
    for row in ("refresh 90d, cold", "naive pandas 90d", "live count", "API", "export messages", "weekly report 90d",
                "ingestion"):  # fmt: skip
        assert f"| {row}" in table

    again = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sessions", "3000", "--database-url", f"sqlite:///{tmp_path / 'b.db'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert again.returncode != 0 and "holds 2,000 sessions" in again.stderr + again.stdout
