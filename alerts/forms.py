"""The alerts page's forms (CSRF-protected by Flask-WTF); the rule's own checks are alerts.rules'."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField, TextAreaField

from alerts.rules import ALERT_METRICS, CONDITION_LABELS, WINDOW_LABELS, Rule
from auth.forms import HtmlForm
from data.schema import SESSION_USER_TYPES
from metrics.catalogue import METRICS


class RuleForm(HtmlForm):
    """Every field of a rule; destinations as text, one per line."""

    name = StringField("Name")
    metric = SelectField(
        "Metric", choices=[(k, METRICS[k].label) for k in ALERT_METRICS], validate_choice=False
    )
    condition = SelectField("Condition", choices=list(CONDITION_LABELS.items()), validate_choice=False)
    threshold = StringField("Threshold")
    window = SelectField("Window", choices=list(WINDOW_LABELS.items()), validate_choice=False)
    user_type = SelectField(
        "User type",
        choices=[("", "All user types"), *((t, t) for t in SESSION_USER_TYPES)],
        validate_choice=False,
    )
    topic = StringField("Topic (optional)")
    min_sample = StringField("Minimum sample")
    emails = TextAreaField("Email addresses")
    webhooks = TextAreaField("Webhooks")
    paused = BooleanField("Paused")

    def values(self) -> dict:
        """The form as alerts.rules.validate_rule reads it: a list of addresses and of {url, secret}."""
        hooks = []
        for line in (self.webhooks.data or "").splitlines():
            parts = line.split()
            if parts:
                hooks.append({"url": parts[0], "secret": parts[1] if len(parts) > 1 else ""})
        emails = [a for a in (self.emails.data or "").replace(",", "\n").split() if a]
        return {
            "name": self.name.data,
            "metric": self.metric.data,
            "condition": self.condition.data,
            "threshold": self.threshold.data,
            "window": self.window.data,
            "user_type": self.user_type.data,
            "topic": self.topic.data,
            "min_sample": self.min_sample.data,
            "emails": emails,
            "webhooks": hooks,
            "paused": self.paused.data,
        }

    def fill(self, rule: Rule) -> None:
        """Show a stored rule (webhooks with their secrets: staff need them to check signatures)."""
        self.name.data = rule.name
        self.metric.data = rule.metric
        self.condition.data = rule.condition
        self.threshold.data = "" if rule.threshold is None else f"{rule.threshold:g}"
        self.window.data = rule.window
        self.user_type.data = rule.user_type or ""
        self.topic.data = rule.topic or ""
        self.min_sample.data = str(rule.min_sample)
        self.emails.data = "\n".join(rule.emails)
        self.webhooks.data = "\n".join(f"{w.url} {w.secret}" for w in rule.webhooks)
        self.paused.data = rule.paused


class ActionForm(HtmlForm):
    """Nothing but the CSRF token: pause, resume and delete are POSTs another site cannot forge."""
