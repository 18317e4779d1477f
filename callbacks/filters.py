"""Keeps the URL query string, the filter controls, the topic chip and the `filters` store in step.

The URL is the source of truth, so a shared link reopens the same view and Back undoes a change.
A clicked topic bar becomes a filter of the whole page (`?topic=billing`); the chip removes it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from dash import Dash, Input, Output, State, ctx, no_update

from callbacks.inputs import clicked_topic, reject, stored_filters, text_or_none
from callbacks.views import opened_view, view_id_of
from data.errors import FieldError
from data.periods import DEFAULT_PRESET, Period
from layouts.controls import ANY, EXPORTS, NO_COMPARISON, SEGMENT_CONTROLS, USER_TYPE_LABELS
from metrics.filters import Filters, parse_search
from web.context import services
from web.paths import EXPORT_PATH, TOPICS_PATH

ALL_USERS = "all"
# Each segment control and the Filters field it sets.
SEGMENT_FIELDS = {
    "seg-resolved": "resolved",
    "seg-escalated": "escalated",
    "seg-rating": "rating",
    "seg-duration": "duration",
    "seg-messages": "messages",
    "seg-cached": "cached",
}
assert set(SEGMENT_FIELDS) == {control for control, _, _ in SEGMENT_CONTROLS}
TOPIC_CHARTS = ("chart-topics", "chart-issues")


def next_filters(
    trigger: str | None, search: str | None, inputs: dict, current: Filters, today
) -> tuple[Filters | None, list[FieldError]]:
    """The filter state after `trigger` changed (None: nothing should change yet), and what of the
    address could not be read."""
    if trigger in (None, "url"):
        return parse_search(search, today)
    if trigger == "preset":
        return replace(current, preset=inputs["preset"] or DEFAULT_PRESET, start_date=None, end_date=None), []
    if trigger in ("date-start", "date-end"):
        start, end = inputs["start"], inputs["end"]
        if start and end:
            candidate = replace(current, preset=None, start_date=start[:10], end_date=end[:10])
            found, problems = parse_search(candidate.query(), today)
            return found, problems
        if not start and not end:
            return replace(current, preset=DEFAULT_PRESET, start_date=None, end_date=None), []
        return None, []  # half a range: wait for the other end
    if trigger == "user-type":
        chosen = inputs["user_type"]
        return replace(current, user_type=None if chosen in (None, ALL_USERS) else chosen), []
    if trigger == "compare":
        chosen = inputs["compare"]
        candidate = replace(current, compare=None)
        if chosen not in (None, NO_COMPARISON):
            candidate = Filters.from_store({**candidate.to_store(), "compare": chosen})
        return candidate, []
    if trigger in TOPIC_CHARTS:
        topic = clicked_topic(inputs[trigger], f"{trigger}.clickData")
        return (replace(current, topics=(topic,)), []) if topic else (None, [])
    if trigger == "topic-clear":
        return replace(current, topics=()), []
    if trigger in SEGMENT_FIELDS:
        chosen = inputs[trigger]
        candidate = replace(current, **{SEGMENT_FIELDS[trigger]: None})
        if chosen not in (None, ANY):
            candidate = Filters.from_store({**candidate.to_store(), SEGMENT_FIELDS[trigger]: chosen})
        return candidate, []
    return None, []


def describe(period: Period) -> str:
    """`Last 7 days · 18 Nov 16:15 – 25 Nov 16:15`: the preset and the exact span it covers."""
    start, end = (
        period.start.astimezone(period.tz),
        (period.end - timedelta(microseconds=1)).astimezone(period.tz),
    )
    if period.preset is None:
        return period.label
    return f"{period.label} · {start:%d %b %H:%M} – {end:%d %b %H:%M}"


def export_scope(filters: Filters, period: Period) -> str:
    """What an export file of this view covers, e.g. `7 days to 25 Nov 16:15 · clients · topic billing`."""
    end = (period.end - timedelta(microseconds=1)).astimezone(period.tz)
    if period.preset:
        span = f"{period.label.removeprefix('Last ')} to {end:%d %b %H:%M}"
    else:
        span = period.label
    parts = [span, USER_TYPE_LABELS.get(filters.user_type or ALL_USERS, "all users")]
    return " · ".join([*parts, *filters.segment_words()])


def _problems_text(problems: list[FieldError], shown: str) -> str:
    read = "; ".join(str(p) for p in problems)
    return f"Part of the link could not be used ({read}). Showing {shown} instead."


def _segment_value(value) -> str:
    """A Filters segment value as its control shows it."""
    if value is None:
        return ANY
    return str(value).lower() if isinstance(value, bool) else str(value)


def _changed(value, shown):
    """`value` for a control now showing `shown`; no_update when it already shows it."""
    return no_update if value == shown else value


def sync_filters(
    search, preset, start, end, user_type, topics_click, issues_click, _clear, *segments_compare_stored
):
    """Translate whichever of URL, controls and topic clicks changed into all the others."""
    *segments, compare, stored = segments_compare_stored
    segment_values = dict(zip(SEGMENT_FIELDS, segments, strict=True))
    tz = services().config.tz
    today = datetime.now(tz).date()
    for prop, value in (
        ("url.search", search),
        ("preset.value", preset),
        ("date-start.value", start),
        ("date-end.value", end),
        ("user-type.value", user_type),
        ("compare.value", compare),
        *((f"{control}.value", value) for control, value in segment_values.items()),
    ):
        text_or_none(value, prop)
    current = stored_filters(stored)
    inputs = {
        "preset": preset,
        "start": start,
        "end": end,
        "user_type": user_type,
        "compare": compare,
        "chart-topics": topics_click,
        "chart-issues": issues_click,
        **segment_values,
    }
    # A saved view's link (`?view=ID`) stays the address, so Back and a reload reopen the view.
    view_link = view_id_of(search) if ctx.triggered_id in (None, "url") else None
    if view_link is not None:
        new, problems, _ = opened_view(view_link, today)
    else:
        try:
            new, problems = next_filters(ctx.triggered_id, search, inputs, current, today)
        except FieldError as exc:  # a forged control value: the browser only offers readable ones
            reject(f"{ctx.triggered_id}.value", f"{exc.field}: {exc}")
    if new is None:
        return (no_update,) * (11 + len(EXPORTS) + 2 + len(SEGMENT_FIELDS) + 1)
    query = new.query()
    period = new.period(tz)
    same_topics = stored is not None and new.topics == current.topics
    return (
        query if query != (search or "") and view_link is None else no_update,
        # A control already showing its value is not sent it again (each output costs the browser
        # a pass over the page's components before the period callbacks can leave).
        _changed(None if new.custom else new.preset, preset),
        _changed(new.start_date, start),
        _changed(new.end_date, end),
        _changed(new.user_type or ALL_USERS, user_type),
        new.to_store() if new != current or stored is None else no_update,
        describe(period),
        no_update if same_topics else ("rounded-pill" if new.topics else "rounded-pill d-none"),
        no_update if same_topics else ", ".join(new.topics),
        _problems_text(problems, describe(period)) if problems else no_update,
        # Our own rewrite of a bad address triggers this again: leave its notice open then.
        True if problems else (no_update if ctx.triggered_id in (None, "url") else False),
        # The exports take the same filters as the view, so each file holds what the cards count.
        *(EXPORT_PATH.format(kind=kind) + replace(new, compare=None).query() for kind, _ in EXPORTS),
        f"files: {export_scope(new, period)}",
        # The explorer shows every topic, for the same period and users.
        TOPICS_PATH + Filters(new.preset, new.start_date, new.end_date, new.user_type).query(),
        *(
            _changed(_segment_value(getattr(new, field)), segment_values[control])
            for control, field in SEGMENT_FIELDS.items()
        ),
        _changed(new.compare or NO_COMPARISON, compare),
    )


def announce_export(*clicks_and_scope) -> tuple:
    """Say that an export button worked: which file is coming, of what."""
    scope = text_or_none(clicks_and_scope[-1], "export-scope.children") or ""
    kind = (ctx.triggered_id or "").removeprefix("export-")
    label = dict(EXPORTS).get(kind)
    if not label:
        return no_update, no_update
    return True, f"{label} CSV downloading ({scope.removeprefix('files: ')})."


def register(app: Dash) -> None:
    """Attach the URL/controls synchronisation and the export notice to `app`."""
    app.callback(
        Output("url", "search"),
        Output("preset", "value"),
        Output("date-start", "value"),
        Output("date-end", "value"),
        Output("user-type", "value"),
        Output("filters", "data"),
        Output("period-label", "children"),
        Output("topic-clear", "className"),
        Output("topic-chip-name", "children"),
        Output("link-alert", "children"),
        Output("link-alert", "is_open"),
        *(Output(f"export-{kind}", "href") for kind, _ in EXPORTS),
        Output("export-scope", "children"),
        Output("topics-link", "href"),
        *(Output(control, "value") for control in SEGMENT_FIELDS),
        Output("compare", "value"),
        Input("url", "search"),
        Input("preset", "value"),
        Input("date-start", "value"),
        Input("date-end", "value"),
        Input("user-type", "value"),
        Input("chart-topics", "clickData"),
        Input("chart-issues", "clickData"),
        Input("topic-clear", "n_clicks"),
        *(Input(control, "value") for control in SEGMENT_FIELDS),
        Input("compare", "value"),
        State("filters", "data"),
    )(sync_filters)
    app.callback(
        Output("export-toast", "is_open"),
        Output("export-toast", "children"),
        *(Input(f"export-{kind}", "n_clicks") for kind, _ in EXPORTS),
        State("export-scope", "children"),
        prevent_initial_call=True,
    )(announce_export)
