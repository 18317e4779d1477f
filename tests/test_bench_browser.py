"""The browser benchmark runs end to end on a small database, so that it never rots (its timings are not checked)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

from tests.servers import ROOT


def png_size(path) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    return struct.unpack(">II", path.read_bytes()[16:24])


def test_browser_benchmark_measures_loads_changes_and_takes_screenshots(tmp_path):
    output, shots = tmp_path / "browser.json", tmp_path / "shots"
    run = subprocess.run(
        [sys.executable, "-m", "bench.browser", "--sessions", "1500", "--database-url", f"sqlite:///{tmp_path / 'b.db'}",
         "--cache", "on", "--runs", "1", "--quiet-ms", "300", "--screenshots", str(shots), "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    [result] = json.loads(output.read_text())["measurements"]
    assert (result["sessions"], result["cache"], result["busy_core"]) == (1500, "on", False)
    assert result["load"]["n"] == 1 and result["load"]["samples"][0]["requests"] >= 4
    assert set(result["change"]["by_preset"]) == {
        "Last 24 hours",
        "Last 7 days",
        "Last 30 days",
        "Last 90 days",
    }
    labels = [s["label"] for s in result["change"]["samples"]["Last 30 days"]]
    assert len(labels) == 1 and labels[0].startswith("Last 30 days")
    assert "| 1,500 | on | no |" in run.stdout
    for name, (width, height) in {"dashboard-1440": (1440, 900), "dashboard-390": (390, 844),
                                  "login-1440": (1440, 900), "login-390": (390, 844)}.items():  # fmt: skip
        shot_width, shot_height = png_size(shots / f"{name}.png")
        assert shot_width == width and shot_height >= height, (name, shot_width, shot_height)
    assert png_size(shots / "dashboard-390.png")[1] > png_size(shots / "dashboard-1440.png")[1]  # one column
