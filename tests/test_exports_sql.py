"""The database-formatted CSV (exports.csv_sql) is byte for byte the Python-formatted one.

The reference is the export as it was written before: exports.queries' cell functions and
exports.csv.csv_chunks over the stored values. Rows are written straight into the tables (as the
data layer stores them, but with any value): arbitrary text (every formula start, white space
before it, plain numbers, any Unicode, quotes, commas, newlines), floats (ties at the half tenth,
huge, infinite), NULLs, JSON, and timestamps around the daylight-saving changes of New York,
London and Lord Howe (a 30-minute change) and at the calendar's ends.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from data.schema import chat_analytics, chat_messages, chat_sessions, users
from exports import csv_sql
from exports.csv import csv_chunks
from exports.queries import EXPORTS, Selection
from exports.sql_cells import zone_window
from metrics.filters import parse_filters

ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")
KINDS = ("sessions", "messages", "analytics")
NO_NUL = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
PREFIXES = ["=", "+", "-", "@", "|", "%", "\t", "\r", "\n", " ", "  ", "\u00a0", "\u3000", "'", '"', ",", ""]
PLAIN_NUMBERS = ["-3.5", " +4 ", "-.5e-3", "-1E5", "-٣", "-1.", "+0", "-", "- 1", "-1e", "--1", "-3.5x"]
EDGE_TEXTS = [
    *(p + rest for p in PREFIXES for rest in ("1+1", "SUM(A1)", "cmd", "", "x,y", 'a"b', "line\nbreak")),
    *PLAIN_NUMBERS,
    "plain text",
    'déjà vu, "quoted"\r\nnext',
    "日本語",
    "\u2028=1",
    "\x1c=1",
    "\x85-2",
]
EDGE_FLOATS = [
    0.0, -0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.75, 1.25, 2.675, -0.04, -0.25, -0.35, 0.95, 9.95,
    400.0, 1234.56789, 1e13 + 0.05, 99999999999999.95, 1e-9, 5e-324,
    1e14, -1e15, 1e16, 1.5e300, math.inf, -math.inf,
]  # fmt: skip
FAR = [
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, tzinfo=UTC),
    datetime(1850, 6, 1, tzinfo=UTC),
]
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def transitions(zone: str) -> list[datetime]:
    """The zone's UTC offset changes from 2024 to 2027."""
    window = zone_window(ZoneInfo(zone), datetime(2024, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    return [at for at, _ in window.changes[1:]] or [datetime(2026, 3, 29, 1, tzinfo=UTC)]


def near(moments: list[datetime]) -> st.SearchStrategy[datetime]:
    """Instants within three hours of one of `moments`, to the microsecond (exactly on it often)."""
    shift = st.one_of(
        st.just(0),
        st.sampled_from([-1, 1, -1000, 999, 1000]),
        st.integers(-3 * 3600 * 10**6, 3 * 3600 * 10**6),
    )
    return st.builds(lambda at, us: at + timedelta(microseconds=us), st.sampled_from(moments), shift)


def moments(zone: str) -> st.SearchStrategy[datetime]:
    return st.one_of(
        near(transitions(zone)),
        st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    )


texts = st.one_of(
    st.text(NO_NUL, max_size=30),
    st.builds(lambda p, t: p + t, st.sampled_from(PREFIXES), st.text(NO_NUL, max_size=12)),
    st.sampled_from(EDGE_TEXTS),
)
floats = st.one_of(
    st.floats(min_value=-1e13, max_value=1e13),
    st.integers(-(10**7), 10**7).map(lambda n: n / 20),  # ties at the half tenth, exact or not
    st.integers(-(10**7), 10**7).map(lambda n: n / 100),
    st.sampled_from([f for f in EDGE_FLOATS if abs(f) < 1e14]),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(NO_NUL, max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(NO_NUL, max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def tables(draw, zone: str) -> dict[str, list[dict]]:
    """Users, sessions, messages and analytics rows with arbitrary values."""
    when = moments(zone)
    ids = draw(st.lists(st.text(NO_NUL, min_size=1, max_size=36), min_size=1, max_size=4, unique=True))
    names = draw(st.lists(texts, min_size=len(ids), max_size=len(ids), unique=True))
    out: dict[str, list[dict]] = {"users": [], "sessions": [], "messages": [], "analytics": []}
    counter = itertools.count()
    for n, (session, name) in enumerate(zip(ids, names, strict=True)):
        user = None
        if draw(st.booleans()):
            user = n + 1
            out["users"].append({"id": user, "username": name, "user_type": "client", "is_staff": False,
                                 "is_active": True, "created_at": draw(when)})  # fmt: skip
        created = draw(when)
        closed = draw(st.one_of(st.none(), when))
        out["sessions"].append({
            "session_id": session, "user_id": user, "user_type": draw(st.sampled_from(["client", "provider", "anonymous"])),
            "is_active": closed is None, "created_at": created, "updated_at": draw(when), "closed_at": closed,
            "satisfaction_rating": draw(st.one_of(st.none(), st.integers(1, 5))), "resolved": draw(st.booleans()),
            "escalated_to_human": draw(st.booleans()),
        })  # fmt: skip
        for _ in range(draw(st.integers(0, 3))):
            out["messages"].append({
                "message_id": f"m{next(counter)}{draw(st.text(NO_NUL, max_size=8))}", "session_id": session,
                "sender_type": draw(st.sampled_from(["user", "assistant", "system"])), "content": draw(texts),
                "created_at": draw(when), "processing_time_ms": draw(st.one_of(st.none(), floats)),
                "is_cached_response": draw(st.booleans()), "metadata": draw(json_values),
            })  # fmt: skip
        if draw(st.booleans()):
            out["analytics"].append({
                "analytics_id": draw(texts) + str(n), "session_id": session, "total_messages": draw(st.integers(0, 99)),
                "user_messages": draw(st.integers(0, 2**31 - 1)), "assistant_messages": draw(st.integers(-5, 5)),
                "average_response_time_ms": draw(st.one_of(st.none(), floats)), "resolved": draw(st.booleans()),
                "escalated_to_human": draw(st.booleans()), "topics_discussed": draw(st.lists(texts, max_size=3)),
                "actions_taken": draw(st.lists(json_values, max_size=2)), "engagement_score": draw(floats),
                "created_at": draw(when),
            })  # fmt: skip
    return out


def store(engine, rows: dict[str, list[dict]]) -> None:
    with engine.begin() as conn:
        for table in (chat_analytics, chat_messages, chat_sessions, users):
            conn.execute(delete(table))
        for table, key in ((users, "users"), (chat_sessions, "sessions"), (chat_messages, "messages"),
                           (chat_analytics, "analytics")):  # fmt: skip
            if rows[key]:
                conn.execute(insert(table), rows[key])


def python_csv(engine, kind: str, selection: Selection, tz: ZoneInfo) -> str:
    """The reference: every stored value formatted by exports.cells, written by csv_chunks."""
    spec = EXPORTS[kind]
    with engine.connect() as conn:
        rows = conn.execute(spec.query(selection)).all()
    return "".join(csv_chunks(spec.columns, (spec.cells(r, tz) for r in rows)))


def sql_csv(engine, kind: str, selection: Selection, tz: ZoneInfo) -> str:
    spec = EXPORTS[kind]
    with engine.connect() as conn:
        zone = csv_sql.zone_window(conn, kind, selection, tz)
        stream = csv_sql.Stream(conn, kind, spec.query(selection), spec.columns, zone)
        try:
            return "".join(c if isinstance(c, str) else c.decode() for c in stream.chunks())
        finally:
            stream.close()


def everything(kind: str) -> Selection:
    return Selection(parse_filters({}, allowed=EXPORTS[kind].filters, default_preset=None, open_range=True))


def assert_same_csv(engine, zone: str, selections=None) -> None:
    tz = ZoneInfo(zone)
    for kind in KINDS:
        for selection in selections or [everything(kind)]:
            expected = python_csv(engine, kind, selection, tz)
            assert sql_csv(engine, kind, selection, tz) == expected, (kind, zone)


@EXAMPLES
@given(data=st.data(), zone=st.sampled_from(ZONES))
def test_sql_cells_equal_python_cells_for_any_value(engine, data, zone):
    store(engine, data.draw(tables(zone)))
    assert_same_csv(engine, zone)


@pytest.mark.parametrize("zone", ZONES[:3])
def test_sql_cells_equal_python_cells_on_the_edges(engine, zone):
    """Every formula start, every tie, each offset change to the microsecond, in one go."""
    changes = transitions(zone)
    stamps = [at + timedelta(microseconds=us) for at in changes for us in (-1000, -1, 0, 1, 999_999)]
    floats_ = [f for f in EDGE_FLOATS if engine.dialect.name == "sqlite" or abs(f) < 1e14 or math.isinf(f)]
    n = max(len(EDGE_TEXTS), len(stamps), len(floats_))
    sessions = [{
        "session_id": f"s{i:03d}", "user_id": None, "user_type": "client", "is_active": False,
        "created_at": stamps[i % len(stamps)], "updated_at": stamps[(i + 1) % len(stamps)],
        "closed_at": stamps[(i + 2) % len(stamps)], "resolved": True, "escalated_to_human": False,
    } for i in range(n)]  # fmt: skip
    messages = [{
        "message_id": f"m{i:03d}", "session_id": f"s{i:03d}", "sender_type": "user", "content": EDGE_TEXTS[i % len(EDGE_TEXTS)],
        "created_at": stamps[i % len(stamps)], "processing_time_ms": floats_[i % len(floats_)], "is_cached_response": False,
        "metadata": {"t": EDGE_TEXTS[i % len(EDGE_TEXTS)], "n": -1.5, "é": [None, True]} if i % 2 else -3,
    } for i in range(n)]  # fmt: skip
    analytics = [{
        "analytics_id": f"a{i:03d}", "session_id": f"s{i:03d}", "total_messages": 1, "user_messages": 1,
        "assistant_messages": 0, "average_response_time_ms": floats_[(i + 3) % len(floats_)], "resolved": True,
        "escalated_to_human": False, "topics_discussed": [EDGE_TEXTS[i % len(EDGE_TEXTS)], "billing"],
        "actions_taken": [{"type": "link_click", "target": EDGE_TEXTS[(i + 1) % len(EDGE_TEXTS)]}],
        "engagement_score": floats_[i % len(floats_)], "created_at": stamps[i % len(stamps)],
    } for i in range(n)]  # fmt: skip
    store(engine, {"users": [], "sessions": sessions, "messages": messages, "analytics": analytics})
    first = changes[0].astimezone(ZoneInfo(zone)).date()
    ranged = parse_filters(
        {"start_date": first.isoformat(), "end_date": (first + timedelta(days=1)).isoformat()},
        allowed=EXPORTS["sessions"].filters, default_preset=None, open_range=True,
    )  # fmt: skip
    bounds = ranged.bounds(ZoneInfo(zone))
    assert_same_csv(engine, zone)
    for kind in KINDS:
        selection = Selection(ranged, *bounds)
        assert sql_csv(engine, kind, selection, ZoneInfo(zone)) == python_csv(
            engine, kind, selection, ZoneInfo(zone)
        )


@pytest.mark.parametrize("moment", FAR)
@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Kiritimati", "Africa/Monrovia"])
def test_sql_timestamps_equal_python_ones_far_from_today(engine, zone, moment):
    session = {"session_id": "s", "user_id": None, "user_type": "client", "is_active": False, "created_at": moment,
               "updated_at": moment, "closed_at": moment, "resolved": False, "escalated_to_human": False}  # fmt: skip
    store(engine, {"users": [], "sessions": [session], "messages": [], "analytics": []})
    assert_same_csv(engine, zone)


def test_a_number_too_large_for_the_sql_path_is_never_written_differently(engine):
    """SQLite formats it through exports.cells (the same text as before); PostgreSQL stops the
    export rather than write another text."""
    session = {"session_id": "s", "user_id": None, "user_type": "client", "is_active": True,
               "created_at": FAR[2], "updated_at": FAR[2], "resolved": False, "escalated_to_human": False}  # fmt: skip
    message = {"message_id": "m", "session_id": "s", "sender_type": "assistant", "content": "x",
               "created_at": FAR[2], "processing_time_ms": 1e16, "is_cached_response": False}  # fmt: skip
    store(engine, {"users": [], "sessions": [session], "messages": [message], "analytics": []})
    if engine.dialect.name == "sqlite":
        assert_same_csv(engine, "UTC")
        return
    with pytest.raises(Exception, match="no CSV text for the number"):
        sql_csv(engine, "messages", everything("messages"), ZoneInfo("UTC"))
