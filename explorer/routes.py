"""GET /admin/chat-analytics/topics/: the topic explorer page (staff only, via the guard), rendered
on the server: one row per topic, sortable by address, each linking to the dashboard filtered to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from data.errors import FieldError
from data.periods import PRESET_LABELS, Period
from explorer import sparkline
from explorer.columns import COLUMNS
from explorer.query import ExplorerQuery, parse_query
from layouts.controls import USER_TYPE_LABELS, USER_TYPE_OPTIONS
from metrics.filters import Filters
from metrics.topic_table import DEFAULT_ORDERING, ORDERINGS, SMALL_SAMPLE, ordered, topic_table
from web.context import services
from web.paths import DASHBOARD_PATH, TOPICS_PATH

blueprint = Blueprint("explorer", __name__, template_folder="templates")
NEED_ORDERINGS = tuple(o for o in ORDERINGS.values() if o.by_need)


def span_text(period: Period) -> str:
    """`Last 7 days · 18 Nov 16:15 – 25 Nov 16:15`, or the day range."""
    if period.preset is None:
        return period.label
    start = period.start.astimezone(period.tz)
    end = (period.end - timedelta(microseconds=1)).astimezone(period.tz)
    return f"{period.label} · {start:%d %b %H:%M} – {end:%d %b %H:%M}"


def dashboard_link(filters: Filters, topic: str | None = None) -> str:
    """The dashboard showing these filters (and only `topic`, when given)."""
    return DASHBOARD_PATH + replace(filters, topics=(topic,) if topic else ()).query()


def form_args(args) -> dict[str, str]:
    """The address's parameters, with the page's own form read as meant: a preset picked there
    drops the days, "custom" keeps them (the dashboard's links never carry both)."""
    out = {k: v for k, v in args.items()}
    period = out.get("period")
    if period == "custom":
        out.pop("period")
    elif period:
        out.pop("start_date", None)
        out.pop("end_date", None)
    return out


def _aria_sort(query: ExplorerQuery, key: str | None) -> str | None:
    if key is None or query.sort != key:
        return None
    return "descending" if query.direction else "ascending"


def _header_link(query: ExplorerQuery, key: str) -> str:
    """A click on a heading sorts by it; on the current one, the other way round."""
    if query.sort == key:
        return query.query(dir="asc" if query.direction else "desc")
    return query.query(sort=key, dir=None)


@blueprint.get(TOPICS_PATH)
def topics_page():
    """The explorer for the period and user type of the address; a bad parameter is a 400 page."""
    ctx = services()
    tz = ctx.config.tz
    today = datetime.now(tz).date()
    try:
        query = parse_query(form_args(request.args), latest_day=today)
        period = query.filters.period(tz)
    except FieldError as exc:
        page = render_template(
            "topics_error.html", message=str(exc), field=exc.field, home=TOPICS_PATH, dashboard=DASHBOARD_PATH
        )
        return page, 400
    with ctx.reader.connect() as conn:  # a failure becomes a 503 (web.errors)
        table = topic_table(conn, period, query.filters.segment)
    rows = ordered(table.rows, query.sort, query.descending)
    filters = query.filters
    return render_template(
        "topics.html",
        query=query,
        filters=filters,
        period=period,
        span=span_text(period),
        table=table,
        rows=[
            {
                "row": row,
                "link": dashboard_link(filters, row.topic),
                "cells": [
                    (column.cell(row), column.detail(row) if column.detail else "") for column in COLUMNS
                ],
                "points": sparkline.points(row.daily),
                "trend": sparkline.describe(row.daily, table.buckets, period.hourly),
            }
            for row in rows
        ],
        columns=[
            {
                "column": c,
                "aria_sort": _aria_sort(query, c.key),
                "href": _header_link(query, c.key) if c.key else None,
            }
            for c in COLUMNS
        ],
        topic_sort={"aria_sort": _aria_sort(query, "topic"), "href": _header_link(query, "topic")},
        need_orderings=[
            {
                "ordering": o,
                "href": query.query(sort=o.key if o.key != DEFAULT_ORDERING else None, dir=None),
                "current": query.sort == o.key,
            }
            for o in NEED_ORDERINGS
        ],  # fmt: skip
        orderings=ORDERINGS,
        presets=PRESET_LABELS,
        user_types=USER_TYPE_OPTIONS,
        small_sample=SMALL_SAMPLE,
        user_type_label=" · ".join([USER_TYPE_LABELS[filters.user_type or "all"], *filters.segment_words()]),
        dashboard=dashboard_link(filters),
        today=today.isoformat(),
        username=current_user.username,
        csrf_token=generate_csrf(),
        timezone=ctx.config.display_timezone,
        sparkline_size=(sparkline.WIDTH, sparkline.HEIGHT),
    )
