"""`python -m data.seed`: deterministic synthetic chat data ending now, written through the data layer.

The same `--seed` gives the same sessions, messages and ids; only the moving "now" shifts the times.
Busy weekday daytime hours, three user types, 16 topics, log-normal response times with a long
tail, cached answers, satisfaction skewed positive with many sessions unrated, about 70% resolved
and 8% escalated, and `--active K` sessions still open, so that every chart tells a story.
`--incidents N` injects N incidents at known times (data/incidents.py); the rest of the data is the
same as without them.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Engine, insert, select

from data import recording
from data.db import refresh_statistics
from data.incidents import ESCALATIONS, FEWER_SESSIONS, SLOW_ANSWERS, Incident, factor, schedule
from data.schema import metadata, users

CHUNK_SESSIONS = 5_000
ACTIVE_WINDOW_MINUTES = 15

TOPICS = (
    "booking",
    "billing",
    "account access",
    "provider onboarding",
    "cancellations",
    "refunds",
    "scheduling",
    "payments",
    "notifications",
    "profile settings",
    "reviews",
    "technical issue",
    "pricing",
    "availability",
    "messaging",
    "privacy",
)
# Zipf-like popularity: a few topics dominate, as in any support queue.
TOPIC_WEIGHTS = np.array([1 / (rank + 1.5) for rank in range(len(TOPICS))])
TOPIC_WEIGHTS /= TOPIC_WEIGHTS.sum()

USER_QUESTIONS = {
    "booking": ["How do I book an appointment for next week?", "Can I move my booking to Friday?"],
    "billing": ["Why was I charged twice this month?", "Where can I download my invoice?"],
    "account access": ["I can't log in to my account.", "The password reset email never arrived."],
    "provider onboarding": [
        "How do I list my services as a provider?",
        "What documents do I need to sign up?",
    ],
    "cancellations": ["How do I cancel my appointment?", "Is there a fee if I cancel today?"],
    "refunds": ["When will I get my refund?", "Can I get a refund for a missed session?"],
    "scheduling": ["Can I set recurring appointments?", "How do I change my working hours?"],
    "payments": ["Which payment methods do you accept?", "My card was declined, what now?"],
    "notifications": ["I get too many reminder emails.", "How do I turn on SMS reminders?"],
    "profile settings": ["How do I change my profile photo?", "Can I update my phone number?"],
    "reviews": ["How do I leave a review?", "Can I respond to a review of my service?"],
    "technical issue": ["The app crashes when I open the calendar.", "The page keeps loading forever."],
    "pricing": ["How much does a premium plan cost?", "Are there discounts for students?"],
    "availability": ["Is anyone available this weekend?", "When is the next free slot?"],
    "messaging": ["How do I message my provider?", "I can't see my conversation history."],
    "privacy": ["Who can see my personal data?", "How do I delete my account and data?"],
}
ASSISTANT_ANSWERS = (
    "Sure, here is how to do that: open {topic} in your account menu and follow the steps.",
    "I checked your account: everything about {topic} looks fine. Anything else I can do?",
    "Thanks for your patience. I've updated your {topic} settings; you'll get a confirmation email.",
    "Here's a link to our {topic} guide, which walks through it step by step.",
    "I understand. Let me look into your {topic} question in more detail.",
)
FOLLOW_UPS = (
    "Thanks, that helps!",
    "It still doesn't work.",
    "Can you explain that again?",
    "OK, one more question.",
)
SYSTEM_NOTES = ("Conversation transferred to a human agent.", "The user uploaded a file.", "Session resumed.")
ACTION_TYPES = ("link_click", "service_view", "booking_started", "faq_open")
# Relative traffic by UTC hour: quiet nights, a late-morning and mid-afternoon peak.
HOUR_PROFILE = np.array(
    [2, 1, 1, 1, 1, 2, 4, 7, 10, 13, 15, 15, 13, 14, 15, 14, 12, 10, 8, 7, 6, 5, 4, 3], dtype=float
)
HOUR_PROFILE /= HOUR_PROFILE.sum()
WEEKEND_SHARE = 0.45


class SeedError(RuntimeError):
    """The database cannot take this seed (already seeded with it...)."""


@dataclass(frozen=True)
class SeedSummary:
    """What one run wrote."""

    users: int
    sessions: int
    active: int
    messages: int
    topics: int
    actions: int
    seconds: float
    incidents: tuple[Incident, ...] = ()

    def line(self) -> str:
        seeded = (
            f"Seeded {self.sessions:,} sessions ({self.active:,} active), {self.messages:,} messages, "
            f"{self.users:,} users in {self.seconds:.1f} s"
        )
        return "\n".join([seeded, *(f"incident: {i.line()}" for i in self.incidents)])


def _uuids(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.bytes(16 * n)
    return [str(uuid.UUID(bytes=raw[i : i + 16], version=4)) for i in range(0, 16 * n, 16)]


def _start_times(rng: np.random.Generator, n: int, start: datetime, days: int) -> np.ndarray:
    """Seconds after `start` for n sessions: weekday daytime heavy, slowly growing over the days."""
    first_midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    day_dates = [first_midnight + timedelta(days=d) for d in range(days + 1)]
    weights = np.array(
        [
            (WEEKEND_SHARE if d.weekday() >= 5 else 1.0) * (0.8 + 0.4 * i / max(days, 1))
            for i, d in enumerate(day_dates)
        ]
    )
    day = rng.choice(len(day_dates), size=n, p=weights / weights.sum())
    hour = rng.choice(24, size=n, p=HOUR_PROFILE)
    offset = day * 86_400 + hour * 3_600 + rng.random(n) * 3_600 - (start - first_midnight).total_seconds()
    # Out-of-range draws (before the start, or too recent to be closed) are spread over the span.
    span = days * 86_400 - ACTIVE_WINDOW_MINUTES * 60 - 3_600
    bad = (offset < 0) | (offset > span)
    offset[bad] = rng.random(int(bad.sum())) * span
    return np.sort(offset)


class _Generator:
    """Builds the rows of one chunk of sessions at a time from a single random stream."""

    def __init__(
        self,
        rng: np.random.Generator,
        start: datetime,
        now: datetime,
        user_pool: dict[str, list[int]],
        incidents: tuple[Incident, ...] = (),
    ) -> None:
        self.rng = rng
        self.start = start
        self.now = now
        self.user_pool = user_pool
        self.incidents = incidents

    def chunk(self, offsets: np.ndarray, open_flags: np.ndarray) -> tuple[dict, list[recording.Closing]]:
        rng = self.rng
        n = len(offsets)
        ids = _uuids(rng, n)
        kinds = rng.choice(3, size=n, p=[0.6, 0.25, 0.15])
        turns = 1 + np.minimum(rng.poisson(6.3, size=n), 25)
        created_at = [self.start + timedelta(seconds=float(o)) for o in offsets]
        escalation_odds = 0.08 * np.array([factor(self.incidents, ESCALATIONS, c) for c in created_at])
        escalated = rng.random(n) < escalation_odds
        resolved = ~escalated & (rng.random(n) < 0.765)
        rated = rng.random(n) < 0.45
        happy = rng.choice(5, size=n, p=[0.03, 0.05, 0.12, 0.35, 0.45]) + 1
        unhappy = rng.choice(5, size=n, p=[0.2, 0.25, 0.25, 0.2, 0.1]) + 1
        topic_counts = rng.choice([1, 2, 3, 4], size=n, p=[0.45, 0.35, 0.15, 0.05])
        action_counts = np.minimum(rng.poisson(1.3, size=n), 6)

        sessions, messages, topics, actions, closings = [], [], [], [], []
        for i in range(n):
            created = created_at[i]
            kind = ("client", "provider", "anonymous")[kinds[i]]
            pool = self.user_pool.get(kind)
            user_id = int(pool[rng.integers(len(pool))]) if pool else None
            chosen = rng.choice(len(TOPICS), size=topic_counts[i], replace=False, p=TOPIC_WEIGHTS)
            names = [TOPICS[t] for t in chosen]
            last = self._messages(ids[i], created, int(turns[i]), names, bool(escalated[i]), messages)
            for position, name in enumerate(names):
                topics.append(
                    {"session_id": ids[i], "topic": name, "position": position, "created_at": created}
                )
            for a in range(int(action_counts[i])):
                actions.append(
                    {
                        "session_id": ids[i],
                        "action_type": ACTION_TYPES[rng.integers(len(ACTION_TYPES))],
                        "target": f"/services/{rng.integers(1, 5000)}",
                        "created_at": created + (last - created) * (a + 1) / (action_counts[i] + 1),
                    }
                )
            is_resolved = bool(resolved[i])
            rating = int(happy[i] if is_resolved else unhappy[i]) if rated[i] else None
            sessions.append(
                {
                    "session_id": ids[i],
                    "user_id": user_id,
                    "user_type": kind,
                    "is_active": True,
                    "created_at": created,
                    "updated_at": last,
                    "satisfaction_rating": None if open_flags[i] else rating,
                    "resolved": False if open_flags[i] else is_resolved,
                    "escalated_to_human": bool(escalated[i]) and not open_flags[i],
                }
            )
            if not open_flags[i]:
                closings.append(
                    recording.Closing(ids[i], last + timedelta(seconds=float(rng.uniform(5, 120))))
                )
        return {"sessions": sessions, "messages": messages, "topics": topics, "actions": actions}, closings

    def _messages(
        self, session_id: str, created: datetime, turns: int, topics: list[str], escalated: bool, out: list
    ) -> datetime:
        """Append the session's messages to `out`; return the time of the last one."""
        rng = self.rng
        at = created
        cached = rng.random(turns) < 0.15
        # Log-normal with a long tail: median ~800 ms, p95 ~3 s, a few answers far slower.
        slow = np.exp(rng.normal(np.log(800), 0.75, size=turns)) * np.where(rng.random(turns) < 0.02, 5, 1)
        fast = rng.uniform(20, 80, size=turns)
        think = rng.exponential(35, size=turns) + 3
        ids = _uuids(rng, 2 * turns + 1)
        for t in range(turns):
            if at + timedelta(seconds=float(think[t] + 60)) > self.now:
                break  # an open session's chat so far: nothing after "now"
            topic = topics[t % len(topics)]
            question = (
                USER_QUESTIONS[topic][rng.integers(2)]
                if t == 0
                else FOLLOW_UPS[rng.integers(len(FOLLOW_UPS))]
            )
            at = at + timedelta(seconds=float(think[t]))
            out.append(self._row(ids[2 * t], session_id, "user", question, at))
            ms = float(fast[t] if cached[t] else slow[t]) * factor(self.incidents, SLOW_ANSWERS, at)
            at = at + timedelta(milliseconds=ms)
            answer = ASSISTANT_ANSWERS[rng.integers(len(ASSISTANT_ANSWERS))].format(topic=topic)
            out.append(
                self._row(
                    ids[2 * t + 1],
                    session_id,
                    "assistant",
                    answer,
                    at,
                    ms=round(ms, 1),
                    cached=bool(cached[t]),
                    metadata={"model": "assistant-v2", "tokens": int(rng.integers(40, 600))},
                )
            )
        # Both draws are made whatever the outcome, so that an injected escalation leaves the
        # random stream, hence every later session, as it was.
        other_note, which = rng.random() < 0.03, 1 + rng.integers(2)
        if (escalated or other_note) and at + timedelta(seconds=2) <= self.now:
            at = at + timedelta(seconds=2)
            note = SYSTEM_NOTES[0] if escalated else SYSTEM_NOTES[which]
            out.append(self._row(ids[-1], session_id, "system", note, at))
        return at

    @staticmethod
    def _row(message_id, session_id, sender, content, at, ms=None, cached=False, metadata=None) -> dict:
        return {
            "message_id": message_id,
            "session_id": session_id,
            "sender_type": sender,
            "content": content,
            "created_at": at,
            "processing_time_ms": ms,
            "is_cached_response": cached,
            "metadata": metadata,
        }


