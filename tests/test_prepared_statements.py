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
