"""The report as text (terminals, plain-text email), JSON (the contract's keys) or HTML (email body)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from metrics.catalogue import METRICS
from metrics.change import change, metric_change
from metrics.numbers import NA, change_text, metric_value, number
from reports.content import BLOCKS

TEMPLATES = Path(__file__).with_name("templates")
DEFAULT_TEMPLATE = TEMPLATES / "weekly.html.j2"
SECTION_TITLES = {
    "sessions": "Sessions",
    "messages": "Messages",
    "performance": "Performance",
    "satisfaction": "Satisfaction",
}


@dataclass(frozen=True)
class Row:
    """One compared figure, formatted: label, this period, previous period, change."""

    label: str
    now: str
    before: str
    change: str
    tone: str  # "good", "bad" or "" (neutral / nothing to compare)


def compared_sections(report: dict) -> list[tuple[str, list[Row]]]:
    """The compared figures of every section, formatted once for both text and HTML."""
    out = []
    for block, fields in BLOCKS.items():
        rows = []
        for name, metric in fields.items():
            now, before = report[block][name], report["previous"][block][name]
            moved = metric_change(metric, now, before)
            rows.append(
                Row(
                    metric.label,
                    metric_value(metric, now),
                    metric_value(metric, before),
                    change_text(moved),
                    moved.tone if moved else "",
                )
            )
        if block == "messages":
            rows[1:1] = _sender_rows(report)
        out.append((SECTION_TITLES[block], rows))
    return out


def _sender_rows(report: dict) -> list[Row]:
    rows = []
    for sender, n in report["messages"]["by_sender"].items():
        before = report["previous"]["messages"]["by_sender"].get(sender)
        rows.append(Row(f"  from {sender}", number(n), number(before), change_text(change(n, before)), ""))
    return rows


@dataclass(frozen=True)
class Extras:
    """The report's uncompared sections, formatted once for text and HTML."""

    next_week_when: str  # "2026-11-23 to 2026-11-29, forecast", or "" without a forecast
    next_week: list[tuple[str, str]]  # (figure, "about N (80% range a–b)"); empty without a forecast
    emerging: list[tuple[str, str, str, str]]  # topic, this period, previous, growth
    alerts_title: str
    alerts: list[tuple[str, str, str]]  # started, "rule: metric", what and how it ended


NO_FORECAST = "No forecast: it needs at least three weeks of daily activity."


def extras(report: dict) -> Extras:
    """Next week's forecast, the emerging topics and the alerts, as text both formats show."""
    ahead = report.get("next_week")
    rows = []
    when = ""
    if ahead:
        when = f"{ahead['start']} to {ahead['end']}, forecast"
        for key, label in (("sessions", "Sessions expected"), ("messages", "Messages expected")):
            f = ahead[key]
            rows.append(
                (
                    label,
                    f"about {number(f['expected'])} ({ahead['level']}% range {number(f['low'])}–{number(f['high'])})",
                )
            )
    emerging = [
        (
            e["topic"],
            f"{number(e['sessions'])} ({number(e['share'], 1, '%')})",
            f"{number(e['previous_sessions'])} ({number(e['previous_share'], 1, '%')})",
            f"+{e['growth_points']:.1f} pts",
        )
        for e in report.get("emerging_topics", [])
    ]
    alerts = []
    for a in report.get("alerts", []):
        metric = METRICS.get(a["metric"])

        def shown(value: float | None, metric=metric) -> str:
            return metric_value(metric, value) if metric else number(value, 2)

        limit = (
            f"threshold {shown(a['threshold'])}"
            if a["threshold"] is not None
            else f"baseline {shown(a['baseline'])}"
        )
        ended = f"resolved {a['resolved_at'][:16].replace('T', ' ')}" if a["resolved_at"] else "still firing"
        alerts.append(
            (
                a["started_at"][:16].replace("T", " "),
                f"{a['rule']}: {a['metric']}",
                f"{shown(a['value'])} ({limit}); {ended}",
            )
        )
    days = report["period"]["days"]
    return Extras(when, rows, emerging, "Alerts this week" if days == 7 else "Alerts in this period", alerts)


def _busiest(report: dict, n: int = 6) -> list[dict]:
    return [h for h in report["peak_hours"][:n] if h["messages"] > 0]


