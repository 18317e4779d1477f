"""Error answers for database failures: the client's bad value is a 400, an unavailable database
a 503 with Retry-After (a sender retries), anything else a 500; never a traceback."""

from __future__ import annotations

import logging

from dash.exceptions import DependencyException
from flask import Flask, jsonify
from sqlalchemy.exc import SQLAlchemyError

from data.errors import describe_db_error, is_bad_value, is_unavailable

RETRY_AFTER_SECONDS = "5"
log = logging.getLogger(__name__)


def install_error_handlers(server: Flask) -> None:
    """Answer any unhandled database failure with JSON: 400, 503 with Retry-After, or 500; and a
    request for a file Dash does not serve (`_dash-component-suites/dash/../../dash.py`) with 404."""

    @server.errorhandler(DependencyException)
    def _not_a_dash_file(_exc: DependencyException):
        return jsonify(error="not found"), 404

    @server.errorhandler(SQLAlchemyError)
    def _database_error(exc: SQLAlchemyError):
        reason = describe_db_error(exc)
        if is_bad_value(exc):
            log.info("database refused a value: %s", reason)
            return jsonify(
                error=f"the database refused a value of this request; nothing was stored ({reason})"
            ), 400
        if is_unavailable(exc):
            log.warning("database unavailable: %s", reason)
            response = jsonify(error="the database is not answering; try again shortly")
            return response, 503, {"Retry-After": RETRY_AFTER_SECONDS}
        log.error("database error: %s", reason, exc_info=exc)
        return jsonify(error="internal error"), 500
