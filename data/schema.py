"""The tables of docs/contract.md section 1, plus the helper tables the write path keeps consistent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)

USER_TYPES = ("client", "provider")
SESSION_USER_TYPES = ("client", "provider", "anonymous")
SENDER_TYPES = ("user", "assistant", "system")


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned as an aware UTC datetime.

    SQLite keeps no offset, so naive values coming back are UTC by construction;
    naive values going in are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the data layer stores aware UTC timestamps only")
        value = value.astimezone(UTC)
        # SQLite compares timestamps as text, so the offset must not reach the stored string.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(150), nullable=False, unique=True),
    Column("email", String(254), nullable=True),
    Column("password_hash", String(255), nullable=True),
    Column("user_type", String(16), nullable=False),
    Column("is_staff", Boolean, nullable=False, default=False),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    # Extra column: for a chat user (no password, not staff), the name its chat back end knows it
    # by. Ingestion finds chat users by this name, and only among rows that cannot sign in, so a
    # chat user never links to a staff account; see data.chat_users.
    Column("chat_name", String(150), nullable=True, index=True),
    CheckConstraint("user_type IN ('client', 'provider')", name="user_type"),
)

chat_sessions = Table(
    "chat_sessions",
    metadata,
    Column("session_id", String(36), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("user_type", String(16), nullable=False),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("satisfaction_rating", SmallInteger, nullable=True),
    # Extra columns (allowed by the contract): outcome flags recorded while the session is open,
    # copied into chat_analytics when it closes.
    Column("resolved", Boolean, nullable=False, default=False),
    Column("escalated_to_human", Boolean, nullable=False, default=False),
    CheckConstraint("user_type IN ('client', 'provider', 'anonymous')", name="user_type"),
    CheckConstraint("satisfaction_rating BETWEEN 1 AND 5", name="satisfaction_rating"),
    Index(None, "created_at", "user_type"),
    Index(None, "user_type", "created_at"),
    Index(None, "user_id"),
    # Partial index: the live count reads only the (few) open sessions.
    Index(
        "ix_chat_sessions_active",
        "is_active",
        sqlite_where=text("is_active = 1"),
        postgresql_where=text("is_active"),
    ),
)

chat_messages = Table(
    "chat_messages",
    metadata,
    Column("message_id", String(36), primary_key=True),
    Column(
        "session_id", String(36), ForeignKey("chat_sessions.session_id", ondelete="CASCADE"), nullable=False
    ),
    Column("sender_type", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("processing_time_ms", Float, nullable=True),
    Column("is_cached_response", Boolean, nullable=False, default=False),
    Column("metadata", JSON, nullable=True),
    CheckConstraint("sender_type IN ('user', 'assistant', 'system')", name="sender_type"),
    Index(None, "session_id", "created_at"),
    # Covering: a partial hour's counts, response times and sessions are read from the index alone.
    Index(
        "ix_chat_messages_created_at_covering",
        "created_at",
        "sender_type",
        "processing_time_ms",
        "session_id",
    ),
    # Partial index: the `cached` segment asks, per session, whether any answer came from the cache.
    Index(
        "ix_chat_messages_cached",
        "session_id",
        sqlite_where=text("is_cached_response = 1"),
        postgresql_where=text("is_cached_response"),
    ),
)

chat_analytics = Table(
    "chat_analytics",
    metadata,
    Column("analytics_id", String(36), primary_key=True),
    Column(
        "session_id",
        String(36),
        ForeignKey("chat_sessions.session_id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("total_messages", Integer, nullable=False),
    Column("user_messages", Integer, nullable=False),
    Column("assistant_messages", Integer, nullable=False),
    Column("average_response_time_ms", Float, nullable=True),
    Column("resolved", Boolean, nullable=False),
    Column("escalated_to_human", Boolean, nullable=False),
    Column("topics_discussed", JSON, nullable=False),
    Column("actions_taken", JSON, nullable=False),
    Column("engagement_score", Float, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# One row per (session, topic), written as topics are recorded: top topics and common issues
# become an indexed GROUP BY on both databases instead of JSON unnesting.
session_topics = Table(
    "session_topics",
    metadata,
    Column(
        "session_id", String(36), ForeignKey("chat_sessions.session_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("topic", String(100), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Actions recorded while a session is open; copied into chat_analytics.actions_taken on close.
session_actions = Table(
    "session_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "session_id", String(36), ForeignKey("chat_sessions.session_id", ondelete="CASCADE"), nullable=False
    ),
    Column("action_type", String(64), nullable=False),
    Column("target", String(2048), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "session_id", "id"),
)

# Every event accepted through POST /api/v1/events, by its idempotency key: a replayed batch (a
# retry after a timeout, a restart) finds its events here and applies nothing twice.
ingested_events = Table(
    "ingested_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("session_id", String(36), nullable=False),
    Column("event_type", String(32), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    # data.retention forgets the keys received before its cutoff, oldest first.
    Index(None, "received_at"),
)

# Who did what: sign-ins (and failures), sign-outs, exports, ingestion calls. Append-only.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("actor", String(150), nullable=True),
    Column("ip", String(64), nullable=True),
    Column("detail", JSON, nullable=True),
)

# Server-side sign-ins: the signed cookie carries a random token whose hash is a row here. Signing
# out deletes the row, so a copied cookie stops working at once; deactivation, a password change
# and "sign out everywhere" delete every row of the account.
login_sessions = Table(
    "login_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False, index=True),
)


# --- rollups: derived from the tables above by data.rollups, in the same transaction as each write --
# Keys are UTC bucket starts in seconds since the epoch (hour-aligned; day rows day-aligned). Sums
# are integers (engagement in tenths, response times in microseconds) so that a rebuild from the
# base tables and the incremental maintenance agree exactly.
ROLLUP_GRAINS = ("h", "d")  # hour rows, UTC-day rows

HOURLY_COUNTERS = (
    "sessions",  # sessions created in the hour
    "active",  # ... of which still open
    "rated_1",
    "rated_2",
    "rated_3",
    "rated_4",
    "rated_5",
    "analysed",  # ... with an analytics row (closed)
    "resolved",
    "escalated",
    "engagement_tenths",
    "msg_user",  # messages created in the hour, by sender
    "msg_assistant",
    "msg_system",
    "rt_count",  # assistant messages with a processing time, created in the hour
    "rt_micros",
)

rollup_hours = Table(
    "rollup_hours",
    metadata,
    Column("start", BigInteger, nullable=False),
    Column("user_type", String(16), nullable=False),
    *(Column(name, BigInteger, nullable=False, default=0) for name in HOURLY_COUNTERS),
    PrimaryKeyConstraint("start", "user_type"),
)

# Assistant processing times per bucket of data.histogram, per hour and per UTC day.
rollup_response = Table(
    "rollup_response",
    metadata,
    Column("grain", String(1), nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("user_type", String(16), nullable=False),
    Column("bucket", Integer, nullable=False),
    Column("n", BigInteger, nullable=False, default=0),
    PrimaryKeyConstraint("grain", "start", "user_type", "bucket"),
)

# Per topic discussed, of the sessions created in the hour (day): how many, and what the topic
# explorer shows of them. Outcomes, messages and ratings are counted once a session is closed (its
# analytics row is final then); a rating counts whenever it is set, as ratings come late.
TOPIC_COUNTERS = (
    "sessions",
    "unresolved",  # ... closed unresolved
    "analysed",  # ... closed (with an analytics row)
    "resolved",
    "escalated",
    "rated",  # ... with a satisfaction rating
    "rating_sum",
    "messages",  # total_messages of the closed ones
    "message_sessions",  # closed ones with at least one message
)

rollup_topics = Table(
    "rollup_topics",
    metadata,
    Column("grain", String(1), nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("user_type", String(16), nullable=False),
    Column("topic", String(100), nullable=False),
    *(Column(name, BigInteger, nullable=False, default=0) for name in TOPIC_COUNTERS),
    PrimaryKeyConstraint("grain", "start", "user_type", "topic"),
)

# Processing times (data.histogram buckets) of the assistant answers of closed sessions, per topic
# and the hour, day or week ("w": 7-day blocks from the epoch) the session was created: the topic
# explorer's percentiles.
rollup_topic_response = Table(
    "rollup_topic_response",
    metadata,
    Column("grain", String(1), nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("user_type", String(16), nullable=False),
    Column("topic", String(100), nullable=False),
    Column("bucket", Integer, nullable=False),
    Column("n", BigInteger, nullable=False, default=0),
    PrimaryKeyConstraint("grain", "start", "user_type", "topic", "bucket"),
)

# Sessions with a message in the hour, by `gap`: hours since the session's previous hour with a
# message (0: none before). Sessions with a message in [H1, H2) = rows of those hours whose
# previous hour is 0 or before H1, so "messages per session" needs no distinct count.
rollup_message_sessions = Table(
    "rollup_message_sessions",
    metadata,
    Column("start", BigInteger, nullable=False),
    Column("user_type", String(16), nullable=False),
    Column("gap", Integer, nullable=False),
    Column("sessions", BigInteger, nullable=False, default=0),
    PrimaryKeyConstraint("start", "user_type", "gap"),
)

# Each UTC hour's 95th percentile of response times, per user type and for all of them (ALL_TYPES),
# from the hour's rollup_response histogram, rewritten whenever that histogram changes; `n` is the
# answers it counted, so a reader can tell a row that is behind its histogram (n differs from
# rollup_hours' rt_count). The dashboard's anomaly markers judge a week of hours against six weeks
# before: 1,176 of these rows instead of ~435,000 histogram rows at 1M sessions.
ALL_TYPES = "*"
rollup_hour_p95 = Table(
    "rollup_hour_p95",
    metadata,
    Column("start", BigInteger, nullable=False),
    Column("user_type", String(16), nullable=False),
    Column("n", BigInteger, nullable=False),
    Column("p95", Float, nullable=True),
    PrimaryKeyConstraint("start", "user_type"),
)

ROLLUP_TABLES = (
    rollup_hours,
    rollup_response,
    rollup_topics,
    rollup_message_sessions,
    rollup_topic_response,
    rollup_hour_p95,
)


# --- alerts: staff-defined rules, their state, what fired, and the notifications owed (alerts/) ---
alert_rules = Table(
    "alert_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("metric", String(32), nullable=False),  # a key of metrics.catalogue.METRICS
    Column("window", String(8), nullable=False),  # "15m", "1h" or "24h"
    Column("condition", String(16), nullable=False),  # "above", "below" or "anomalous"
    Column("threshold", Float, nullable=True),  # null for "anomalous"
    Column("user_type", String(16), nullable=True),
    Column("topic", String(100), nullable=True),
    Column("min_sample", Integer, nullable=False, default=0),
    Column("paused", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Where a rule's notices go: an email address, or a webhook URL with its own signing secret.
alert_destinations = Table(
    "alert_destinations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_id", Integer, ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # "email" or "webhook"
    Column("target", String(2000), nullable=False),
    Column("secret", String(200), nullable=True),  # webhooks only: the HMAC key
)

# One row per rule: the evaluator moves it between "ok" and "firing" with compare-and-set updates
# (`version`), so that a change is acted on once however many evaluators saw it.
alert_states = Table(
    "alert_states",
    metadata,
    Column("rule_id", Integer, ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(8), nullable=False),  # "ok" or "firing"
    Column("since", UTCDateTime, nullable=True),
    Column("last_value", Float, nullable=True),
    Column("last_sample", Integer, nullable=True),
    Column("checked_at", UTCDateTime, nullable=True),
    Column("event_id", Integer, nullable=True),  # the open alert_events row while firing
    Column("version", Integer, nullable=False, default=0),
)

# Each time a rule fired: when, with what figure against what threshold or baseline, and when it recovered.
alert_events = Table(
    "alert_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_id", Integer, ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("started_at", UTCDateTime, nullable=False, index=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("window_start", UTCDateTime, nullable=False),
    Column("value", Float, nullable=True),
    Column("threshold", Float, nullable=True),
    Column("baseline", Float, nullable=True),
    Column("recovered_value", Float, nullable=True),
)

# A notice owed to one destination: retried with backoff until delivered or given up.
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "event_id", Integer, ForeignKey("alert_events.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column(
        "destination_id",
        Integer,
        ForeignKey("alert_destinations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("notice", String(10), nullable=False),  # "firing" or "recovered"
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=True, index=True),  # null: delivered or given up
    Column("last_error", String(500), nullable=True),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# One row per named job ("alerts.check"): whoever holds an unexpired lease is the only one running it.
alert_leases = Table(
    "alert_leases",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(64), nullable=True),
    Column("expires_at", UTCDateTime, nullable=True),
)


# --- saved views: a staff user's named dashboard filters, private or shared with all staff (data.saved_views) ---
saved_views = Table(
    "saved_views",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("query", String(2000), nullable=False),  # the dashboard's address query, `?period=30d&...`
    Column("shared", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Names are unique per owner; its leading owner_id also serves "my views".
    UniqueConstraint("owner_id", "name"),
)