def _seed_users(seed: int):
    """Matches the accounts a given seed creates (their names carry the seed)."""
    return users.c.username.like(f"%\\_{seed}\\_%", escape="\\")


def _create_users(engine: Engine, rng: np.random.Generator, count: int, seed: int, start: datetime) -> dict:
    """Insert the seed's client and provider accounts (no password, not staff); return ids by type."""
    kinds = rng.choice(2, size=count, p=[0.7, 0.3])
    rows = [
        {
            "username": f"{('client', 'provider')[k]}_{seed}_{i:05d}",
            "email": f"{('client', 'provider')[k]}{i}@example.org",
            "password_hash": None,
            "user_type": ("client", "provider")[k],
            "is_staff": False,
            "is_active": True,
            "created_at": start - timedelta(days=int(rng.integers(1, 400))),
        }
        for i, k in enumerate(kinds)
    ]
    with engine.begin() as conn:
        conn.execute(insert(users), rows)
        found = conn.execute(select(users.c.id, users.c.user_type).where(_seed_users(seed))).all()
    pool: dict[str, list[int]] = {"client": [], "provider": []}
    for user_id, kind in found:
        pool[kind].append(user_id)
    return pool


def _chunks(total: int, size: int) -> Iterator[slice]:
    for lo in range(0, total, size):
        yield slice(lo, min(lo + size, total))


