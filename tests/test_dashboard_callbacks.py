"""The dashboard callbacks without a browser: card wording and colours, caching, faults, wiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from callbacks import kpis
from callbacks.charts import update_breakdowns
from data.db import create_engine
from layouts.kpis import KPIS
from metrics import Headline, MessageCounts, Outcomes, ResponseTimes, Satisfaction, SessionCounts
from metrics.filters import Filters, parse_search
from tests.builders import Msg, Spec, build, sid
from web.context import Services, install, services_of


def headline(sessions, messages, avg_ms, rating, resolved_pct, escalated_pct, engagement) -> Headline:
    return Headline(
        SessionCounts(sessions, 0, sessions),
        MessageCounts(messages, {"user": messages, "assistant": 0, "system": 0}, sessions),
        ResponseTimes(10 if avg_ms else 0, avg_ms, {50: avg_ms, 95: avg_ms}),
        Satisfaction(rating, 3 if rating else 0, {}),
        Outcomes(sessions, resolved_pct, escalated_pct, engagement),
    )


def texts(component) -> list[str]:
    """Every text in a component tree, in order."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list):
        return [t for c in component for t in texts(c)]
    children = getattr(component, "children", None)
    return texts(children) if children is not None else []


def change_of(card: list) -> tuple[str, str]:
    change = next(c for c in card if "kpi-change" in c.className)
    return change.children, change.className


def test_changes_are_coloured_by_whether_they_are_good():
    now = headline(110, 1000, 800.0, 4.2, 70.0, 8.0, 50.0)
    before = headline(100, 1000, 1000.0, 4.0, 75.0, 5.0, 50.0)
    cards = dict(zip([s.key for s in KPIS], kpis.kpi_cards(now, before), strict=True))
    assert change_of(cards["sessions"]) == ("▲ 10.0% vs previous", "small text-success kpi-change")
    assert change_of(cards["messages"]) == ("→ 0.0% vs previous", "small text-muted kpi-change")
    # Faster answers are good news even though the number fell.
    assert change_of(cards["p50_response_time"]) == ("▼ 20.0% vs previous", "small text-success kpi-change")
    assert change_of(cards["resolution_rate"]) == ("▼ 5.0 pp vs previous", "small text-danger kpi-change")
    assert change_of(cards["escalation_rate"]) == ("▲ 3.0 pp vs previous", "small text-danger kpi-change")
    assert "800 ms" in texts(cards["p50_response_time"])
    assert "n = 3 rated sessions" in texts(cards["avg_satisfaction"])


def test_no_arrow_when_previous_period_is_empty():
    now = headline(5, 20, 500.0, None, 60.0, 0.0, 40.0)
    empty = headline(0, 0, None, None, None, None, None)
    for card in kpis.kpi_cards(now, empty):
        assert change_of(card)[0] == "no previous data"
    assert "—" in texts(kpis.kpi_cards(now, empty)[3])  # no ratings: a dash, not 0


def test_period_results_are_cached_per_filter_set(app):
    engine = services_of(app.server).engine
    now = datetime.now(UTC)
    build(engine, [Spec(sid(1), "client", now - timedelta(hours=2), [Msg("user", 0)], ["billing"])])
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with app.server.test_request_context():
        first = update_breakdowns(Filters("24h").to_store())
        after_first = len(statements)
        again = update_breakdowns(Filters("24h").to_store())
        assert len(statements) == after_first > 0  # the second refresh ran no query
        update_breakdowns(Filters("24h", user_type="provider").to_store())
        assert len(statements) > after_first  # another filter set is computed afresh
    assert first[0] == again[0]


def test_database_outage_shows_banner_instead_of_breaking(app):
    ctx = services_of(app.server)
    broken = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    install(app.server, Services(config=ctx.config, engine=broken, cache=None))
    with app.server.test_request_context():
        result = kpis.update_kpis(Filters("7d").to_store())
        charts = update_breakdowns(Filters("7d").to_store())
    *cards, _notice, _notice_open, error, error_open = result
    assert error_open is True and "not answering" in error
    assert all("unavailable" in texts(card) for card in cards)
    assert "database is not answering" in charts[0]["layout"]["annotations"][0]["text"]


