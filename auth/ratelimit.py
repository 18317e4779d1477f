"""Brakes on password guessing: sign-in attempts limited per client address and per username."""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from auth.forms import LoginForm, submitted_username
from data import audit
from web.context import services
from web.shared_store import connection_options, is_redis, limits_prefix

TOO_MANY = "Too many sign-in attempts. Wait a minute, then try again."


def _username_key() -> str:
    # The name the login form checks: it reads HTML form bodies only, and so does this key.
    return "user:" + submitted_username().lower()


def _too_many(_limit) -> Response:
    username = submitted_username()
    audit.record_now(services().engine, "login_blocked", actor=username or None, ip=request.remote_addr)
    return make_response(render_template("login.html", form=LoginForm(), error=TOO_MANY), 429)


def install_login_limits(
    server: Flask, rate: str, storage_uri: str, key_prefix: str = "chat-analytics:"
) -> Limiter:
    """Limit POST /login to `rate` per client IP and per username (429 with Retry-After beyond).

    Storage is `memory://` for one process, or a shared store (redis://...) that every worker
    counts in, under `key_prefix`. When the shared store stops answering, each process counts on
    its own (flask-limiter logs a warning) and goes back to it once it answers: never a 500.
    """
    limiter = Limiter(
        get_remote_address,
        app=server,
        storage_uri=storage_uri,
        storage_options=connection_options() if is_redis(storage_uri) else {},
        key_prefix=limits_prefix(key_prefix),
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=True,
        retry_after="delta-seconds",
    )
    view = server.view_functions["auth.login"]
    view = limiter.limit(rate, methods=["POST"], on_breach=_too_many)(view)
    # An attempt naming no username (or not sent as a form, so refused unread) is limited per address only.
    view = limiter.limit(
        rate,
        methods=["POST"],
        key_func=_username_key,
        on_breach=_too_many,
        exempt_when=lambda: not submitted_username(),
    )(view)
    server.view_functions["auth.login"] = view
    return limiter
