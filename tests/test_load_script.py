"""The load script itself works end to end (a short run; the 60-second run's figures are in the docs)."""

from __future__ import annotations

import subprocess
import sys

from tests.servers import ROOT, free_port


def test_short_load_run_has_no_errors_and_stores_exactly_what_was_sent(tmp_path):
    port = free_port()
    run = subprocess.run(
        [sys.executable, "-m", "bench.load", "--database-url", f"sqlite:///{tmp_path / 'x.db'}",
         "--duration", "6", "--staff", "3", "--ingest", "2", "--workers", "2", "--sessions", "200",
         "--port", str(port), "--no-save"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Exact: yes" in run.stdout
    table = [line for line in run.stdout.splitlines() if line.startswith("| ")]
    names = {line.split("|")[1].strip() for line in table}
    # Which staff tasks a 6-second run draws is random (and fewer on a busy machine): ingestion and
    # some dashboard requests always happen.
    assert "ingest" in names and any(name.startswith("dashboard: ") for name in names), names
    all_requests = next(line for line in table if "all requests" in line).split("|")
    assert int(all_requests[2].replace(",", "")) > 10 and all_requests[3].strip() == "0"
