"""format=parquet: the CSV's rows and columns, typed, read back with pyarrow and compared row by row.

The CSV is the reference: each Parquet value, written out the way the CSV writes cells (in the
display zone, one decimal, `; `-joined topics), must give the CSV's cell; text a spreadsheet would
run as a formula is quoted in the CSV only. Row counts are checked against the hand-built fixture and
raw SQL.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from data import recording
from data.users import create_user
from exports import parquet
from tests.builders import build, sid
from tests.conftest import add_staff, sign_in
from tests.test_exports import (
    ANALYTICS_FILTERS,
    DANGEROUS,
    MESSAGE_FILTERS,
    PARIS,
    SESSION_FILTERS,
    SPECS,
    at,
    expected_analytics,
    expected_messages,
    expected_sessions,
)
from tests.web import DASH
from web.context import services_of

PARQUET = "application/vnd.apache.parquet"
JSON_COLUMNS = {"Metadata", "Actions", "Detail"}
METADATA = {"lang": "fr", "note": 'déjà vu, "quoted"', "scores": [1, 2.5, None], "nested": {"ok": True}}
PLAIN_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
FLAGS = {"true": True, "yes": True, "false": False, "0": False}


@pytest.fixture
def staff(make_app):
    app = make_app(display_timezone="Europe/Paris")
    engine = services_of(app.server).engine
    build(engine, SPECS)
    add_staff(app)
    client = sign_in(app)
    return client


def query(filters: dict, fmt: str | None = None) -> str:
    params = {**filters, **({"format": fmt} if fmt else {})}
    return "?" + "&".join(f"{k}={v}" for k, v in params.items())


def fetch_csv(client, kind: str, filters: dict) -> tuple[list[str], list[list[str]]]:
    response = client.get(f"{DASH}export/{kind}/{query(filters)}")
    assert response.status_code == 200, response.data
    header, *rows = csv.reader(io.StringIO(response.get_data(as_text=True)))
    return header, rows


def fetch_parquet(client, kind: str, filters: dict) -> pa.Table:
    response = client.get(f"{DASH}export/{kind}/{query(filters, 'parquet')}")
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"] == PARQUET
    return pq.read_table(io.BytesIO(response.get_data()))


def as_csv_cell(value) -> str:
    """A typed value written the way the CSV export writes it (without the formula quote)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(PARIS).isoformat(timespec="milliseconds")
    if isinstance(value, float):
        return str(round(value, 1))
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def spreadsheet_safe(cell: str) -> str:
    """The contract's rule: a leading quote on text a spreadsheet would run as a formula."""
    if cell.startswith(("\t", "\r", "\0")):
        return "'" + cell
    if cell.lstrip().startswith(("=", "+", "-", "@", "|", "%")) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def assert_same_rows(header: list[str], csv_rows: list[list[str]], table: pa.Table) -> None:
    assert table.column_names == header
    assert table.num_rows == len(csv_rows)
    for csv_row, typed in zip(csv_rows, table.to_pylist(), strict=True):
        assert [json_value(c) if n in JSON_COLUMNS else c for n, c in zip(header, csv_row, strict=True)] == [
            json_value(typed[n]) if n in JSON_COLUMNS else spreadsheet_safe(as_csv_cell(typed[n]))
            for n in header
        ]


def json_value(cell: str | None):
    """JSON text as a value: Parquet keeps the stored text, the CSV writes it compact."""
    return json.loads(cell) if cell else None


