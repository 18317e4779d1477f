"""POST /api/v1/events: chat back ends feed sessions over HTTP with a bearer token."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import DBAPIError

from api.events import BodyError, TooManyEvents, parse_events
from data import audit
from data.ingest import BatchRejected, apply_batch, is_conflict
from monitoring import instruments
from web.bearer import bearer_token
from web.context import services

MAX_BODY_BYTES = 1024 * 1024
# A concurrent batch carrying the same event ids makes ours fail on the key (the retry then sees
# them as duplicates), or two batches touching the same sessions deadlock on PostgreSQL.
ATTEMPTS = 3

blueprint = Blueprint("ingest", __name__)


def fingerprint(token: str) -> str:
    """A short, non-reversible name for a token, fit for the audit log (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def _error(status: int, message: str, **extra):
    reason = {401: "unauthorized", 413: "too_large"}.get(status) or (
        "invalid_events" if "events" in extra else "malformed"
    )
    instruments.ingest_refused(reason)
    return jsonify(error=message, **extra), status


def _reject_constant(name: str) -> None:
    # Python's json accepts NaN and Infinity; JSON and PostgreSQL do not.
    raise ValueError(f"{name} is not JSON")


@blueprint.post("/api/v1/events")
def ingest():
    """Validate the whole batch, then write it in one transaction; answer accepted and duplicates."""
    ctx = services()
    token = bearer_token(ctx.config.ingest_tokens)
    if token is None:
        audit.record_now(ctx.engine, "ingest_denied", ip=request.remote_addr)
        response, status = _error(401, "a valid bearer token is required (Authorization: Bearer <token>)")
        return response, status, {"WWW-Authenticate": 'Bearer realm="events"'}
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _error(413, f"the body must be at most {MAX_BODY_BYTES} bytes")
    raw = request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        return _error(413, f"the body must be at most {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _error(400, "the body must be JSON (standard JSON: no NaN or Infinity, not nested too deeply)")
    now = datetime.now(UTC)
    try:
        events, errors = parse_events(body, now)
    except TooManyEvents as exc:
        return _error(413, str(exc))
    except BodyError as exc:
        return _error(400, str(exc))
    if errors:
        return _error(400, "the batch was rejected; nothing was written", events=errors)
    for attempt in range(ATTEMPTS):
        try:
            with ctx.engine.begin() as conn:
                accepted, duplicates = apply_batch(conn, events, now)
                detail = {"events": len(events), "accepted": accepted, "duplicates": duplicates}
                audit.record(
                    conn, "ingest", actor=f"token:{fingerprint(token)}", ip=request.remote_addr, detail=detail
                )
            break
        except BatchRejected as exc:
            return _error(400, "the batch was rejected; nothing was written", events=exc.errors)
        except DBAPIError as exc:
            # Anything else, or a conflict that persists, is the 503 with Retry-After of web.errors.
            if not is_conflict(exc) or attempt == ATTEMPTS - 1:
                raise
    instruments.ingest_written(accepted, duplicates)
    return jsonify(accepted=accepted, duplicates=duplicates)
