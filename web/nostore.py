"""Nothing behind the sign-in is kept by a browser or proxy cache: `Cache-Control: no-store`."""

from __future__ import annotations

from flask import Flask, Response, request, session

from auth.guard import PROTECTED_PREFIX
from web.cookies import is_public

NO_STORE = "no-store"
# The sign-in pages carry a CSRF token (and, for a signed-in user, redirect by their session).
SIGN_IN_PATHS = frozenset({"/login", "/logout", "/logout/everywhere"})


def must_not_be_stored() -> bool:
    """True for the current request's response: anything under /admin/, the sign-in pages, and
    whatever answers a signed-in session outside the public endpoints."""
    path = request.path
    if path.startswith(PROTECTED_PREFIX) or path in SIGN_IN_PATHS:
        return True
    return not is_public(path) and bool(session.get("_user_id"))


def install_no_store(server: Flask) -> None:
    """Mark every response behind the sign-in `no-store` (replacing Dash's own caching headers)."""

    @server.after_request
    def _no_store(response: Response) -> Response:
        if must_not_be_stored():
            response.headers["Cache-Control"] = NO_STORE
            response.headers.pop("Expires", None)
            response.headers["Pragma"] = "no-cache"  # HTTP/1.0 caches
        return response
