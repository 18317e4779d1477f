"""The rule for everything under `/admin/`: an active staff user, or no entry."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Response, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from auth.forms import LogoutForm
from web.context import services

PROTECTED_PREFIX = "/admin/"
SIGNED_IN_AT = "signed_in_at"


def wants_html() -> bool:
    """True for a browser navigating to a page, False for scripts and Dash's own XHR calls."""
    # Only an explicit text/html counts: curl and scripts send */*, Dash's fetches application/json.
    explicit = set(request.accept_mimetypes.values())
    return request.method == "GET" and bool(explicit & {"text/html", "application/xhtml+xml"})


def safe_next(target: object, default: str) -> str:
    """`target` when it is a plain path on this site, else `default` (no open redirects).

    Control characters are refused outright: CR/LF would split the Location header, and browsers
    drop tabs and newlines from URLs, so `/<TAB>/evil.example` would become `//evil.example`.
    """
    if not isinstance(target, str) or not target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return default
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return default
    return target


def _expired() -> bool:
    """True when the sign-in is older than SESSION_MAX_HOURS, however active the session was."""
    signed_in = session.get(SIGNED_IN_AT)
    max_age = services().config.session_max_hours * 3600
    return not isinstance(signed_in, int | float) or time.time() - signed_in > max_age


def require_staff() -> Response | tuple | None:
    """before_request hook: redirect, 401 or 403 any request under /admin/ that is not staff's."""
    if not request.path.startswith(PROTECTED_PREFIX):
        return None
    if current_user.is_authenticated and _expired():
        logout_user()
        session.clear()
    if not current_user.is_authenticated:
        if wants_html():
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return jsonify(error="authentication required: sign in at /login"), 401
    if not (current_user.is_staff and current_user.is_active):
        if wants_html():
            return render_template("forbidden.html", logout_form=LogoutForm()), 403
        return jsonify(error="staff only" if current_user.is_active else "account deactivated"), 403
    return None