def generate(
    engine: Engine,
    *,
    sessions: int,
    days: int,
    active: int,
    seed: int,
    now: datetime | None = None,
    progress: bool = False,
    incidents: int = 0,
) -> SeedSummary:
    """Write `sessions` sessions spread over the `days` before `now`, the last `active` still open,
    with `incidents` incidents injected (data/incidents.py; a traffic drop writes fewer sessions)."""
    from tqdm import tqdm

    if sessions < 0 or days < 1 or not 0 <= active <= sessions:
        raise SeedError("need sessions >= 0, days >= 1 and 0 <= active <= sessions")
    began = time.perf_counter()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    start = now - timedelta(days=days)
    rng = np.random.default_rng(seed)
    injected = schedule(incidents, start, now, seed)  # before any write: too many is refused cleanly
    with engine.connect() as conn:
        if conn.execute(select(users.c.id).where(_seed_users(seed)).limit(1)).first():
            raise SeedError(f"this database already holds the data of seed {seed}; use another --seed")
    user_pool = _create_users(engine, rng, max(10, sessions // 8), seed, start)

    closed_offsets = _start_times(rng, sessions - active, start, days)
    open_offsets = (now - start).total_seconds() - rng.uniform(60, ACTIVE_WINDOW_MINUTES * 60, size=active)
    offsets = np.concatenate([closed_offsets, np.sort(open_offsets)])
    open_flags = np.arange(sessions) >= sessions - active
    kept = _kept(injected, offsets, start, seed)
    maker = _Generator(rng, start, now, user_pool, injected)
    totals = {"sessions": 0, "messages": 0, "topics": 0, "actions": 0}
    with tqdm(total=sessions, unit=" sessions", disable=not progress, file=sys.stderr, smoothing=0.1) as bar:
        for part in _chunks(sessions, CHUNK_SESSIONS):
            rows, closings = _without(*maker.chunk(offsets[part], open_flags[part]), kept[part])
            with engine.begin() as conn:
                recording.insert_bulk(conn, **rows)
                recording.close_sessions(conn, closings)
            for key in totals:
                totals[key] += len(rows[key])
            bar.update(part.stop - part.start)
    refresh_statistics(engine, metadata.sorted_tables)
    return SeedSummary(
        users=sum(len(v) for v in user_pool.values()),
        sessions=totals["sessions"],
        active=active,
        messages=totals["messages"],
        topics=totals["topics"],
        actions=totals["actions"],
        seconds=time.perf_counter() - began,
        incidents=injected,
    )


def _kept(injected: tuple[Incident, ...], offsets: np.ndarray, start: datetime, seed: int) -> np.ndarray:
    """Which sessions are written: all, but only 40% of those starting in a traffic drop."""
    if not injected:
        return np.ones(len(offsets), dtype=bool)
    odds = np.array([factor(injected, FEWER_SESSIONS, start + timedelta(seconds=float(o))) for o in offsets])
    # Drawn from their own stream: the sessions are still generated, then left out, so the ones
    # written are exactly those of the run without incidents.
    return np.random.default_rng([seed, 60]).random(len(offsets)) < odds


def _without(rows: dict, closings: list[recording.Closing], kept: np.ndarray) -> tuple[dict, list]:
    """The chunk's rows and closings minus the sessions left out."""
    if kept.all():
        return rows, closings
    dropped = {r["session_id"] for r, keep in zip(rows["sessions"], kept, strict=True) if not keep}
    rows = {name: [r for r in table if r["session_id"] not in dropped] for name, table in rows.items()}
    return rows, [c for c in closings if c.session_id not in dropped]


def main(argv: list[str] | None = None) -> int:
    """`python -m data.seed`: the `chat-analytics seed` command; returns the exit code."""
    from commands.dataset import seed as command
    from commands.startup import invoke

    return invoke(command, argv, "python -m data.seed")


if __name__ == "__main__":
    sys.exit(main())
