"""The naive way, for comparison: read whole tables with pandas.read_sql, filter and count in pandas.

This is what the old system's views did in spirit (load, then filter in Python). It computes the
dashboard's figures for a period: sessions, messages by sender, response time mean and p95,
satisfaction, resolution and escalation rates, engagement, top topics and the activity series.
"""

from __future__ import annotations

import time

import pandas as pd
from sqlalchemy import Engine, select

from data.periods import Period
from data.schema import chat_analytics, chat_messages, chat_sessions, session_topics


def read_tables(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every row of the four tables the dashboard reads."""
    with engine.connect() as conn:
        return {
            "sessions": pd.read_sql(select(chat_sessions), conn),
            "messages": pd.read_sql(select(chat_messages), conn),
            "analytics": pd.read_sql(select(chat_analytics), conn),
            "topics": pd.read_sql(select(session_topics), conn),
        }


def figures(tables: dict[str, pd.DataFrame], period: Period, user_type: str | None) -> dict:
    """The dashboard's figures for the period, computed in pandas."""
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    s = tables["sessions"]
    created = pd.to_datetime(s["created_at"], utc=True)
    s = s[(created >= start) & (created < end)]
    if user_type:
        s = s[s["user_type"] == user_type]
    m = tables["messages"]
    m_at = pd.to_datetime(m["created_at"], utc=True)
    m = m[(m_at >= start) & (m_at < end)]
    if user_type:
        m = m[m["session_id"].isin(s["session_id"])]
    answers = m.loc[m["sender_type"] == "assistant", "processing_time_ms"].dropna()
    a = tables["analytics"]
    a = a[a["session_id"].isin(s["session_id"])]
    t = tables["topics"]
    t = t[t["session_id"].isin(s["session_id"])]
    local = pd.to_datetime(s["created_at"], utc=True).dt.tz_convert(period.tz)
    return {
        "sessions": len(s),
        "active": int(s["is_active"].sum()),
        "messages": m.groupby("sender_type").size().to_dict(),
        "response_mean": answers.mean(),
        "response_p95": answers.quantile(0.95),
        "satisfaction": s["satisfaction_rating"].dropna().mean(),
        "resolution": a["resolved"].mean(),
        "escalation": a["escalated_to_human"].mean(),
        "engagement": a["engagement_score"].mean(),
        "topics": t.groupby("topic").size().nlargest(10).to_dict(),
        "by_day": local.dt.floor("D").value_counts().sort_index(),
        "heatmap": pd.crosstab(local.dt.dayofweek, local.dt.hour),
    }


def measure(engine: Engine, periods: dict[str, tuple[Period, str | None]]) -> dict:
    """Milliseconds to read the tables once, and read + compute per period (as each refresh would)."""
    began = time.perf_counter()
    tables = read_tables(engine)
    read_ms = (time.perf_counter() - began) * 1000
    out = {"read_ms": read_ms, "rows": {name: len(df) for name, df in tables.items()}, "refresh_ms": {}}
    for label, (period, user_type) in periods.items():
        began = time.perf_counter()
        figures(tables, period, user_type)
        out["refresh_ms"][label] = read_ms + (time.perf_counter() - began) * 1000
    return out
