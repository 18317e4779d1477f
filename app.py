"""Chat Analytics: the application factory, `gunicorn app:server`, and `python app.py`."""

from __future__ import annotations

import logging
import secrets
import sys
from datetime import datetime, timedelta
from pathlib import Path

from dash import Dash
from flask import Flask, has_request_context, jsonify, redirect
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix

from alerts.routes import blueprint as alerts_blueprint
from alerts.timer import start_timer
from api.alerts import blueprint as alerts_api_blueprint
from api.ingest import blueprint as ingest_blueprint
from api.openapi import blueprint as openapi_blueprint
from api.realtime import blueprint as realtime_blueprint
from api.topics import blueprint as topics_api_blueprint
from auth.accounts import make_login_manager
from auth.guard import require_staff
from auth.ratelimit import install_login_limits
from auth.views import blueprint as auth_blueprint
from callbacks import register_callbacks
from callbacks.live import live_reading
from config import Config, ConfigError
from data.db import create_engine, upgrade_schema
from data.health import database_problem
from explorer.routes import blueprint as explorer_blueprint
from exports.routes import blueprint as exports_blueprint
from layouts.page import build_page
from monitoring.endpoint import blueprint as metrics_blueprint
from monitoring.requests import install_request_timing
from web.cache import install_cache_header, make_cache
from web.callback_requests import install_callback_checks
from web.context import Services, install, services
from web.cookies import install_cookie_policy
from web.errors import RETRY_AFTER_SECONDS, install_error_handlers
from web.nostore import install_no_store
from web.pages import install_not_found
from web.paths import DASHBOARD_PATH
from web.security import install_security_headers

ROOT = Path(__file__).resolve().parent
log = logging.getLogger(__name__)
ASSETS = ROOT / "assets"
# Dash's page with a language and a skip link; the inline scripts are Dash's own (hashed by the CSP).
# assets/native-strings.js runs once before Dash's scripts (here) and once after them (as an asset):
# it keeps the browser's own trim, parseInt and parseFloat under Dash's polyfill (see the file).
INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        <a class="visually-hidden-focusable" href="#main">Skip to the figures</a>
        {%app_entry%}
        <footer>
            {%config%}
            <script src="__NATIVE_STRINGS__"></script>
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>
""".replace("__NATIVE_STRINGS__", DASHBOARD_PATH + "assets/native-strings.js")


def create_app(config: Config | None = None) -> Dash:
    """Build the Flask server and the Dash app on `config`'s database, upgrading its schema first.

    Outside debug and testing a real SECRET_KEY is required: sessions signed with a throwaway key
    would not survive a restart or work across several workers.
    """
    config = config or Config.from_env()
    secret_key = config.secret_key
    if not secret_key:
        if not (config.debug or config.testing):
            raise ConfigError(
                "SECRET_KEY is not set; generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        secret_key = secrets.token_urlsafe(32)

    server = Flask(__name__, static_folder=str(ASSETS), static_url_path="/static")
    install_request_timing(server)  # first: the guard's early answers are timed too
    server.config.update(
        SECRET_KEY=secret_key,
        TESTING=config.testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        # Idle timeout: the cookie expires this long after the last request (each request renews it).
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=config.session_idle_minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        # The dashboard stays open all day; its logout token must last as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
    )
    if config.proxy_fix:
        # Behind one trusted reverse proxy: take scheme, host and client address from its headers.
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1)
    install_cookie_policy(server)
    engine = create_engine(config.database_url)
    upgrade_schema(engine)
    cache = make_cache(server, config.cache_seconds, config.redis_url, config.redis_key_prefix)
    install(server, Services(config=config, engine=engine, cache=cache))
    install_cache_header(server)

    make_login_manager().init_app(server)
    server.register_blueprint(auth_blueprint)
    install_login_limits(server, config.login_rate, config.login_limits_storage, config.redis_key_prefix)
    server.before_request(require_staff)
    install_not_found(server)
    install_error_handlers(server)
    server.add_url_rule("/", "root", lambda: redirect(DASHBOARD_PATH))
    server.add_url_rule("/healthz", "healthz", healthz)
    server.add_url_rule("/favicon.ico", "favicon", lambda: ("", 204))
    server.register_blueprint(exports_blueprint)
    server.register_blueprint(realtime_blueprint)
    server.register_blueprint(topics_api_blueprint)
    server.register_blueprint(explorer_blueprint)
    server.register_blueprint(ingest_blueprint)
    server.register_blueprint(openapi_blueprint)
    server.register_blueprint(metrics_blueprint)
    server.register_blueprint(alerts_blueprint)
    server.register_blueprint(alerts_api_blueprint)

    app = Dash(
        __name__,
        server=server,
        url_base_pathname=DASHBOARD_PATH,
        assets_folder=str(ASSETS),
        title="Chat Analytics",
        update_title=None,
        serve_locally=True,
        suppress_callback_exceptions=True,
    )
    app.index_string = INDEX
    app.layout = serve_layout
    register_callbacks(app)
    install_callback_checks(app)
    install_security_headers(server, app.csp_hashes())
    install_no_store(server)
    server.extensions["alerts_timer"] = start_timer(engine, config)
    return app


def serve_layout():
    """The page for the user of the current request (Dash calls this for every page load).

    Dash also calls it once while setting up, during whatever request comes first (a health check,
    say): only a signed-in user's page gets a CSRF token, so no other request starts a session.
    """
    ctx = services()
    signed_in = has_request_context() and current_user.is_authenticated
    return build_page(
        username=current_user.username if signed_in else "",
        csrf_token=generate_csrf() if signed_in else "",
        timezone=ctx.config.display_timezone,
        live_interval_ms=ctx.config.live_interval_ms,
        # Read only for a signed-in user's page: Dash also builds it once at start-up.
        live=live_reading() if signed_in else (None, {"interval_ms": ctx.config.live_interval_ms}),
        today=datetime.now(ctx.config.tz).date(),
    )


def healthz():
    """200 while the app can serve from its database; 503 when it cannot (see data.health)."""
    problem = database_problem(services().engine)
    if problem is not None:
        log.warning("health check: %s", problem.detail)
        return (
            jsonify(status="unavailable", database=problem.code),
            503,
            {"Retry-After": RETRY_AFTER_SECONDS},
        )
    return jsonify(status="ok", database="ok")


def main(argv: list[str] | None = None) -> int:
    """`python app.py [--host H] [--port P] [--demo]`: the `chat-analytics serve` command."""
    from commands.serve import serve
    from commands.startup import invoke

    return invoke(serve, argv, "python app.py")


def __getattr__(name: str):
    # `gunicorn app:server` builds the app on first access, not at import: tests import this module freely.
    if name == "server":
        global server
        server = create_app().server
        return server
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
