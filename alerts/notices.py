"""What a notification says: the rule, the metric's label from the catalogue, the figure, the
threshold or baseline, the window, and a link to the dashboard filtered to it; as an email
(subject, text, HTML) and as a webhook's JSON (a Slack-compatible `text` plus structured fields)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.mail_chart import html_chart, sparkline
from alerts.rules import CONDITION_LABELS, WINDOW_LABELS
from metrics.catalogue import METRICS
from metrics.filters import Filters
from metrics.numbers import metric_value
from web.paths import DASHBOARD_PATH


@dataclass(frozen=True)
class Notice:
    """One notification about one alert event: it started firing, or it recovered."""

    rule: str
    metric: str  # catalogue key
    condition: str
    window: str  # "15m", "1h" or "24h"
    window_start: datetime
    window_end: datetime
    value: float | None  # the figure that fired, or the one that recovered
    threshold: float | None
    baseline: float | None
    state: str  # "firing" or "ok"
    started_at: datetime
    resolved_at: datetime | None
    user_type: str | None
    topic: str | None
    tz: ZoneInfo
    base_url: str  # PUBLIC_URL
    # The figure over the windows up to this one, oldest first (alerts.recent), for the email's chart;
    # and for an anomalous rule the usual range of this window.
    recent: tuple[tuple[datetime, float | None], ...] = ()
    band: tuple[float, float] | None = None

    @property
    def label(self) -> str:
        return METRICS[self.metric].label

    def shown(self, value: float | None) -> str:
        return metric_value(METRICS[self.metric], value)

    @property
    def dashboard_url(self) -> str:
        """The dashboard with the window's days (in the display zone) and the rule's filters."""
        first = self.window_start.astimezone(self.tz).date()
        last = (self.window_end - timedelta(microseconds=1)).astimezone(self.tz).date()
        filters = Filters(
            preset=None, start_date=first.isoformat(), end_date=last.isoformat(),
            user_type=self.user_type, topics=(self.topic,) if self.topic else (),
        )  # fmt: skip
        return f"{self.base_url}{DASHBOARD_PATH}{filters.query()}"

    @property
    def expected(self) -> str:
        """'above 2,000 ms' or 'usual 850 ms' (the baseline of an anomaly)."""
        if self.condition == "anomalous":
            return f"usual for this hour of the week: {self.shown(self.baseline)}"
        return f"{CONDITION_LABELS[self.condition]} {self.shown(self.threshold)}"

    @property
    def scope(self) -> str:
        parts = [f"user type {self.user_type}"] if self.user_type else []
        parts += [f"topic {self.topic!r}"] if self.topic else []
        return f" ({', '.join(parts)})" if parts else ""

    def when(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%d %b %Y %H:%M %Z")

    @property
    def window_text(self) -> str:
        return f"{WINDOW_LABELS[self.window]}, {self.when(self.window_start)} to {self.when(self.window_end)}"

    def breaches(self, value: float) -> bool:
        """Whether `value` is beyond the threshold, or outside the usual range of an anomalous rule."""
        if self.condition == "anomalous":
            return self.band is not None and not self.band[0] <= value <= self.band[1]
        return value > self.threshold if self.condition == "above" else value < self.threshold

    @property
    def lines(self) -> list[float]:
        """The chart's lines: the threshold, or the usual range's edges."""
        if self.condition == "anomalous":
            return [edge for edge in self.band or () if edge > 0]
        return [self.threshold] if self.threshold is not None else []

    @property
    def chart_caption(self) -> str:
        values = [v for _, v in self.recent if v is not None]
        if not values:
            return ""
        first = self.recent[0][0]
        limit = (
            f"lines at the usual range {self.shown(self.band[0])}–{self.shown(self.band[1])}"
            if self.condition == "anomalous" and self.band
            else f"line at the threshold {self.shown(self.threshold)}"
        )
        return (
            f"{self.label}{self.scope}, {len(self.recent)} windows of {WINDOW_LABELS[self.window]} from "
            f"{self.when(first)}: lowest {self.shown(min(values))}, highest {self.shown(max(values))}, "
            f"last {self.shown(self.recent[-1][1])}; {limit}, red bars beyond it."
        )

    @property
    def subject(self) -> str:
        if self.state == "firing":
            return f"[Alert] {self.rule}: {self.label} {self.shown(self.value)} ({self.expected})"
        return f"[Recovered] {self.rule}: {self.label} back to {self.shown(self.value)}"

    @property
    def text(self) -> str:
        """The plain-text body (also the webhook's `text`)."""
        head = "is firing" if self.state == "firing" else "has recovered"
        lines = [
            f"Alert rule {self.rule!r} {head}.",
            f"{self.label}{self.scope}: {self.shown(self.value)} ({self.expected}).",
            f"Window: {self.window_text}.",
            f"Firing since {self.when(self.started_at)}"
            + (f", recovered {self.when(self.resolved_at)}." if self.resolved_at else "."),
            f"Dashboard: {self.dashboard_url}",
        ]
        if self.chart_caption:
            lines[-1:-1] = [f"{sparkline([v for _, v in self.recent])}  {self.chart_caption}"]
        return "\n".join(lines) + "\n"

    @property
    def html(self) -> str:
        rows = [
            ("Metric", f"{self.label}{self.scope}"),
            ("Value", self.shown(self.value)),
            ("Threshold" if self.condition != "anomalous" else "Baseline", self.expected),
            ("Window", self.window_text),
            ("Firing since", self.when(self.started_at)),
        ]
        if self.resolved_at:
            rows.append(("Recovered", self.when(self.resolved_at)))
        cells = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        head = "is firing" if self.state == "firing" else "has recovered"
        chart = ""
        if self.chart_caption:
            chart = html_chart(
                [f"{self.when(at)}" for at, _ in self.recent],
                [v for _, v in self.recent],
                self.lines,
                self.breaches,
                self.shown,
                self.chart_caption,
            )
        return (
            f"<p>Alert rule <strong>{html.escape(self.rule)}</strong> {head}.</p>"
            f"<table>{cells}</table>{chart}"
            f"<p><a href='{html.escape(self.dashboard_url, quote=True)}'>Open the dashboard for this window</a></p>"
        )

    def payload(self) -> dict:
        """The webhook's JSON body."""
        return {
            "text": self.text.strip(),
            "rule": self.rule,
            "metric": self.metric,
            "metric_label": self.label,
            "condition": self.condition,
            "value": self.value,
            "threshold": self.threshold,
            "baseline": self.baseline,
            "state": self.state,
            "window": self.window,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "started_at": self.started_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "user_type": self.user_type,
            "topic": self.topic,
            "dashboard_url": self.dashboard_url,
        }

    def body(self) -> bytes:
        """The exact bytes POSTed and signed."""
        return json.dumps(self.payload(), separators=(",", ":"), sort_keys=True).encode()
