"""On PostgreSQL the API's repeated statements are prepared once per connection, not planned per call."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="TEST_DATABASE_URL (PostgreSQL) not set")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_api_s_statements_are_prepared_after_a_few_calls(staff_client):
    for _ in range(6):
        assert staff_client.get("/admin/chat-analytics/api/?period=7d").status_code == 200
    # The pool hands the sequential test client's requests the same connection; ask it.
    with staff_client.engine.connect() as conn:
        prepared = conn.execute(
            text("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        ).all()
    reading_rollups = [(s, runs) for s, runs in prepared if "rollup_hours" in s]
    assert reading_rollups, [s[:80] for s, _ in prepared]
    assert all(runs >= 1 for _, runs in reading_rollups)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_prepared_statement_is_planned_for_each_call_s_period(staff_client):
    """A plan made once for any parameters read a week's rows the way it read an hour's (the API's
    24 hours went from 20 to 200 ms after a few 7-day calls): every prepared statement is planned
    afresh for its values, however many times it ran."""
    for period in ("7d",) * 8 + ("24h",) * 8:
        assert staff_client.get(f"/admin/chat-analytics/api/?period={period}").status_code == 200
    with staff_client.engine.connect() as conn:
        plans = conn.execute(
            text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        ).all()
    with_values = [(s, generic, custom) for s, generic, custom in plans if "$1" in s]
    assert with_values, "no statement with parameters was prepared"
    assert [(s[:80], generic) for s, generic, _ in with_values if generic] == []
    assert max(custom for _, _, custom in with_values) >= 8
