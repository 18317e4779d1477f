"""Security headers on every response, and the Content-Security-Policy that Dash works with."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.serving import WSGIRequestHandler

# Plotly and Dash set inline styles, hence 'unsafe-inline' for styles only; scripts are limited to
# our own origin plus the hashes of Dash's few inline bootstrap scripts.
_POLICY = {
    "default-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(script_hashes: list[str]) -> str:
    """The CSP header value allowing our scripts and the inline ones with these hashes."""
    directives = dict(_POLICY, **{"script-src": " ".join(["'self'", *script_hashes])})
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def install_security_headers(server: Flask, script_hashes: list[str]) -> None:
    """Add CSP, framing, sniffing and referrer headers to every response; drop version banners."""
    csp = content_security_policy(script_hashes)

    @server.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers.pop("X-Powered-By", None)
        return response


class BannerlessRequestHandler(WSGIRequestHandler):
    """The development server's handler, naming no Werkzeug or Python version in `Server`."""

    def version_string(self) -> str:
        return "chat-analytics"