def test_parquet_has_the_csv_rows_for_every_filter(staff):
    """One app for every filter set of the CSV tests (building one per set would triple the run time)."""
    for kind, filter_sets in (
        ("sessions", SESSION_FILTERS),
        ("messages", MESSAGE_FILTERS),
        ("analytics", ANALYTICS_FILTERS),
    ):
        for filters in filter_sets:
            header, rows = fetch_csv(staff, kind, filters)
            table = fetch_parquet(staff, kind, filters)
            assert_same_rows(header, rows, table)
            assert table.num_rows == expected_rows(kind, filters), (kind, filters)
    # The view filters the dashboard passes (topic, rolling period): the same rows as the CSV.
    for kind in ("sessions", "messages", "analytics"):
        for filters in (
            {"topic": "refunds"},
            {"period": "90d", "user_type": "client"},
            {"topic": "none-such"},
        ):
            header, rows = fetch_csv(staff, kind, filters)
            assert_same_rows(header, rows, fetch_parquet(staff, kind, filters))


def expected_rows(kind: str, f: dict) -> int:
    """Rows counted by hand from the fixture specs."""
    first, last = f.get("start_date"), f.get("end_date")
    if kind == "sessions":
        return len(expected_sessions(first, last, f.get("user_type"), FLAGS.get(f.get("is_active"))))
    if kind == "messages":
        return expected_messages(first, last, f.get("session_id"), f.get("sender_type"))
    return len(expected_analytics(first, last, f.get("user_type"), FLAGS.get(f.get("resolved"))))


def test_whole_exports_have_as_many_rows_as_the_tables(staff):
    with staff.engine.connect() as conn:
        counts = {
            kind: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()  # noqa: S608 (fixed names)
            for kind, table in (
                ("sessions", "chat_sessions"),
                ("messages", "chat_messages"),
                ("analytics", "chat_analytics"),
            )
        }
    assert counts == {"sessions": 6, "messages": 14, "analytics": 5}
    for kind, n in counts.items():
        assert fetch_parquet(staff, kind, {}).num_rows == n


def test_columns_are_typed(staff):
    sessions = fetch_parquet(staff, "sessions", {}).schema
    stamp = pa.timestamp("us", tz="Europe/Paris")
    assert [sessions.field(n).type for n in ("Created", "Updated", "Closed")] == [stamp] * 3
    assert pa.types.is_integer(sessions.field("Total Messages").type)
    assert pa.types.is_integer(sessions.field("Satisfaction Rating").type)
    assert sessions.field("Resolved").type == pa.bool_()
    assert sessions.field("Topics").type == pa.list_(pa.string())
    assert sessions.field("Engagement Score").type == pa.float64()
    analytics = fetch_parquet(staff, "analytics", {}).schema
    assert analytics.field("Escalated").type == pa.bool_()
    assert analytics.field("Duration (s)").type == pa.float64()
    messages = fetch_parquet(staff, "messages", {})
    assert messages.schema.field("Cached Response").type == pa.bool_()
    assert messages.schema.field("Processing Time (ms)").type == pa.float64()


def test_values_are_the_stored_ones(staff):
    (first,) = fetch_parquet(
        staff, "sessions", {"start_date": "2026-11-02", "end_date": "2026-11-02"}
    ).to_pylist()
    assert first["Created"] == at(2, 10)  # the instant, whatever the zone it is shown in
    assert first["Created"].utcoffset().total_seconds() == 3600  # read back in Paris time
    assert first["Closed"] == at(2, 10, 10)
    assert (first["Total Messages"], first["User Messages"], first["Assistant Messages"]) == (4, 2, 2)
    assert first["Average Response Time (ms)"] == 400.0 and first["Satisfaction Rating"] == 5
    assert first["Resolved"] is True and first["Topics"] == ["billing"] and first["Engagement Score"] == 38.0

    open_session = fetch_parquet(staff, "sessions", {"is_active": "true"}).to_pylist()
    assert [(s["Session ID"], s["Status"], s["Closed"], s["Topics"]) for s in open_session] == [
        (sid(4), "active", None, None)  # no analytics row yet: null, not empty text
    ]
    third = next(
        r
        for r in fetch_parquet(staff, "analytics", {"start_date": "2026-11-03"}).to_pylist()
        if r["Session ID"] == sid(3)
    )
    assert third["Topics"] == ["billing", "refunds"] and third["Duration (s)"] == 600.0
    messages = fetch_parquet(staff, "messages", {"session_id": sid(2)}).to_pylist()
    assert [(m["Sender Type"], m["Processing Time (ms)"], m["Cached Response"]) for m in messages] == [
        ("user", None, False),
        ("assistant", 900.0, True),
    ]


