"""The recent-sessions table (of the view's period and segment) and the transcript panel."""

from __future__ import annotations

import hashlib
import json

from dash import Dash, Input, Output, State, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.inputs import selected_session, stored_filters, text_or_none
from callbacks.period import load
from data import sessions
from data.localtime import in_zone
from layouts.sessions import build_transcript
from metrics.numbers import rounded
from web.context import services

TIME_FORMAT = "%Y-%m-%d %H:%M"


def _row(s: dict, tz) -> dict:
    return {
        "session_id": s["session_id"],
        "user": s["user"],
        "user_type": s["user_type"],
        "status": "open" if s["is_active"] else "closed",
        "created": in_zone(s["created_at"], tz).strftime(TIME_FORMAT),
        "messages": s["total_messages"],
        "avg_response_ms": rounded(s["average_response_time_ms"], 0),
        "satisfaction": s["satisfaction_rating"],
        # An open session is neither resolved nor not yet: it has no outcome.
        "resolved": "—" if s["is_active"] else ("yes" if s["resolved"] else "no"),
        "escalated": "—" if s["is_active"] else ("yes" if s["escalated_to_human"] else "no"),
        "engagement": rounded(s["engagement_score"], 1),
    }


def shown_key(rows: list[dict], caption: str) -> str:
    """A fingerprint of the table's rows and caption: equal exactly when both are the same."""
    text = json.dumps([rows, caption], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def update_table(stored: dict | None, shown: str | None = None) -> tuple:
    """Rows, caption and their fingerprint for the filters' period and segment (user type, topic).

    When the fingerprint equals `shown` (the one of the rows on screen) nothing is sent: the table
    already shows them (e.g. the newest 500 sessions of the last 7 days are those of the last 30
    days), and 500 rows re-sent cost the browser a redraw of the grid for nothing.
    """
    filters = stored_filters(stored)
    shown = text_or_none(shown, "sessions-grid-key.data")
    tz = services().config.tz
    try:
        found = load(
            "sessions", filters, lambda conn, period: sessions.recent_sessions(conn, period, filters.segment)
        )
    except SQLAlchemyError:
        rows, caption = [], "not available: the database is not answering"
    else:
        rows = [_row(s, tz) for s in found]
        limit = sessions.RECENT_LIMIT
        caption = f"newest {limit:,} in the period" if len(rows) >= limit else f"{len(rows):,} in the period"
        if filters.topics:
            caption += " that discussed " + " or ".join(f"“{t}”" for t in filters.topics)
    key = shown_key(rows, caption)
    if key == shown:
        return no_update, no_update, no_update
    return rows, caption, key


def open_transcript(selected: list[dict] | None):
    """Open the side panel with the clicked session's messages in order."""
    session_id = selected_session(selected)
    if not session_id:
        return no_update, no_update, no_update
    ctx_services = services()
    tz = ctx_services.config.tz
    try:
        with ctx_services.reader.connect() as conn:
            header = sessions.session_header(conn, session_id)
            messages = sessions.transcript(conn, session_id)
    except SQLAlchemyError:
        return True, "Transcript", "The database is not answering; try again in a moment."
    if header is None:
        return True, "Transcript", "This session no longer exists."
    summary = [
        f"{header['user']} ({header['user_type']}) · started {in_zone(header['created_at'], tz):%Y-%m-%d %H:%M}",
        " · active" if header["is_active"] else " · closed",
    ]
    shown = [
        {
            "sender": m["sender_type"],
            "content": m["content"],
            "time": in_zone(m["created_at"], tz).strftime("%H:%M:%S"),
            "processing_ms": m["processing_time_ms"],
            "cached": m["is_cached_response"],
        }
        for m in messages
    ]
    return True, f"Session {session_id[:8]}", build_transcript(summary, shown)


def register(app: Dash) -> None:
    """Attach the table and transcript callbacks to `app`."""
    app.callback(
        Output("sessions-grid", "rowData"),
        Output("sessions-caption", "children"),
        Output("sessions-grid-key", "data"),
        Input("filters", "data"),
        State("sessions-grid-key", "data"),
        prevent_initial_call=True,
    )(update_table)
    app.callback(
        Output("transcript", "is_open"),
        Output("transcript", "title"),
        Output("transcript-body", "children"),
        Input("sessions-grid", "selectedRows"),
        prevent_initial_call=True,
    )(open_transcript)
