"""Public endpoints never carry a session cookie: only pages that need a session write one."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

# Health checks, ingestion, the API document and static files: no session.
PUBLIC_PATHS = frozenset({"/healthz", "/favicon.ico"})
PUBLIC_PREFIXES = ("/api/v1/", "/static/")


def is_public(path: str) -> bool:
    """True for the endpoints anyone (or any load balancer) may call without signing in."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class PublicPathsSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that public paths never set or clear the cookie."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if is_public(request.path):
            return
        super().save_session(app, session, response)


def install_cookie_policy(server: Flask) -> None:
    """Use the session interface that leaves public responses without a Set-Cookie."""
    server.session_interface = PublicPathsSessionInterface()
