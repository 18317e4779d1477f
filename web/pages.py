"""Which addresses under the dashboard exist: anything else is a 404 page, not the dashboard."""

from __future__ import annotations

from flask import Flask, request

from web.paths import DASHBOARD_PATH

# Dash's own endpoints and assets, and the dashboard's Flask routes (exports, API, pages).
KNOWN_PREFIXES = ("_dash-", "_reload-hash", "_favicon", "assets/", "export/", "api/", "topics/", "alerts/")
NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Not found · Chat Analytics</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem;">
<main><h1>Page not found</h1>
<p>There is no page at this address. <a href="{dashboard}">Open the dashboard</a>.</p></main>
</body></html>
"""


def is_known(path: str) -> bool:
    """True for the dashboard itself and the addresses below it that something answers."""
    rest = path[len(DASHBOARD_PATH) :]
    return rest == "" or rest.startswith(KNOWN_PREFIXES)


def install_not_found(server: Flask) -> None:
    """Answer unknown addresses under the dashboard with a 404 page (Dash would serve the page)."""

    @server.before_request
    def _unknown_dashboard_path():
        if request.path.startswith(DASHBOARD_PATH) and not is_known(request.path):
            return (
                NOT_FOUND_PAGE.format(dashboard=DASHBOARD_PATH),
                404,
                {"Content-Type": "text/html; charset=utf-8"},
            )
        return None
