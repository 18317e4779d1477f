"""`python -m bench.chart`: how cost grows with the data, drawn from the saved benchmark runs.

Reads bench/results/run-BACKEND-N.json and writes a small SVG (log-log: sessions against
milliseconds) to docs/performance-scaling.svg. Plain SVG text, so it needs no plotting engine.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
OUTPUT = ROOT / "docs" / "performance-scaling.svg"

# (label, colour, dash, how to read the figure in ms from one run)
SERIES = (
    ("refresh 90d, cold", "#1f77b4", "", lambda r: sum(r["dashboard"]["refresh"]["90d"]["cold"].values())),
    ("refresh 24h, cold", "#2ca02c", "", lambda r: sum(r["dashboard"]["refresh"]["24h"]["cold"].values())),
    ("API p95", "#9467bd", "", lambda r: r["api"]["p95_ms"]),
    ("naive pandas 90d", "#d62728", "", lambda r: r.get("naive", {}).get("refresh_ms", {}).get("90d")),
)
DASH = {"sqlite": "", "postgresql": "6 4"}
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 420, 70, 190, 30, 50


def load(folder: Path = RESULTS) -> dict[str, list[dict]]:
    """Saved runs of `python app.py` per backend, smallest database first."""
    runs: dict[str, list[dict]] = {}
    for path in sorted(folder.glob("run-*.json")):
        run = json.loads(path.read_text())
        if run.get("server", "python app.py") != "python app.py":
            continue  # one line per backend: the server as the README runs it
        runs.setdefault(run["backend"], []).append(run)
    return {b: sorted(rs, key=lambda r: r["sessions"]) for b, rs in runs.items()}


def _ticks(lo: float, hi: float) -> list[float]:
    return [10.0**e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]


def render(runs: dict[str, list[dict]]) -> str:
    """The SVG text: one line per measurement and backend (solid SQLite, dashed PostgreSQL)."""
    lines = []
    for backend, rs in runs.items():
        for label, colour, _, read in SERIES:
            points = [(r["sessions"], read(r)) for r in rs]
            points = [(x, y) for x, y in points if y]
            if points:
                lines.append((f"{label} ({backend})", colour, DASH.get(backend, "2 2"), points))
    xs = [x for *_, pts in lines for x, _ in pts] or [1, 10]
    ys = [y for *_, pts in lines for _, y in pts] or [1, 10]
    xt, yt = _ticks(min(xs), max(xs)), _ticks(min(ys), max(ys))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + plot_w * (math.log10(x) - math.log10(xt[0])) / max(math.log10(xt[-1] / xt[0]), 1e-9)

    def py(y: float) -> float:
        return TOP + plot_h * (
            1 - (math.log10(y) - math.log10(yt[0])) / max(math.log10(yt[-1] / yt[0]), 1e-9)
        )

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="18" font-size="14">Cost against data size (log-log; solid SQLite, dashed '
        f"PostgreSQL)</text>",
    ]
    for t in xt:
        out.append(f'<line x1="{px(t):.1f}" y1="{TOP}" x2="{px(t):.1f}" y2="{TOP + plot_h}" stroke="#ddd"/>')
        out.append(f'<text x="{px(t):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{t:,.0f}</text>')
    for t in yt:
        out.append(
            f'<line x1="{LEFT}" y1="{py(t):.1f}" x2="{LEFT + plot_w}" y2="{py(t):.1f}" stroke="#ddd"/>'
        )
        label = f"{t / 1000:,.0f} s" if t >= 1000 else f"{t:g} ms"
        out.append(f'<text x="{LEFT - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{label}</text>')
    out.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 10}" text-anchor="middle">sessions in the database</text>'
    )
    for i, (label, colour, dash, points) in enumerate(lines):
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
        )
        out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>' for x, y in points]
        ly = TOP + 14 * i
        out.append(
            f'<line x1="{WIDTH - RIGHT + 10}" y1="{ly}" x2="{WIDTH - RIGHT + 34}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
        )
        out.append(f'<text x="{WIDTH - RIGHT + 38}" y="{ly + 4}" font-size="10">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: draw the chart from the saved runs."""
    parser = argparse.ArgumentParser(prog="python -m bench.chart", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder of run-*.json")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    runs = load(args.results)
    if not runs:
        print(f"error: no run-*.json in {args.results}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(runs))
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
