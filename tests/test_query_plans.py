"""The dashboard's queries use the indexes meant for them: no full scan of chat_messages (SQLite)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bench import dashboard
from callbacks.live import refresh_live
from data.seed import generate
from metrics.filters import Filters
from web.context import services_of


def plans_of_a_refresh(app, filters: Filters) -> list[tuple[str, list[str]]]:
    """(statement, EXPLAIN QUERY PLAN lines) for every query a cold refresh and a live tick run."""
    engine = services_of(app.server).engine
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    with app.server.test_request_context():
        services_of(app.server).cache.clear()
        dashboard.refresh(filters)
        refresh_live()
    event.remove(engine, "before_cursor_execute", capture)
    out = []
    with engine.connect() as conn:
        for statement, parameters in seen:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            out.append((statement, [row[-1] for row in rows]))
    return out


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "filters", [Filters("24h"), Filters("90d"), Filters("30d", user_type="client")], ids=str
)
def test_no_dashboard_query_scans_chat_messages(make_app, filters):
    app = make_app()
    engine = services_of(app.server).engine
    # No ANALYZE: the app's SQLite files have no statistics, so these are the plans users get.
    generate(engine, sessions=300, days=90, active=5, seed=3)
    plans = plans_of_a_refresh(app, filters)
    assert len(plans) >= 10
    touching = [(sql, lines) for sql, lines in plans if "chat_messages" in sql]
    assert touching, "the refresh reads messages"
    for sql, lines in touching:
        scans = [line for line in lines if line.startswith("SCAN chat_messages")]
        assert not scans, f"full scan of chat_messages: {scans}\n{sql}"
        assert any(line.startswith("SEARCH chat_messages USING") for line in lines), (lines, sql)
        # A page of the sessions table lists the type's sessions by design (LIMIT); only its open
        # rows' message counts reach chat_messages, one indexed search per row.
        if " LIMIT " in sql:
            continue
        # With a user type, the messages' time range leads; walking every session of the type to
        # find a short span's messages took 140 ms at 100k sessions.
        walks = [line for line in lines if "chat_sessions USING INDEX ix_chat_sessions_user_type" in line]
        assert not walks, f"walks the sessions of a type to find messages: {walks}\n{sql}"
    # The live tick counts open sessions through the partial index, whatever the table's size.
    live = [(sql, lines) for sql, lines in plans if "WHERE chat_sessions.is_active" in sql]
    assert live, "the live tick counts open sessions"
    for sql, lines in live:
        assert any("ix_chat_sessions_active" in line for line in lines), (lines, sql)
    # The rollups are read by a range of their primary key (grain, start, ...), never scanned whole.
    rollup_reads = [(sql, lines) for sql, lines in plans if "rollup_" in sql]
    assert rollup_reads, "the refresh reads the rollups"
    for sql, lines in rollup_reads:
        scans = [line for line in lines if line.startswith("SCAN rollup_")]
        assert not scans, f"full scan of a rollup table: {scans}\n{sql}"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_segments_beyond_the_rollups_look_each_session_up_never_scan(make_app):
    """Cached answers through the partial index ix_chat_messages_cached (its predicate spelled as
    the query compares), outcome and message count through chat_analytics' unique index."""
    app = make_app()
    generate(services_of(app.server).engine, sessions=300, days=90, active=5, seed=3)
    filters = Filters("30d", resolved=False, messages="3-", cached=True, duration="0-900")
    plans = plans_of_a_refresh(app, filters)
    lines = [line for _, found in plans for line in found]
    assert any("cached_answers USING INDEX ix_chat_messages_cached" in line for line in lines), lines
    assert not [line for line in lines if line.startswith(("SCAN chat_messages", "SCAN cached_answers"))]
    assert not [line for line in lines if line.startswith("SCAN outcome")], "a full read of chat_analytics"
