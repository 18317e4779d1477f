"""GET /metrics: the Prometheus text format for bearers of a METRICS_TOKENS token (404 when unset)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, session
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from monitoring.registry import scrape_registry
from web.bearer import bearer_token
from web.context import services

blueprint = Blueprint("metrics", __name__)


@blueprint.get("/metrics")
def metrics():
    """Every metric, for a scraper with a valid token; the endpoint does not exist without tokens."""
    ctx = services()
    if not ctx.config.metrics_tokens:
        abort(404)
    if bearer_token(ctx.config.metrics_tokens) is None:
        response = jsonify(error="a valid bearer token is required (Authorization: Bearer <token>)")
        return response, 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}
    body = generate_latest(scrape_registry(ctx.engine))
    return Response(body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4, "Cache-Control": "no-store"})


@blueprint.after_request
def _no_cookie(response: Response) -> Response:
    """A scrape never gets a session cookie, not even as a worker's first request (when Dash builds
    its layout, and a CSRF token in the session, whatever the path)."""
    session.modified = False
    return response
