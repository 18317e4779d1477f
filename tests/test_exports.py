"""The three CSV exports: filters, columns, time zone, file names, neutralisation, errors, access.

Expected rows are counted by hand from the fixture specs below, never by the export code.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from data import recording
from data.users import create_user
from exports.csv import csv_chunks
from exports.queries import EXPORTS
from tests.builders import Msg, Spec, build, sid
from tests.conftest import add_staff, sign_in
from tests.web import DASH, HTML, login
from web.context import services_of

PARIS = ZoneInfo("Europe/Paris")


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


U, A, S = "user", "assistant", "system"
SPECS = [
    Spec(
        sid(1),
        "client",
        at(2, 10),
        [Msg(U, 0), Msg(A, 2, 300.0), Msg(U, 9), Msg(A, 11, 500.0)],
        ["billing"],
        1,
        5,
        True,
    ),
    Spec(sid(2), "provider", at(2, 23, 30), [Msg(U, 0), Msg(A, 1, 900.0, True)], ["booking"], 0, 2, False),
    Spec(
        sid(3),
        "anonymous",
        at(3, 12),
        [Msg(U, 0), Msg(A, 3, 250.0), Msg(S, 5)],
        ["billing", "refunds"],
        2,
        None,
        True,
    ),
    Spec(sid(4), "client", at(5, 8), [Msg(U, 0), Msg(A, 1, 100.0)], ["booking"], closed_after_s=None),
    Spec(sid(5), "provider", at(6, 22, 59, 50), [Msg(U, 0)], [], 0, 4, True),
    Spec(
        sid(6), "client", at(7, 0), [Msg(U, 0), Msg(A, 4, 700.0)], ["refunds"], 0, None, False, escalated=True
    ),
]


def local_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def in_range(moment: datetime, first: str | None, last: str | None) -> bool:
    day = local_day(moment)
    return (first is None or day >= date.fromisoformat(first)) and (
        last is None or day <= date.fromisoformat(last)
    )


def expected_sessions(first=None, last=None, user_type=None, is_active=None) -> list[str]:
    return [
        s.session_id
        for s in SPECS
        if in_range(s.created, first, last)
        and (user_type is None or s.user_type == user_type)
        and (is_active is None or (not s.closed) == is_active)
    ]


def expected_messages(first=None, last=None, session_id=None, sender_type=None) -> int:
    return sum(
        1
        for s in SPECS
        for m, moment in zip(s.messages, s.message_times(), strict=True)
        if in_range(moment, first, last)
        and (session_id is None or s.session_id == session_id)
        and (sender_type is None or m.sender == sender_type)
    )


def expected_analytics(first=None, last=None, user_type=None, resolved=None) -> list[str]:
    return [
        s.session_id
        for s in SPECS
        if s.closed
        and in_range(s.created, first, last)
        and (user_type is None or s.user_type == user_type)
        and (resolved is None or s.resolved == resolved)
    ]


@pytest.fixture
def staff(make_app):
    app = make_app(display_timezone="Europe/Paris")
    engine = services_of(app.server).engine
    build(engine, SPECS)
    add_staff(app)
    return sign_in(app)


def fetch(client, kind: str, query: str = "") -> tuple[list[str], list[dict]]:
    response = client.get(f"{DASH}export/{kind}/{query}")
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.reader(io.StringIO(response.get_data(as_text=True)))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


SESSION_FILTERS = [
    {},
    {"start_date": "2026-11-03"},
    {"end_date": "2026-11-02"},
    {"start_date": "2026-11-03", "end_date": "2026-11-06"},
    {"user_type": "client"},
    {"user_type": "anonymous"},
    {"is_active": "true"},
    {"is_active": "false"},
    {"start_date": "2026-11-02", "end_date": "2026-11-07", "user_type": "client", "is_active": "false"},
    {"start_date": "2026-11-06", "end_date": "2026-11-06", "user_type": "provider"},
]


@pytest.mark.parametrize("filters", SESSION_FILTERS)
def test_sessions_export_filters(staff, filters):
    query = "?" + "&".join(f"{k}={v}" for k, v in filters.items())
    _, rows = fetch(staff, "sessions", query)
    flag = {"true": True, "false": False}.get(filters.get("is_active"))
    expected = expected_sessions(
        filters.get("start_date"), filters.get("end_date"), filters.get("user_type"), flag
    )
    assert [r["Session ID"] for r in rows] == expected


MESSAGE_FILTERS = [
    {},
    {"start_date": "2026-11-03", "end_date": "2026-11-03"},
    {"session_id": sid(1)},
    {"sender_type": "assistant"},
    {"sender_type": "system"},
    {"start_date": "2026-11-02", "end_date": "2026-11-05", "sender_type": "user", "session_id": sid(3)},
]


@pytest.mark.parametrize("filters", MESSAGE_FILTERS)
def test_messages_export_filters(staff, filters):
    query = "?" + "&".join(f"{k}={v}" for k, v in filters.items())
    _, rows = fetch(staff, "messages", query)
    assert len(rows) == expected_messages(
        filters.get("start_date"),
        filters.get("end_date"),
        filters.get("session_id"),
        filters.get("sender_type"),
    )


ANALYTICS_FILTERS = [
    {},
    {"resolved": "yes"},
    {"resolved": "0"},
    {"user_type": "provider"},
    {"start_date": "2026-11-03", "end_date": "2026-11-07", "resolved": "false", "user_type": "client"},
]


@pytest.mark.parametrize("filters", ANALYTICS_FILTERS)
def test_analytics_export_filters(staff, filters):
    query = "?" + "&".join(f"{k}={v}" for k, v in filters.items())
    _, rows = fetch(staff, "analytics", query)
    flag = {"yes": True, "0": False, "false": False}.get(filters.get("resolved"))
    assert [r["Session ID"] for r in rows] == expected_analytics(
        filters.get("start_date"), filters.get("end_date"), filters.get("user_type"), flag
    )


def test_columns_in_contract_order(staff):
    assert fetch(staff, "sessions")[0] == [
        "Session ID", "User", "User Type", "Status", "Created", "Updated", "Closed", "Total Messages",
        "User Messages", "Assistant Messages", "Average Response Time (ms)", "Satisfaction Rating",
        "Resolved", "Topics", "Engagement Score",
    ]  # fmt: skip
    assert fetch(staff, "messages")[0] == [
        "Message ID", "Session ID", "User", "Sender Type", "Content", "Created", "Processing Time (ms)",
        "Cached Response", "Metadata",
    ]  # fmt: skip
    assert fetch(staff, "analytics")[0] == [
        "Analytics ID", "Session ID", "User", "Total Messages", "User Messages", "Assistant Messages",
        "Average Response Time (ms)", "Resolved", "Escalated", "Topics", "Actions", "Engagement Score",
        "Duration (s)",
    ]  # fmt: skip


def test_values_round_trip_in_display_time_zone(staff):
    _, sessions = fetch(staff, "sessions", "?start_date=2026-11-02&end_date=2026-11-02")
    (first,) = sessions
    assert first["Created"] == "2026-11-02T11:00:00.000+01:00"  # 10:00 UTC in Paris
    assert first["Closed"] == "2026-11-02T11:10:00.000+01:00"
    assert (first["Status"], first["Total Messages"], first["User Messages"]) == ("closed", "4", "2")
    assert first["Average Response Time (ms)"] == "400.0"
    assert (first["Satisfaction Rating"], first["Resolved"], first["Topics"]) == ("5", "true", "billing")
    # 40*2/10 + 25*1/5 + 15*1/3 + 20*600/600 = 8 + 5 + 5 + 20
    assert first["Engagement Score"] == "38.0"

    _, analytics = fetch(staff, "analytics", "?start_date=2026-11-03&end_date=2026-11-03")
    third = next(r for r in analytics if r["Session ID"] == sid(3))
    assert third["Topics"] == "billing; refunds"
    assert third["Duration (s)"] == "600.0"
    assert [a["type"] for a in json.loads(third["Actions"])] == ["link_click", "link_click"]
    escalated = fetch(staff, "analytics", "?start_date=2026-11-07")[1][0]
    assert escalated["Escalated"] == "true" and escalated["Resolved"] == "false"

    _, messages = fetch(staff, "messages", f"?session_id={sid(2)}")
    assert [(m["Sender Type"], m["Processing Time (ms)"], m["Cached Response"]) for m in messages] == [
        ("user", "", "false"),
        ("assistant", "900.0", "true"),
    ]
    assert messages[0]["Created"].endswith("+01:00") and messages[0]["Content"] == "user says hi"


DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "|calc", "%0A", "\tTAB", "\rCR", "  =HYPERLINK(1)"]


def test_formula_cells_are_neutralised_numbers_are_not(staff):
    with staff.engine.begin() as conn:
        user = create_user(conn, "=evil()", user_type="client")
        recording.start_session(conn, session_id=sid(99), at=at(4, 9), user_id=user.id)
        for n, content in enumerate([*DANGEROUS, "-3.5", "plain text", "a=b"]):
            recording.record_message(
                conn, session_id=sid(99), sender_type="user", content=content, at=at(4, 9, 0, n + 1)
            )
    _, rows = fetch(staff, "messages", f"?session_id={sid(99)}")
    contents = [r["Content"] for r in rows]
    assert contents == [*("'" + d for d in DANGEROUS), "-3.5", "plain text", "a=b"]
    assert {r["User"] for r in rows} == {"'=evil()"}
    header = next(csv.reader(io.StringIO("".join(csv_chunks(["=Header", "Safe"], [])))))
    assert header == ["'=Header", "Safe"]


def test_nul_character_is_neutralised():
    written = "".join(csv_chunks(["h"], [["\0x"]]))
    assert written.splitlines()[1] == "'\0x"


def test_file_names_are_dated(staff):
    response = staff.get(f"{DASH}export/sessions/?start_date=2026-11-01&end_date=2026-11-07")
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="chat-sessions_2026-11-01_2026-11-07.csv"'
    )
    today = datetime.now(PARIS).date().isoformat()
    response = staff.get(f"{DASH}export/analytics/")
    assert response.headers["Content-Disposition"] == f'attachment; filename="chat-analytics_all_{today}.csv"'
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("kind", "query", "field"),
    [
        ("sessions", "?start_date=2026-02-30", "start_date"),
        ("sessions", "?end_date=yesterday", "end_date"),
        ("sessions", "?start_date=2026-11-07&end_date=2026-11-01", "start_date"),
        ("sessions", "?user_type=robot", "user_type"),
        ("sessions", "?is_active=maybe", "is_active"),
        ("messages", "?session_id=not-a-uuid", "session_id"),
        ("messages", "?sender_type=bot", "sender_type"),
        ("analytics", "?resolved=2", "resolved"),
        ("analytics", "?user_type=staff", "user_type"),
        # No database stores a NUL character (PostgreSQL refuses it outright): never a 500.
        ("messages", "?topic=%00", "topic"),
        ("sessions", "?topic=billing%00x", "topic"),
    ],
)
def test_bad_filters_get_400_naming_the_field(staff, kind, query, field):
    response = staff.get(f"{DASH}export/{kind}/{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == field and body["error"]


def test_unknown_export_is_404(staff):
    assert staff.get(f"{DASH}export/users/").status_code == 404


def test_exports_are_staff_only(app, client):
    for kind in EXPORTS:
        assert client.get(f"{DASH}export/{kind}/", headers=HTML).status_code == 302
        assert client.get(f"{DASH}export/{kind}/").status_code == 401
    with services_of(app.server).engine.begin() as conn:
        create_user(conn, "customer", password="another good password")
    login(client, "customer", "another good password")
    for kind in EXPORTS:
        assert client.get(f"{DASH}export/{kind}/").status_code == 403


def test_database_down_gives_503_before_streaming(staff):
    from data.db import create_engine
    from web.context import Services, install

    server = staff.application
    ctx = services_of(server)
    install(server, Services(ctx.config, create_engine("postgresql+psycopg://x@127.0.0.1:1/none"), ctx.cache))
    response = staff.get(f"{DASH}export/sessions/")
    assert response.status_code == 503
    assert response.headers["Retry-After"]


@pytest.mark.parametrize(
    ("query", "sessions"),
    [
        ("?user_type=client", {1, 4, 6}),
        ("?topic=billing", {1, 3}),
        ("?user_type=client&topic=billing", {1}),
        ("?user_type=provider&topic=nothing-like-this", set()),
    ],
)
def test_messages_export_selects_by_the_session_user_type_and_topic(staff, query, sessions):
    _, rows = fetch(staff, "messages", query)
    expected = sum(len(s.messages) for s in SPECS if int(s.session_id[-12:]) in sessions)
    assert len(rows) == expected
    assert {r["Session ID"] for r in rows} == {sid(n) for n in sessions}
    _, session_rows = fetch(staff, "sessions", query)
    assert {r["Session ID"] for r in session_rows} == {sid(n) for n in sessions}


EDGES = {
    # (stored UTC, display zone) that no offset-shifted datetime can hold: shown in UTC instead.
    "0001-01-01 00:00:00": "America/New_York",
    "9999-12-31 23:00:00": "Pacific/Kiritimati",
}


def raw_stamp(engine, moment: str) -> str:
    """A timestamp literal as each database stores a UTC value, for raw SQL."""
    return moment + (".000000" if engine.dialect.name == "sqlite" else "+00")


@pytest.mark.parametrize(("moment", "zone"), EDGES.items())
def test_stored_times_at_the_ends_of_the_calendar_export_and_display(make_app, moment, zone):
    from callbacks.sessions import open_transcript

    app = make_app(display_timezone=zone)
    engine = add_staff(app)
    session, message = sid(71), sid(72)
    stamp = raw_stamp(engine, moment)
    with engine.begin() as conn:  # written behind the data layer's back, as an old row might be
        conn.execute(
            text(
                "INSERT INTO chat_sessions (session_id, user_type, is_active, created_at, updated_at,"
                " closed_at, resolved, escalated_to_human) VALUES (:s, 'client', :f, :t, :t, :t, :f, :f)"
            ),
            {"s": session, "t": stamp, "f": False},
        )
        conn.execute(
            text(
                "INSERT INTO chat_messages (message_id, session_id, sender_type, content, created_at,"
                " is_cached_response) VALUES (:m, :s, 'user', 'hello', :t, :f)"
            ),
            {"m": message, "s": session, "t": stamp, "f": False},
        )
        conn.execute(
            text(
                "INSERT INTO chat_analytics (analytics_id, session_id, total_messages, user_messages,"
                " assistant_messages, resolved, escalated_to_human, topics_discussed, actions_taken,"
                " engagement_score, created_at) VALUES (:a, :s, 1, 1, 0, :f, :f, '[]', '[]', 4.0, :t)"
            ),
            {"a": sid(73), "s": session, "t": stamp, "f": False},
        )
    client = sign_in(app)
    shown = moment.replace(" ", "T") + ".000+00:00"
    (row,) = fetch(client, "sessions")[1]
    assert (row["Created"], row["Updated"], row["Closed"]) == (shown, shown, shown)
    (row,) = fetch(client, "messages")[1]
    assert (row["Message ID"], row["Created"]) == (message, shown)
    (row,) = fetch(client, "analytics")[1]
    assert (row["Session ID"], row["Duration (s)"]) == (session, "0.0")
    with app.server.test_request_context():
        is_open, title, _body = open_transcript([{"session_id": session}])
    assert (is_open, title) == (True, f"Session {session[:8]}")