def render_json(report: dict) -> str:
    """The report as indented JSON (the contract's top-level keys, plus previous and change)."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render_text(report: dict) -> str:
    """An aligned plain-text report that fits 80 columns."""
    p = report["period"]
    lines = [
        "Chat Analytics weekly report",
        f"Period: {p['label']} ({p['days']} days, times in {p['timezone']})",
        f"Compared with the {p['days']} days before ({report['previous']['period']['start'][:10]}"
        f" to {report['previous']['period']['end'][:10]})",
        "",
    ]
    width = (26, 15, 15, 12)
    for title, rows in compared_sections(report):
        header = (title.upper(), "this period", "previous", "change")
        lines.append(
            f"{header[0]:<{width[0]}}{header[1]:>{width[1]}}{header[2]:>{width[2]}}{header[3]:>{width[3]}}"
        )
        for r in rows:
            lines.append(
                f"  {r.label:<{width[0] - 2}}{r.now:>{width[1]}}{r.before:>{width[2]}}{r.change:>{width[3]}}"
            )
        lines.append("")
    distribution = report["satisfaction"]["distribution"]
    rated = max(sum(distribution.values()), 1)
    lines.append("RATINGS")
    for stars in ("5", "4", "3", "2", "1"):
        n = distribution.get(stars, 0)
        lines.append(f"  {stars} star{'s' if stars != '1' else ' '} {n:>9,}  {'#' * round(40 * n / rated)}")
    lines.append("")
    for title, key, unit in (
        ("TOP TOPICS", "top_topics", "sessions"),
        ("COMMON ISSUES (unresolved)", "common_issues", "sessions"),
    ):
        lines.append(title)
        items = report[key]
        if not items:
            lines.append("  none in this period")
        for n, item in enumerate(items, 1):
            lines.append(f"  {n:>2}. {item['topic'][:40]:<42}{item['count']:>10,} {unit}")
        lines.append("")
    more = extras(report)
    lines.append(f"NEXT WEEK ({more.next_week_when})" if more.next_week_when else "NEXT WEEK")
    if not more.next_week:
        lines.append(f"  {NO_FORECAST}")
    for label, text in more.next_week:
        lines.append(f"  {label:<24}{text}")
    lines.append("")
    lines.append("EMERGING TOPICS (share of sessions, vs the previous period)")
    if not more.emerging:
        lines.append("  no topic grew its share")
    else:
        lines.append(f"  {'':<30}{'this period':>17}{'previous':>17}{'growth':>12}")
    for topic, now, before, growth in more.emerging:
        lines.append(f"  {topic[:30]:<30}{now:>17}{before:>17}{growth:>12}")
    lines.append("")
    lines.append(more.alerts_title.upper())
    if not more.alerts:
        lines.append("  none")
    for started, rule, what in more.alerts:
        lines.append(f"  {started}  {rule}")
        lines.append(f"{'':20}{what}")
    lines.append("")
    lines.append("USER TYPES")
    types = report["user_types"]
    total = sum(types.values())
    for kind, n in types.items():
        share = f"{100 * n / total:.1f}%" if total else NA
        lines.append(f"  {kind:<24}{n:>15,}{share:>15}")
    lines.append("")
    lines.append(f"PEAK HOURS ({p['timezone']}, busiest first)")
    busiest = _busiest(report)
    if not busiest:
        lines.append("  no messages in this period")
    top = max((h["messages"] for h in busiest), default=1)
    for h in busiest:
        lines.append(
            f"  {h['hour']:02d}:00-{h['hour']:02d}:59 {h['messages']:>12,}  {'#' * round(30 * h['messages'] / top)}"
        )
    lines.append("")
    lines.append(f"Generated {report['generated_at']}")
    return "\n".join(lines) + "\n"


def render_html(report: dict, template: Path | None = None) -> str:
    """A self-contained HTML page (inline CSS and SVG bars), from `template` or the default one."""
    path = template or DEFAULT_TEMPLATE
    env = Environment(
        loader=FileSystemLoader(str(path.parent)),
        autoescape=select_autoescape(["html", "j2", "htm", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(path.name).render(
        report=report,
        sections=compared_sections(report),
        busiest=_busiest(report),
        na=NA,
        extras=extras(report),
        no_forecast=NO_FORECAST,
    )
