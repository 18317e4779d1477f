"""axe-core in the browser under test: inject the vendored engine, run it, sort what it finds by impact."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# The package's own sri-history.json entry for axe.min.js 4.14.1 (see tests/vendor/axe-core/README.md).
AXE_SRI = "sha256-KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw="
IMPACTS = ("critical", "serious", "moderate", "minor")

_RUN = """
const [context, options, done] = arguments;
axe.run(context || document, options || {}).then(
  (r) => done({violations: r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
      helpUrl: v.helpUrl, nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary}))})),
    url: r.url, version: axe.version}),
  (e) => done({error: String(e)}));
"""


@cache
def axe_source() -> str:
    """The vendored axe.min.js, after checking it is the published file."""
    data = AXE_JS.read_bytes()
    digest = "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()
    if digest != AXE_SRI:
        raise RuntimeError(f"{AXE_JS} is not axe-core {AXE_VERSION} as published ({digest})")
    return data.decode()


def run_axe(driver, context: str | None = None, options: dict | None = None) -> list[dict]:
    """axe's violations on the current page (or within the CSS selector `context`), worst impact first."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(axe_source())
    driver.set_script_timeout(120)
    result = driver.execute_async_script(_RUN, context, options)
    if "error" in result:
        raise RuntimeError(f"axe failed: {result['error']}")
    return sorted(
        result["violations"], key=lambda v: IMPACTS.index(v["impact"]) if v["impact"] in IMPACTS else 9
    )


def by_impact(violations: list[dict]) -> dict[str, list[dict]]:
    """The violations grouped by impact: {'critical': [...], 'serious': [...], ...}."""
    return {impact: [v for v in violations if v["impact"] == impact] for impact in IMPACTS}


def blocking(violations: list[dict]) -> list[dict]:
    """The critical and serious violations: the ones the project allows none of."""
    return [v for v in violations if v["impact"] in ("critical", "serious")]


def describe(violations: list[dict]) -> str:
    """One paragraph per violation: impact, rule id, help text, and the CSS targets of its nodes."""
    if not violations:
        return "no axe violations"
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} nodes; {v['helpUrl']})")
        for node in v["nodes"][:10]:
            lines.append(
                "    "
                + " > ".join(" ".join(part) if isinstance(part, list) else part for part in node["target"])
            )
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more")
    return "\n".join(lines)
