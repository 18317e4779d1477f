"""Topics of a period: how many sessions discussed each, overall and among unresolved sessions, and
which grew in share against the period before."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from data.counters import unresolved_sql
from data.periods import Period
from data.schema import chat_analytics, chat_sessions, rollup_topics, session_topics
from metrics.counts import session_counts
from metrics.results import TopicCount
from metrics.spans import Selecting, grouped_sums, sessions_where, user_type_is

TOP_TOPICS_LIMIT = 10


def topic_counts(
    conn: Connection,
    period: Period,
    segment: Selecting = None,
    *,
    unresolved_only: bool = False,
    limit: int | None = TOP_TOPICS_LIMIT,
) -> list[TopicCount]:
    """Sessions in the period per topic discussed, most first, ties by topic name."""
    t = rollup_topics.c

    def rollup_query(spans):
        n = func.sum(t.unresolved if unresolved_only else t.sessions)
        return (
            select(t.topic, n)
            .where(spans.where(rollup_topics), *user_type_is(rollup_topics, segment))
            .group_by(t.topic)
        )

    def edge_query(part: Period):
        joined = session_topics.join(chat_sessions, chat_sessions.c.session_id == session_topics.c.session_id)
        conds = sessions_where(part, segment)
        if unresolved_only:
            joined = joined.join(chat_analytics, chat_analytics.c.session_id == session_topics.c.session_id)
            conds.append(unresolved_sql())
        return (
            select(session_topics.c.topic, func.count())
            .select_from(joined)
            .where(*conds)
            .group_by(session_topics.c.topic)
        )

    counts = grouped_sums(conn, period, segment, rollup_query, edge_query, days=True)
    ranked = sorted(((topic, int(c)) for topic, c in counts.items() if c), key=lambda tc: (-tc[1], tc[0]))
    return [TopicCount(topic, c) for topic, c in ranked[:limit]]


def top_topics(conn: Connection, period: Period, segment: Selecting = None) -> list[TopicCount]:
    """The ten topics most sessions in the period discussed."""
    return topic_counts(conn, period, segment)


def common_issues(conn: Connection, period: Period, segment: Selecting = None) -> list[TopicCount]:
    """The ten topics most discussed by unresolved sessions in the period."""
    return topic_counts(conn, period, segment, unresolved_only=True)


EMERGING_LIMIT = 5


@dataclass(frozen=True)
class EmergingTopic:
    """A topic whose share of the period's sessions grew against the period before (shares in %,
    growth in percentage points; a session with several topics counts in each)."""

    topic: str
    sessions: int
    previous_sessions: int
    share: float
    previous_share: float | None

    @property
    def growth(self) -> float:
        return self.share - (self.previous_share or 0.0)


def emerging_topics(
    conn: Connection, period: Period, segment: Selecting = None, limit: int = EMERGING_LIMIT
) -> list[EmergingTopic]:
    """The topics whose share of sessions grew most from `period.previous()` to `period`, largest
    growth first (ties by more sessions, then name); only topics that grew. A topic new this period
    grows by its whole share; with no sessions before, every share counts as new."""
    total = session_counts(conn, period, segment).total
    if not total:
        return []
    before = period.previous()
    total_before = session_counts(conn, before, segment).total
    previous = {tc.topic: tc.count for tc in topic_counts(conn, before, segment, limit=None)}
    found = []
    for tc in topic_counts(conn, period, segment, limit=None):
        n_before = previous.get(tc.topic, 0)
        share_before = 100 * n_before / total_before if total_before else None
        item = EmergingTopic(tc.topic, tc.count, n_before, 100 * tc.count / total, share_before)
        if item.growth > 1e-9:  # equal shares can differ in the last bit
            found.append(item)
    found.sort(key=lambda e: (-round(e.growth, 9), -e.sessions, e.topic))  # equal growths tie exactly
    return found[:limit]