def test_live_tick_triggers_only_the_live_card(app):
    for callback in app.callback_map.values():
        inputs = {f"{i['id']}.{i['property']}" for i in callback["inputs"]}
        if "live-tick.n_intervals" in inputs:
            assert inputs == {"live-tick.n_intervals"}
            assert not any("kpi-" in str(o) or "chart-" in str(o) for o in callback["output"])
    filter_driven = [
        c for c in app.callback_map.values() if {"id": "filters", "property": "data"} in c["inputs"]
    ]
    assert len(filter_driven) >= 4


def test_url_query_round_trips_and_rejects_junk():
    for filters in (
        Filters("30d"),
        Filters(None, "2026-01-01", "2026-01-31", "provider"),
        Filters("24h", None, None, "anonymous"),
    ):
        assert parse_search(filters.query())[0] == filters
    assert parse_search("?period=1y&user_type=robots")[0] == Filters("7d")
    assert [e.field for e in parse_search("?period=1y&user_type=robots")[1]] == ["period", "user_type"]
    assert parse_search("?start_date=2026-02-10&end_date=2026-02-01")[0] == Filters("7d")
    assert parse_search("?start_date=yesterday&end_date=today&period=90d")[0] == Filters("90d")


def test_ordinary_ticks_leave_the_filters_alone_and_recovery_re_emits_them(app):
    from dash import no_update

    from callbacks.live import refresh_live

    stored = Filters("30d", user_type="client").to_store()
    with app.server.test_request_context():
        count, _error, is_open, filters, stamp = refresh_live(3, False, stored)
        assert filters is no_update and is_open is False and count == "0"
        assert (
            stamp["failed"] is False
            and stamp["interval_ms"] == services_of(app.server).config.live_interval_ms
            and stamp["at_ms"] > 0
        )
        _count, error, is_open, filters, _stamp = refresh_live(4, True, stored)
    assert filters == stored and filters is not stored
    assert is_open is False and error == ""


