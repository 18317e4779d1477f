"""Error answers: a database outage is a 503 with Retry-After, never a 500 with a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.exc import SQLAlchemyError

from data.errors import describe_db_error

RETRY_AFTER_SECONDS = "5"
log = logging.getLogger(__name__)


def install_error_handlers(server: Flask) -> None:
    """Answer any unhandled database failure with 503 JSON and a Retry-After header."""

    @server.errorhandler(SQLAlchemyError)
    def _database_unavailable(exc: SQLAlchemyError):
        log.warning("database unavailable: %s", describe_db_error(exc))
        response = jsonify(error="the database is not answering; try again shortly")
        return response, 503, {"Retry-After": RETRY_AFTER_SECONDS}