def test_formula_text_is_quoted_in_the_csv_only(staff):
    with staff.engine.begin() as conn:
        user = create_user(conn, "=evil()", user_type="client")
        recording.start_session(conn, session_id=sid(99), at=at(4, 9), user_id=user.id)
        for n, content in enumerate([*DANGEROUS, "-3.5"]):
            recording.record_message(
                conn, session_id=sid(99), sender_type="user", content=content, at=at(4, 9, 0, n + 1)
            )
        recording.record_message(
            conn, session_id=sid(99), sender_type="system", content="note", at=at(4, 9, 1), metadata=METADATA
        )
    header, rows = fetch_csv(staff, "messages", {"session_id": sid(99)})
    table = fetch_parquet(staff, "messages", {"session_id": sid(99)})
    assert table.column("Content").to_pylist() == [*DANGEROUS, "-3.5", "note"]
    assert [r[header.index("Content")] for r in rows] == [*("'" + d for d in DANGEROUS), "-3.5", "note"]
    metadata = table.column("Metadata").to_pylist()
    assert metadata[:-1] == [None] * (len(DANGEROUS) + 1) and json.loads(metadata[-1]) == METADATA
    assert set(table.column("User").to_pylist()) == {"=evil()"}
    assert_same_rows(header, rows, table)


def test_file_name_type_and_headers(staff):
    response = staff.get(f"{DASH}export/sessions/?start_date=2026-11-01&end_date=2026-11-07&format=parquet")
    assert response.headers["Content-Type"] == PARQUET
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="chat-sessions_2026-11-01_2026-11-07.parquet"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data()[:4] == b"PAR1"


def test_an_empty_export_is_a_valid_file_with_the_columns(staff):
    header, rows = fetch_csv(staff, "messages", {"start_date": "2030-01-01"})
    table = fetch_parquet(staff, "messages", {"start_date": "2030-01-01"})
    assert rows == [] and table.num_rows == 0 and table.column_names == header


def test_the_audit_export_comes_as_parquet_too(staff):
    table = fetch_parquet(staff, "audit", {"action": "login"})
    assert table.column_names == ["At", "Action", "Actor", "IP", "Detail"]
    assert table.column("Action").to_pylist() == ["login"] and table.column("Actor").to_pylist() == ["lead"]


def test_an_unknown_format_is_a_400_naming_the_field(staff):
    for fmt in ("xlsx", "json", "PARQUET", "csv,parquet"):
        response = staff.get(f"{DASH}export/sessions/?format={fmt}")
        assert response.status_code == 400, fmt
        body = response.get_json()
        assert body["field"] == "format" and "parquet" in body["error"]


def test_bad_filters_still_name_their_field(staff):
    response = staff.get(f"{DASH}export/messages/?format=parquet&session_id=nope")
    assert response.status_code == 400 and response.get_json()["field"] == "session_id"


def test_rows_are_written_in_row_groups_and_streamed(staff, monkeypatch):
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 4)
    response = staff.get(f"{DASH}export/messages/?format=parquet", buffered=False)
    chunks = [c for c in response.response if c]
    response.close()
    data = b"".join(chunks)
    metadata = pq.ParquetFile(io.BytesIO(data)).metadata
    assert metadata.num_rows == 14
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [4, 4, 4, 2]
    assert len(chunks) >= 3  # sent as the groups are written, not as one body at the end
    header, rows = fetch_csv(staff, "messages", {})
    assert_same_rows(header, rows, pq.read_table(io.BytesIO(data)))
