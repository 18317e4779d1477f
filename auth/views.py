"""GET/POST /login and POST /logout."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from auth.accounts import LOGIN_TOKEN, SignedInUser, login_token, remember_account
from auth.forms import LoginForm, LogoutForm, is_form_body
from auth.guard import SIGNED_IN_AT, safe_next
from data import audit, logins
from data.users import authenticate
from web.context import services
from web.paths import DASHBOARD_PATH

blueprint = Blueprint("auth", __name__, template_folder="templates")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on good credentials sign in and go back where the user was heading."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"), "")
        if current_user.is_authenticated:
            return redirect(safe_next(form.next.data, DASHBOARD_PATH))
        return render_template("login.html", form=form, error=None)
    if not is_form_body():
        # Only the HTML form signs in: its body is what the per-username rate limit counts.
        error = "Sign in with the form (application/x-www-form-urlencoded)."
        return render_template("login.html", form=LoginForm(), error=error), 415
    if form.validate_on_submit():
        ctx = services()
        with ctx.engine.connect() as conn:
            account = authenticate(conn, form.username.data, form.password.data)
        if account is not None:
            with ctx.engine.begin() as conn:
                max_age = timedelta(hours=ctx.config.session_max_hours)
                token = logins.start(conn, account.id, datetime.now(UTC), max_age)
            session.clear()  # a fresh session on sign-in: nothing carried over from before
            login_user(SignedInUser(account))
            session[LOGIN_TOKEN] = token
            remember_account(account)
            session.permanent = True
            session[SIGNED_IN_AT] = time.time()
            # Every later response re-sends the cookie (idle timeout); settle the CSRF secret now so
            # that concurrent dashboard requests never race to write different sessions. The token
            # cached for this request belonged to the session just cleared.
            g.pop("csrf_token", None)
            generate_csrf()
            audit.record_now(services().engine, "login", actor=account.username, ip=request.remote_addr)
            return redirect(safe_next(form.next.data, DASHBOARD_PATH))
        audit.record_now(services().engine, "login_failed", actor=form.username.data, ip=request.remote_addr)
        return render_template("login.html", form=form, error="Wrong username or password."), 401
    if form.csrf_token.errors:
        error = "The form expired. Please sign in again."
    else:
        error = "Enter a username and a password."
    return render_template("login.html", form=form, error=error), 400


def _expired_form():
    return render_template("login.html", form=LoginForm(), error="Could not sign out: the form expired."), 400


@blueprint.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST with the CSRF token from the dashboard header): this sign-in ends on the
    server, so a copy of the cookie is worth nothing afterwards; then show the login page."""
    if not LogoutForm().validate_on_submit():
        return _expired_form()
    engine = services().engine
    token = login_token()
    with engine.begin() as conn:
        if token is not None:
            logins.end(conn, token)
        if current_user.is_authenticated:
            audit.record(conn, "logout", actor=current_user.username, ip=request.remote_addr)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@blueprint.route("/logout/everywhere", methods=["POST"])
def logout_everywhere():
    """End every sign-in of the current account (all browsers and devices), then show the login page."""
    if not LogoutForm().validate_on_submit():
        return _expired_form()
    if current_user.is_authenticated:
        with services().engine.begin() as conn:
            ended = logins.end_all(conn, int(current_user.get_id()))
            detail = {"sign_ins_ended": ended}
            audit.record(
                conn, "logout_everywhere", actor=current_user.username, ip=request.remote_addr, detail=detail
            )
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
