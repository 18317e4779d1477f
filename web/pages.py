"""Which addresses under the dashboard exist: anything only Dash's catch-all route would answer is a
404 page, not the dashboard."""

from __future__ import annotations

from flask import Flask, request

from web.paths import DASHBOARD_PATH

CATCH_ALL = DASHBOARD_PATH + "<path:path>"  # Dash serves its page for any address below its own
NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Not found · Chat Analytics</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem;">
<main><h1>Page not found</h1>
<p>There is no page at this address. <a href="{dashboard}">Open the dashboard</a>.</p></main>
</body></html>
"""


def install_not_found(server: Flask) -> None:
    """Answer addresses that no route but Dash's catch-all matches with a 404 page."""

    @server.before_request
    def _unknown_dashboard_path():
        rule = request.url_rule
        if rule is not None and rule.rule == CATCH_ALL:
            return (
                NOT_FOUND_PAGE.format(dashboard=DASHBOARD_PATH),
                404,
                {"Content-Type": "text/html; charset=utf-8"},
            )
        return None
