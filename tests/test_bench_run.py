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
         "--calls", "10", "--repeats", "1", "--ingest-batches", "1", "--ingest-clients", "2", "--ingest-workers", "2", "--output",
         str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(output.read_text())
    assert result["sessions"] == 2000
    assert set(result["dashboard"]["refresh"]) == {"24h", "7d", "30d", "90d", "90-day range, clients"}
    assert set(result["exports"]) == {"sessions", "messages", "analytics"}
    assert (
        result["exports"]["sessions"]["csv"]["rows"]
        == result["exports"]["sessions"]["parquet"]["rows"]
        == 2000
    )
    assert set(result["api"]) >= {"24h", "7d", "30d", "90d"}
    assert result["ingest"]["events"] == result["ingest"]["stored_events"] == 2 * 200
    assert set(result["naive"]["refresh_ms"]) == set(result["dashboard"]["refresh"])
    assert result["naive"]["rows"]["sessions"] == 2000
    table = run.stdout
    for row in ("refresh 90d, cold", "naive pandas 90d", "live count", "API 90d", "topic explorer 90d",
                "export messages csv", "export analytics parquet", "weekly report 90d", "ingestion"):  # fmt: skip
        assert f"| {row}" in table

    again = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sessions", "3000", "--database-url", f"sqlite:///{tmp_path / 'b.db'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert again.returncode != 0 and "holds 2,000 sessions" in again.stderr + again.stdout


def test_scaling_chart_draws_one_line_per_measurement_and_backend(tmp_path):
    import xml.etree.ElementTree as ET

    from bench import chart

    def run(backend: str, sessions: int, scale: float) -> dict:
        cold = {
            "24h": {"cold": {"kpis": 10 * scale}},
            "90d": {"cold": {"kpis": 40 * scale, "charts": 20 * scale}},
        }
        return {"backend": backend, "sessions": sessions, "dashboard": {"refresh": cold},
                "api": {"p95_ms": 5 * scale}, "naive": {"refresh_ms": {"90d": 2000 * scale}}}  # fmt: skip

    for backend in ("sqlite", "postgresql"):
        for n, scale in ((10_000, 1), (100_000, 3), (1_000_000, 9)):
            (tmp_path / f"run-{backend}-{n}.json").write_text(json.dumps(run(backend, n, scale)))
    output = tmp_path / "chart.svg"
    assert chart.main(["--results", str(tmp_path), "--output", str(output)]) == 0
    svg = ET.fromstring(output.read_text())
    lines = svg.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 4 * 2  # four measurements, two backends
    # Each line has the three sizes, left to right, and the costlier database is drawn higher.
    for line in lines:
        points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
        assert len(points) == 3
        assert points[0][0] < points[1][0] < points[2][0]
        assert points[0][1] > points[1][1] > points[2][1]
    labels = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "refresh 90d, cold (postgresql)" in labels and "naive pandas 90d (sqlite)" in labels
    assert chart.main(["--results", str(tmp_path / "none"), "--output", str(output)]) == 1
