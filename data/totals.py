"""All-time totals for monitoring: open sessions, sessions and messages by type, response times.

Read at scrape time from the rollups (a few thousand rows, whatever the data size) and the open
sessions' partial index, so every web worker reports the same figures and a restart loses none.
Retention keeps the rollups, so these totals only grow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import accumulate

from sqlalchemy import Connection, case, func, select

from data.histogram import LOG_RATIO
from data.schema import SENDER_TYPES, SESSION_USER_TYPES, chat_sessions, rollup_hours, rollup_response

# Round figures in ms; each upper bound is the rollup histogram's bucket edge nearest to one of them.
RESPONSE_TIME_TARGETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000)


def _edge_index(target_ms: float) -> int:
    return round(math.log(target_ms) / LOG_RATIO)


# (bucket index k, upper bound in ms): the values counted below k are those under 1.04**k ms.
RESPONSE_TIME_BOUNDS: tuple[tuple[int, float], ...] = tuple(
    (_edge_index(t), round(math.exp(_edge_index(t) * LOG_RATIO), 3)) for t in RESPONSE_TIME_TARGETS_MS
)


@dataclass(frozen=True)
class ResponseTimes:
    """Cumulative counts of assistant processing times under each bound, their count and sum (ms)."""

    cumulative: tuple[int, ...]  # one per RESPONSE_TIME_BOUNDS
    count: int
    sum_ms: float


def open_sessions(conn: Connection) -> dict[str, int]:
    """Sessions open now, by session user type (every type present, 0 when none)."""
    stmt = (
        select(chat_sessions.c.user_type, func.count())
        .where(chat_sessions.c.is_active)
        .group_by(chat_sessions.c.user_type)
    )
    return {t: 0 for t in SESSION_USER_TYPES} | {t: int(n) for t, n in conn.execute(stmt)}


def sessions_started(conn: Connection) -> dict[str, int]:
    """Sessions ever started, by session user type."""
    h = rollup_hours.c
    stmt = select(h.user_type, func.sum(h.sessions)).group_by(h.user_type)
    return {t: 0 for t in SESSION_USER_TYPES} | {t: int(n) for t, n in conn.execute(stmt)}


def messages(conn: Connection) -> dict[tuple[str, str], int]:
    """Messages ever recorded, by (session user type, sender type)."""
    h = rollup_hours.c
    stmt = select(h.user_type, *(func.sum(h[f"msg_{s}"]) for s in SENDER_TYPES)).group_by(h.user_type)
    out = {(t, s): 0 for t in SESSION_USER_TYPES for s in SENDER_TYPES}
    for user_type, *counts in conn.execute(stmt):
        for sender, n in zip(SENDER_TYPES, counts, strict=True):
            out[(user_type, sender)] = int(n)
    return out


def response_times(conn: Connection) -> dict[str, ResponseTimes]:
    """Every assistant processing time ever recorded, by session user type, as cumulative buckets."""
    r, h = rollup_response.c, rollup_hours.c
    # Day rows (the hour rows hold the same counts 24 times finer), summed per user type and slot:
    # slot i holds the buckets under bound i and not under bound i - 1; the last, those above all.
    # Zero has the lowest bucket index of all, so it lands in slot 0.
    slot = case(
        *((r.bucket < k, i) for i, (k, _) in enumerate(RESPONSE_TIME_BOUNDS)), else_=len(RESPONSE_TIME_BOUNDS)
    )
    stmt = select(r.user_type, slot, func.sum(r.n)).where(r.grain == "d").group_by(r.user_type, slot)
    per_slot = {t: [0] * (len(RESPONSE_TIME_BOUNDS) + 1) for t in SESSION_USER_TYPES}
    for user_type, i, n in conn.execute(stmt):
        per_slot.setdefault(user_type, [0] * (len(RESPONSE_TIME_BOUNDS) + 1))[i] = int(n)
    sums = dict(conn.execute(select(h.user_type, func.sum(h.rt_micros)).group_by(h.user_type)).all())
    return {
        user_type: ResponseTimes(
            tuple(accumulate(slots[:-1])), sum(slots), int(sums.get(user_type) or 0) / 1000
        )
        for user_type, slots in per_slot.items()
    }
