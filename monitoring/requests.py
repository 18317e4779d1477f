"""Request latency by route rule: from arrival to the last byte of the body (streamed exports too)."""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from monitoring.instruments import REQUEST_SECONDS

UNMATCHED = "unmatched"  # requests no rule matched (404s): one label, however many paths are probed
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def install_request_timing(server: Flask) -> None:
    """Time every request of `server`; install before any hook that may answer early (the guard)."""

    @server.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()

    @server.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("request_started", None)
        if started is None:
            return response
        rule = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        method = request.method if request.method in METHODS else "other"
        child = REQUEST_SECONDS.labels(rule, method, str(response.status_code))
        if response.is_streamed:
            # An export: its time is that of the whole download, taken when the server closes it.
            response.call_on_close(lambda: child.observe(time.perf_counter() - started))
        else:
            child.observe(time.perf_counter() - started)
        return response