def test_cards_name_the_compared_period():
    from datetime import date
    from zoneinfo import ZoneInfo

    from data.periods import custom_range, preset_period

    paris = ZoneInfo("Europe/Paris")
    week = custom_range(date(2026, 11, 8), date(2026, 11, 14), paris)
    assert kpis.compared_span(week.previous()) == "01 Nov–07 Nov"
    day = preset_period("24h", paris, datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    assert kpis.compared_span(day.previous()) == "23 Nov 16:00–24 Nov 16:00"
    month = preset_period("30d", paris, datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    assert kpis.compared_span(month.previous()) == "26 Sep–26 Oct"  # 30 days before 26 Oct 16:00
    now = headline(110, 1000, 800.0, 4.2, 70.0, 8.0, 50.0)
    before = headline(100, 1000, 1000.0, 4.0, 75.0, 5.0, 50.0)
    assert change_of(kpis.kpi_cards(now, before, "01 Nov–07 Nov")[0])[0] == "▲ 10.0% vs 01 Nov–07 Nov"


def test_a_fired_alert_is_shaded_on_the_time_charts_and_named_in_their_summaries(make_app):
    """A rule on average response time fires over a slow answer (9 s against 2 s); another fired
    and recovered before the period: only the first is drawn."""
    from sqlalchemy import insert, select

    from alerts.check import run_once
    from alerts.rules import create_rule, validate_rule
    from callbacks.charts import update_time_series
    from data.schema import alert_events, alert_rules

    app = make_app()
    engine = services_of(app.server).engine
    now = datetime.now(UTC)
    build(
        engine,
        [Spec(sid(1), "client", now - timedelta(hours=2), [Msg("user", 0), Msg("assistant", 5, 9000.0)])],
    )
    rule = {"name": "Slow answers", "metric": "avg_response_time", "window": "24h", "condition": "above",
            "threshold": "2000", "emails": ["lead@example.org"]}  # fmt: skip
    with engine.begin() as conn:
        create_rule(conn, validate_rule(rule), actor="lead")
        rule_id = conn.execute(select(alert_rules.c.id)).scalar_one()
        old = now - timedelta(days=20)
        conn.execute(
            insert(alert_events).values(
                rule_id=rule_id, started_at=old, resolved_at=old + timedelta(days=1), window_start=old,
                value=5000.0, threshold=2000.0,
            )
        )  # fmt: skip
    run_once(engine, services_of(app.server).config, {}, now=now)
    with app.server.test_request_context():
        activity, activity_summary, _t1, response, response_summary, _t2 = update_time_series(
            Filters("7d").to_store()
        )
    for fig, summary in ((activity, activity_summary), (response, response_summary)):
        shapes = fig["layout"].get("shapes", [])
        assert [s["label"]["text"] for s in shapes] == ["⚠ Slow answers"]
        assert (
            "Alerts (shaded): Slow answers fired" in summary
            and "over the window from" in summary
            and "still firing" in summary
        )


def _same_hour_every_week(engine, hour: datetime, now_ms: float) -> None:
    """25 sessions of 4 answers in `hour` and in the same hour 1..6 weeks before: 3,000 ms each in
    the past weeks, `now_ms` each in `hour`."""
    specs = []
    for week in range(7):
        start = hour - timedelta(weeks=week)
        ms = now_ms if week == 0 else 3000.0
        for i in range(25):
            turns = [m for t in range(4) for m in (Msg("user", 10 * t), Msg("assistant", 10 * t + 5, ms))]
            specs.append(Spec(sid(week * 100 + i), "client", start + timedelta(minutes=2 * i), turns))
    build(engine, specs)


def _unusual(fig) -> list:
    return [t for t in fig["data"] if t.get("name") == "Unusual hour"]


def test_an_hour_far_slower_than_the_same_hour_in_past_weeks_is_marked_on_the_response_chart(make_app):
    from callbacks.charts import update_time_series

    app = make_app()
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    _same_hour_every_week(services_of(app.server).engine, hour, 9100.0)
    tz = services_of(app.server).config.tz
    for preset in ("24h", "7d"):
        with app.server.test_request_context():
            activity, activity_summary, _t1, response, response_summary, _t2 = update_time_series(
                Filters(preset).to_store()
            )
        (marker,) = _unusual(response)
        # p95 of 100 answers of 9,100 ms is 9,100; the usual is the median of six weeks at 3,000.
        assert marker["x"] == [hour.astimezone(tz).replace(tzinfo=None)] and marker["y"] == [9100.0]
        usual = "9,100 ms vs usual 3,000 ms (same hour, previous 6 weeks)"
        assert marker["customdata"] == [f"p95 response time anomalous: {usual}"]
        assert (
            f"Unusual hours (red markers): {hour.astimezone(tz):%a %d %b %H:%M} p95 response time {usual}."
            in (response_summary)
        )
        # Sessions and messages were the same as in the past weeks: nothing on the activity chart.
        assert _unusual(activity) == [] and "Unusual" not in activity_summary


def test_an_hour_like_the_same_hour_in_past_weeks_is_not_marked(make_app):
    from callbacks.charts import update_time_series

    app = make_app()
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    _same_hour_every_week(services_of(app.server).engine, hour, 3000.0)
    with app.server.test_request_context():
        activity, activity_summary, _t1, response, response_summary, _t2 = update_time_series(
            Filters("7d").to_store()
        )
    assert response["data"] and activity["data"]
    assert _unusual(response) == [] and _unusual(activity) == []
    assert "Unusual" not in response_summary + activity_summary


def test_the_markers_read_each_hour_s_kept_p95_unless_it_is_behind_its_histogram(make_app, monkeypatch):
    """Past EXACT_PERCENTILE_LIMIT answers the markers judge each hour's p95 as kept in
    rollup_hour_p95 (the histogram's: 9,100 ms falls in a bucket whose representative is shown); a
    kept row is believed while it counted the hour's answers, and read again from the histogram
    when it counted fewer (a writer's answers not in it yet)."""
    from sqlalchemy import text

    from callbacks.charts import update_time_series
    from data import histogram
    from metrics import quality

    monkeypatch.setattr(quality, "EXACT_PERCENTILE_LIMIT", 0)
    app = make_app(cache_seconds=0)
    engine = services_of(app.server).engine
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    _same_hour_every_week(engine, hour, 9100.0)
    slow = histogram.representative(histogram.bucket_of(9100.0))

    def marked() -> list:
        with app.server.test_request_context():
            response = update_time_series(Filters("7d").to_store())[3]
        return [y for trace in _unusual(response) for y in trace["y"]]

    assert marked() == [slow]
    at = {"start": int(hour.timestamp())}
    with engine.begin() as conn:  # kept, and counting every answer of the hour: believed
        conn.execute(text("UPDATE rollup_hour_p95 SET p95 = 3000 WHERE start = :start"), at)
    assert marked() == []
    with engine.begin() as conn:  # behind its histogram: the histogram's p95 again
        conn.execute(text("UPDATE rollup_hour_p95 SET n = n - 1 WHERE start = :start"), at)
    assert marked() == [slow]
