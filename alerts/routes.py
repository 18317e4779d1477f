"""/admin/chat-analytics/alerts/: the alert rules (create, edit, pause, resume, delete), the alerts
firing, their history, failed notices and detected anomalies. Staff only (auth.guard); every change
is a POST with a CSRF token, audited by alerts.rules."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask_login import current_user

from alerts import anomalies, history
from alerts.forms import ActionForm, RuleForm
from alerts.rules import (
    CONDITION_LABELS,
    WINDOW_LABELS,
    RuleError,
    create_rule,
    delete_rule,
    get_rule,
    list_rules,
    set_paused,
    update_rule,
    validate_rule,
)
from auth.forms import LogoutForm
from metrics.catalogue import METRICS
from metrics.numbers import metric_value
from web.context import services
from web.paths import ALERTS_PATH, DASHBOARD_PATH

blueprint = Blueprint("alerts", __name__, template_folder="templates")
EXPIRED = "The form expired. Reload the page and try again."


def _context() -> dict:
    ctx = services()
    tz = ctx.config.tz

    def when(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%d %b %Y %H:%M") if moment else ""

    def shown(metric: str, value: float | None) -> str:
        return metric_value(METRICS[metric], value)

    return {
        "when": when,
        "shown": shown,
        "metrics": METRICS,
        "windows": WINDOW_LABELS,
        "conditions": CONDITION_LABELS,
        "timezone": ctx.config.display_timezone,
        "dashboard": DASHBOARD_PATH,
        "alerts_path": ALERTS_PATH,
        "username": current_user.username,
        "logout_form": LogoutForm(),
        "action_form": ActionForm(),
    }


def _page(form: RuleForm | None = None, error: RuleError | None = None, status: int = 200):
    ctx = services()
    with ctx.engine.connect() as conn:
        rules = list_rules(conn)
        found = anomalies.detect(conn, datetime.now(UTC), ctx.config.tz)
        data = {
            "rules": rules,
            "firing": history.firing(conn),
            "recent": history.recent(conn),
            "failed": history.failed_deliveries(conn),
            "anomalies": found,
        }
    form = form or RuleForm(formdata=None, data={"window": "1h", "condition": "above", "min_sample": "0"})
    return (
        render_template(
            "alerts/page.html",
            form=form,
            error=error,
            messages=get_flashed_messages(),
            **data,
            **_context(),
        ),
        status,
    )


def _actor() -> tuple[str, str | None]:
    return current_user.username, request.remote_addr


@blueprint.get(ALERTS_PATH)
def page():
    """The alerts page."""
    return _page()


@blueprint.post(ALERTS_PATH)
def create():
    """Create a rule from the page's form; a bad field re-shows the form (400) naming it."""
    form = RuleForm()
    if not form.validate_on_submit():
        return _page(form, RuleError(EXPIRED, "csrf_token"), 400)
    try:
        spec = validate_rule(form.values())
        actor, ip = _actor()
        with services().engine.begin() as conn:
            create_rule(conn, spec, actor=actor, ip=ip)
    except RuleError as exc:
        return _page(form, exc, 400)
    flash(f"Rule “{spec.name}” created.")
    return redirect(url_for("alerts.page"), 303)


def _edit_page(rule_id: int, form: RuleForm, error: RuleError | None = None, status: int = 200):
    return (
        render_template("alerts/edit.html", form=form, error=error, rule_id=rule_id, **_context()),
        status,
    )


@blueprint.route(ALERTS_PATH + "<int:rule_id>/edit", methods=["GET", "POST"])
def edit(rule_id: int):
    """Show a rule's form; on POST save it (400 naming a bad field)."""
    engine = services().engine
    with engine.connect() as conn:
        rule = get_rule(conn, rule_id)
    if rule is None:
        return render_template("alerts/missing.html", **_context()), 404
    if request.method == "GET":
        form = RuleForm(formdata=None)
        form.fill(rule)
        return _edit_page(rule_id, form)
    form = RuleForm()
    if not form.validate_on_submit():
        return _edit_page(rule_id, form, RuleError(EXPIRED, "csrf_token"), 400)
    try:
        spec = validate_rule(form.values())
        actor, ip = _actor()
        with engine.begin() as conn:
            update_rule(conn, rule_id, spec, actor=actor, ip=ip)
    except RuleError as exc:
        return _edit_page(rule_id, form, exc, 400)
    flash(f"Rule “{spec.name}” saved.")
    return redirect(url_for("alerts.page"), 303)


def _act(rule_id: int, action) -> tuple | object:
    if not ActionForm().validate_on_submit():
        return _page(error=RuleError(EXPIRED, "csrf_token"), status=400)
    actor, ip = _actor()
    try:
        with services().engine.begin() as conn:
            rule = get_rule(conn, rule_id)
            if rule is None:
                raise RuleError(f"there is no rule {rule_id} (deleted meanwhile?)", "rule")
            done = action(conn, rule, actor, ip)
    except RuleError as exc:
        return _page(error=exc, status=404)
    flash(done)
    return redirect(url_for("alerts.page"), 303)


@blueprint.post(ALERTS_PATH + "<int:rule_id>/pause", defaults={"paused": True}, endpoint="pause")
@blueprint.post(ALERTS_PATH + "<int:rule_id>/resume", defaults={"paused": False}, endpoint="resume")
def pause_or_resume(rule_id: int, paused: bool):
    """Pause a rule (not evaluated, notifies nobody) or resume it."""

    def act(conn, rule, actor, ip):
        set_paused(conn, rule.id, paused, actor=actor, ip=ip)
        return f"Rule “{rule.name}” {'paused' if paused else 'resumed'}."

    return _act(rule_id, act)


@blueprint.post(ALERTS_PATH + "<int:rule_id>/delete")
def delete(rule_id: int):
    """Delete a rule with its history."""

    def act(conn, rule, actor, ip):
        delete_rule(conn, rule.id, actor=actor, ip=ip)
        return f"Rule “{rule.name}” deleted."

    return _act(rule_id, act)
