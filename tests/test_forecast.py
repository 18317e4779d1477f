"""The forecast (metrics.forecast) and the weekly report's next week, emerging topics and alerts,
against hand-built series and fixtures whose expected figures are worked out here by hand."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import insert

from data.periods import custom_range
from data.schema import alert_events, alert_rules
from metrics.forecast import activity_forecast, outlook
from reports import weekly
from tests.builders import Msg, Spec, build, sid

WEEK = [40, 55, 60, 58, 50, 20, 12]  # Monday first: a perfectly weekly count
PARIS = ZoneInfo("Europe/Paris")


def weekly_values(days: int, first_weekday: int = 0) -> list[int]:
    return [WEEK[(first_weekday + n) % 7] for n in range(days)]


@pytest.mark.parametrize("days", [21, 26, 35, 63])
def test_a_perfectly_weekly_series_is_recovered(days):
    result = outlook(weekly_values(days), 7)
    assert result is not None
    following = [WEEK[(days + k) % 7] for k in range(7)]
    assert result.expected == pytest.approx(following, abs=0.5)
    assert result.total == pytest.approx(sum(WEEK), abs=2)
    for low, expected, high in zip(result.low, result.expected, result.high, strict=True):
        assert low <= expected <= high
    assert result.total_low <= result.total <= result.total_high


def test_a_weekly_series_with_closed_days_is_recovered_too():
    shut = [40, 55, 60, 58, 50, 0, 0]  # no activity at weekends: day-of-week offsets, not factors
    result = outlook([shut[n % 7] for n in range(28)], 7)
    assert result is not None
    assert result.expected == pytest.approx(shut, abs=0.5)


def test_a_noisy_weekly_series_keeps_its_shape_and_a_band():
    noise = [3, -2, 4, -1, 0, 2, -3, -4, 1, 2, -2, 3, 0, -1, 2, -3, 1, 4, -2, 0, 1, -1, 3, -2, 0, 2, -4, 1]
    history = [v + e for v, e in zip(weekly_values(28), noise, strict=True)]
    result = outlook(history, 7)
    assert result is not None
    assert result.expected == pytest.approx(WEEK, abs=6)  # 28 days: the next day is a Monday
    assert all(high - low > 0 for low, high in zip(result.low, result.high, strict=True))
    assert result.total_low < sum(WEEK) < result.total_high


def test_under_three_weeks_gives_no_forecast():
    assert outlook(weekly_values(20), 7) is None
    assert outlook([], 7) is None


def daily_frame(values: list[int], first: date, partial_last: bool = False) -> pd.DataFrame:
    at = [pd.Timestamp(first + timedelta(days=n)).tz_localize(PARIS) for n in range(len(values))]
    partial = [False] * len(values)
    if partial_last:
        partial[-1] = True
    return pd.DataFrame(
        {"at": at, "sessions": values, "messages": [3 * v for v in values], "partial": partial}
    )


def test_the_chart_forecast_starts_after_the_last_shown_day():
    # 2 Nov 2026 is a Monday; 29 whole days then a partial 30th (1 Dec, "today", 17 sessions so far).
    values = [*weekly_values(29), 17]
    frame = daily_frame(values, date(2026, 11, 2), partial_last=True)
    period = custom_range(date(2026, 11, 2), date(2026, 12, 1), PARIS)
    forecast = activity_forecast(frame, period)
    assert forecast is not None
    assert [d.date() for d in forecast["at"]] == [date(2026, 12, 2) + timedelta(days=n) for n in range(7)]
    # 2 Dec 2026 is a Wednesday: WEEK[2] onwards; the partial day is not history.
    assert list(forecast["sessions"]) == pytest.approx([WEEK[(2 + k) % 7] for k in range(7)], abs=0.5)
    assert list(forecast["messages"]) == pytest.approx([3 * WEEK[(2 + k) % 7] for k in range(7)], abs=1.5)
    assert (forecast["sessions_low"] <= forecast["sessions"]).all()
    assert (forecast["sessions"] <= forecast["sessions_high"]).all()


def test_quiet_days_before_the_first_activity_are_not_history():
    values = [0] * 15 + weekly_values(20)  # 35 days shown, only 20 with activity
    frame = daily_frame(values, date(2026, 10, 1))
    period = custom_range(date(2026, 10, 1), date(2026, 11, 4), PARIS)
    assert activity_forecast(frame, period) is None


# The weekly report: the week of 16-22 Nov 2026 in Paris (UTC+1), the week before 9-15 Nov.
REPORT = ["--end", "2026-11-22", "--tz", "Europe/Paris", "--format", "json"]
PER_WEEKDAY = [2, 3, 3, 2, 2, 1, 1]  # sessions a day, Monday first: 14 a week, 28 days of history


def history_specs() -> list[Spec]:
    """Four weeks (26 Oct to 22 Nov in Paris) of PER_WEEKDAY sessions a day at 11:00 UTC, two
    messages each. Topics: the week before, 'billing' on every session, 'refunds' on 2; this week
    'billing' on 7, 'refunds' on 5 and 'privacy' on 3."""
    specs, n = [], 0
    for day in range(28):
        at = datetime(2026, 10, 26, 11, tzinfo=UTC) + timedelta(days=day)
        for k in range(PER_WEEKDAY[day % 7]):
            n += 1
            specs.append(
                Spec(
                    sid(n), "client", at + timedelta(minutes=k), [Msg("user", 0), Msg("assistant", 2, 300.0)]
                )
            )
    last_week = [
        s
        for s in specs
        if datetime(2026, 11, 9, tzinfo=UTC) <= s.created < datetime(2026, 11, 16, tzinfo=UTC)
    ]
    this_week = [s for s in specs if s.created >= datetime(2026, 11, 16, tzinfo=UTC)]
    for i, s in enumerate(last_week):
        s.topics = ["billing", "refunds"] if i < 2 else ["billing"]
    for i, s in enumerate(this_week):
        s.topics = (
            (["billing"] if i < 7 else []) + (["refunds"] if i < 5 else []) + (["privacy"] if i >= 11 else [])
        )
    return specs


def add_alert(
    engine, name: str, started: datetime, resolved: datetime | None, value: float, threshold: float
) -> None:
    with engine.begin() as conn:
        rule = conn.execute(
            insert(alert_rules).values(
                name=name,
                metric="sessions",
                window="1h",
                condition="above",
                threshold=threshold,
                min_sample=0,
                paused=False,
                created_at=started,
                updated_at=started,
            )  # fmt: skip
        ).inserted_primary_key[0]
        conn.execute(
            insert(alert_events).values(
                rule_id=rule,
                started_at=started,
                resolved_at=resolved,
                window_start=started - timedelta(hours=1),
                value=value,
                threshold=threshold,
            )  # fmt: skip
        )


@pytest.fixture
def report_db(engine, database_url):
    build(engine, history_specs())
    add_alert(
        engine,
        "Busy hour",
        datetime(2026, 11, 18, 9, tzinfo=UTC),
        datetime(2026, 11, 18, 10, tzinfo=UTC),
        9,
        5,
    )
    add_alert(engine, "Too quiet", datetime(2026, 11, 12, 9, tzinfo=UTC), None, 0, 1)  # the week before
    add_alert(engine, "Still busy", datetime(2026, 11, 22, 22, 30, tzinfo=UTC), None, 12, 5)  # 23:30 Paris
    return database_url


def report(capsys, database_url: str, *args: str) -> tuple[int, str]:
    code = weekly.main([*REPORT[:4], *args, "--database-url", database_url])
    return code, capsys.readouterr().out


def test_report_json_has_next_week_emerging_topics_and_alerts(report_db, capsys):
    code, out = report(capsys, report_db, "--format", "json")
    assert code == 0
    r = json.loads(out)
    ahead = r["next_week"]
    assert (ahead["start"], ahead["end"], ahead["days"], ahead["level"]) == (
        "2026-11-23",
        "2026-11-29",
        7,
        80,
    )
    assert ahead["sessions"]["low"] <= 14 <= ahead["sessions"]["high"]
    assert ahead["sessions"]["expected"] == pytest.approx(14, abs=1)
    assert ahead["messages"]["expected"] == pytest.approx(28, abs=2)
    # Shares of 14 sessions: billing 7/14 = 50% (before 14/14 = 100%), refunds 5/14 (before 2/14),
    # privacy 3/14 (before 0).
    assert r["emerging_topics"] == [
        {"topic": "refunds", "sessions": 5, "previous_sessions": 2, "share": round(500 / 14, 2),
         "previous_share": round(200 / 14, 2), "growth_points": round(300 / 14, 2)},
        {"topic": "privacy", "sessions": 3, "previous_sessions": 0, "share": round(300 / 14, 2),
         "previous_share": 0.0, "growth_points": round(300 / 14, 2)},
    ]  # fmt: skip
    assert [
        (a["rule"], a["started_at"], a["resolved_at"], a["value"], a["threshold"]) for a in r["alerts"]
    ] == [
        ("Busy hour", "2026-11-18T10:00:00+01:00", "2026-11-18T11:00:00+01:00", 9, 5),
        ("Still busy", "2026-11-22T23:30:00+01:00", None, 12, 5),
    ]


def test_report_text_and_html_show_the_new_sections(report_db, capsys):
    _, text = report(capsys, report_db, "--format", "text")
    assert "NEXT WEEK (2026-11-23 to 2026-11-29, forecast)" in text
    assert "Sessions expected" in text and "80% range" in text
    assert "EMERGING TOPICS" in text and "refunds" in text and "+21.4 pts" in text
    assert "ALERTS THIS WEEK" in text and "Busy hour: sessions" in text and "still firing" in text
    assert "Too quiet" not in text
    _, html = report(capsys, report_db, "--format", "html")
    assert "Next week (2026-11-23 to 2026-11-29, forecast)" in html
    assert "Emerging topics" in html and "+21.4 pts" in html
    assert "Alerts this week" in html and "Still busy: sessions" in html


def test_a_short_history_gives_no_next_week_and_empty_sections(engine, database_url, capsys):
    build(engine, history_specs()[-20:])  # the last few days only
    code, out = report(capsys, database_url, "--format", "json")
    r = json.loads(out)
    assert code == 0 and r["next_week"] is None and r["alerts"] == []
    _, text = report(capsys, database_url, "--format", "text")
    assert "No forecast: it needs at least three weeks of daily activity." in text
    assert "ALERTS THIS WEEK\n  none" in text


def test_the_figure_draws_the_forecast_dashed_with_a_band_and_says_so_on_hover():
    from charts import figures

    frame = daily_frame(weekly_values(28), date(2026, 11, 2))
    forecast = activity_forecast(frame, custom_range(date(2026, 11, 2), date(2026, 11, 29), PARIS))
    fig = figures.activity(frame, False, forecast)
    traces = {t.name: t for t in fig.data}
    for name in ("Sessions forecast", "Messages forecast"):
        assert traces[name].line.dash == "dash"
        assert "(forecast)" in traces[name].hovertemplate
        assert [pd.Timestamp(x).date() for x in traces[name].x] == [
            date(2026, 11, 30) + timedelta(days=n) for n in range(7)
        ]
    assert traces["Sessions forecast, 80% range"].fill == "tonexty"
    assert pd.Timestamp(fig.layout.xaxis.range[1]) > pd.Timestamp("2026-12-06")
    plain = figures.activity(frame, False)
    assert [t.name for t in plain.data] == ["Sessions", "Messages"]
