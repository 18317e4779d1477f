"""Where a benchmark's figures go: a JSON file under bench/results/ (or the one asked for)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def save(result: dict, output: Path | None, default_name: str) -> Path:
    """Write `result` as indented JSON to `output` (else bench/results/`default_name`), say where."""
    path = output or RESULTS / default_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nsaved {path}", file=sys.stderr)
    return path
