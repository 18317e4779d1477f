"""Property tests over HTTP: no query string or ingestion body makes the server answer 5xx, and any
message text comes back out of the CSV export unchanged apart from formula neutralisation."""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from data.ingest import EVENT_TYPES
from exports.queries import EXPORTS
from metrics.filters import parse_filters
from tests.conftest import add_staff, sign_in
from tests.web import DASH

TOKEN = "fuzz-token-0123456789abcdef"
PARAMS = (
    "period",
    "start_date",
    "end_date",
    "user_type",
    "is_active",
    "resolved",
    "session_id",
    "sender_type",
    "action",
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["7d", "24h", "2026-11-01", "2026-02-30", "0001-01-01", "9999-12-31", "true", "no", "client"]
    ),
    st.uuids().map(str),
    st.dates().map(str),
)
queries = st.dictionaries(st.one_of(st.sampled_from(PARAMS), st.text(max_size=8)), values, max_size=5)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@pytest.fixture
def ingest_client(make_app):
    app = make_app(ingest_tokens=(TOKEN,))
    add_staff(app)
    return sign_in(app)


@settings(max_examples=300, deadline=None)
@given(args=queries, kind=st.sampled_from(sorted(EXPORTS)))
def test_export_filter_parser_accepts_or_names_an_allowed_field(args, kind):
    from data.errors import FieldError

    allowed = set(EXPORTS[kind].filters)
    try:
        filters = parse_filters(args, allowed=allowed, default_preset=None, open_range=True)
    except FieldError as exc:
        assert exc.field in args and str(exc)
    else:
        start, end = filters.bounds(ZoneInfo("Europe/Paris"))
        if start and end:
            assert start < end


@FUZZ
@given(args=queries, path=st.sampled_from(["api/", *(f"export/{k}/" for k in sorted(EXPORTS))]))
def test_api_and_exports_answer_200_or_a_400_naming_the_field(ingest_client, args, path):
    response = ingest_client.get(DASH + path, query_string=args)
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 400), (args, response.status_code, body[:300])
    if response.status_code == 400:
        problem = response.get_json()
        # The field at fault, or the missing half of a start_date/end_date pair.
        assert problem["field"] in {*args, "start_date", "end_date"} and problem["error"]


def event_like() -> st.SearchStrategy[dict]:
    """Events that are often nearly right, so validation gets past the first check."""
    return st.fixed_dictionaries(
        {
            "event_id": st.one_of(st.uuids().map(str), st.text(max_size=5)),
            "type": st.sampled_from([*EVENT_TYPES, "nonsense"]),
            "session_id": st.sampled_from([str(uuid.UUID(int=1)), str(uuid.UUID(int=2)), "not-a-uuid"]),
        },
        optional={
            "at": st.one_of(
                st.datetimes(timezones=st.just(ZoneInfo("UTC"))).map(lambda d: d.isoformat()),
                st.text(max_size=10),
            ),
            "sender_type": st.sampled_from(["user", "assistant", "system", "robot"]),
            "content": st.text(max_size=30),
            "processing_time_ms": st.one_of(st.floats(), st.integers(), st.text(max_size=3)),
            "cached": json_values,
            "metadata": json_values,
            "topic": st.text(max_size=30),
            "action": json_values,
            "rating": json_values,
            "resolved": json_values,
            "user_type": st.sampled_from(["client", "provider", "anonymous", "admin"]),
        },
    )


def reaching_the_database(**fields) -> dict:
    """A started session and one message with `fields`: stored unless validation stops it."""
    session = str(uuid.uuid4())
    return {
        "events": [
            {"event_id": str(uuid.uuid4()), "type": "session_started", "session_id": session},
            {
                "event_id": str(uuid.uuid4()),
                "type": "message",
                "session_id": session,
                "sender_type": "user",
                **fields,
            },
        ]
    }


def started_twice() -> dict:
    """One new session started by two events of one batch (found by this test: it was a 503)."""
    session = str(uuid.uuid4())
    start = {"type": "session_started", "session_id": session}
    return {"events": [{"event_id": str(uuid.uuid4()), **start}, {"event_id": str(uuid.uuid4()), **start}]}


def ingested(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM ingested_events")).scalar()


@FUZZ
@given(body=st.one_of(json_values, st.fixed_dictionaries({"events": st.lists(event_like(), max_size=6)})))
@example(body=started_twice())
@example(body=reaching_the_database(content="nul \x00 byte"))
@example(body=reaching_the_database(content="lone \ud800 surrogate"))
@example(body=reaching_the_database(content="", metadata={"k\x00": [1, "\x00"]}))
@example(body=reaching_the_database(content="", metadata={"k": "\udfff"}))
def test_any_ingestion_body_is_answered_200_or_4xx_and_a_refusal_writes_nothing(ingest_client, body):
    before = ingested(ingest_client.engine)
    response = ingest_client.post(
        "/api/v1/events", data=json.dumps(body), content_type="application/json",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )  # fmt: skip
    assert response.status_code in (200, 400, 413), (body, response.status_code, response.data[:300])
    if response.status_code != 200:
        assert ingested(ingest_client.engine) == before
        assert response.get_json()["error"]


@pytest.mark.parametrize(
    "raw", [b"[" * 100_000, b'{"events": [NaN]}', b"\xff\xfe", b'{"events": [{"metadata": Infinity}]}']
)
def test_malformed_json_bodies_get_400(ingest_client, raw):
    response = ingest_client.post(
        "/api/v1/events",
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]


def plain_number(value: str) -> bool:
    try:
        return math.isfinite(float(value)) and not any(c.isalpha() for c in value)
    except ValueError:
        return False


@FUZZ
@given(content=st.text(max_size=60))
@example(content='=HYPERLINK("http://x")')
@example(content="  -2+3")
@example(content="-12.5")
@example(content='line one\r\nline "two",\tthree')
@example(content="\tstarts with a tab")
def test_message_text_round_trips_through_the_csv_export(ingest_client, content):
    session = str(uuid.uuid4())
    events = [
        {"event_id": str(uuid.uuid4()), "type": "session_started", "session_id": session},
        {
            "event_id": str(uuid.uuid4()),
            "type": "message",
            "session_id": session,
            "sender_type": "user",
            "content": content,
        },
    ]
    sent = ingest_client.post(
        "/api/v1/events", json={"events": events}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    if "\x00" in content:
        assert sent.status_code == 400  # neither database stores NUL; the sender is told why
        return
    assert sent.status_code == 200, sent.data
    export = ingest_client.get(DASH + "export/messages/", query_string={"session_id": session})
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True), newline="")))
    assert len(rows) == 2
    cell = rows[1][rows[0].index("Content")]
    dangerous = content[:1] in ("\t", "\r") or (
        content.lstrip()[:1] in tuple("=+-@|%") and not plain_number(content)
    )
    assert cell == ("'" + content if dangerous else content)
