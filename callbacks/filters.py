"""Keeps the URL query string, the filter controls and the `filters` store in step.

The URL is the source of truth, so a shared link reopens the same view and Back undoes a change.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, no_update

from callbacks.inputs import stored_filters, text_or_none, valid_filters
from callbacks.state import Filters, parse_query
from data.periods import DEFAULT_PRESET
from layouts.controls import EXPORTS
from web.context import services
from web.paths import EXPORT_PATH

ALL_USERS = "all"


def next_filters(
    trigger: str | None, search: str | None, preset, start, end, user_type, current: Filters, tz
):
    """The filter state after `trigger` changed, or None when nothing should change yet."""
    chosen_type = None if user_type in (None, ALL_USERS) else user_type
    if trigger in (None, "url"):
        return parse_query(search, tz)
    if trigger == "preset":
        return Filters(preset or DEFAULT_PRESET, None, None, current.user_type)
    if trigger == "date-range":
        if start and end:
            candidate = Filters(None, start[:10], end[:10], current.user_type)
            return parse_query(candidate.query(), tz)
        if not start and not end:
            return Filters(DEFAULT_PRESET, None, None, current.user_type)
        return None  # half a range: wait for the other end
    if trigger == "user-type":
        return Filters(current.preset, current.start_date, current.end_date, chosen_type)
    return None


def sync_filters(search, preset, start, end, user_type, stored):
    """Translate whichever of URL and controls changed into all the others."""
    tz = services().config.tz
    for prop, value in (
        ("url.search", search),
        ("preset.value", preset),
        ("date-range.start_date", start),
        ("date-range.end_date", end),
        ("user-type.value", user_type),
    ):
        text_or_none(value, prop)
    current = stored_filters(stored)
    new = next_filters(ctx.triggered_id, search, preset, start, end, user_type, current, tz)
    if new is None:
        return (no_update,) * (7 + len(EXPORTS))
    new = valid_filters(new, next(iter(ctx.triggered_prop_ids), "filters.data"))
    query = new.query()
    exports = new.export_query(tz)
    return (
        query if query != (search or "") else no_update,
        None if new.custom else new.preset,
        new.start_date,
        new.end_date,
        new.user_type or ALL_USERS,
        new.to_store() if new != current or stored is None else no_update,
        new.period(tz).label,
        *(EXPORT_PATH.format(kind=kind) + exports for kind, _ in EXPORTS),
    )


def register(app: Dash) -> None:
    """Attach the URL/controls synchronisation to `app`."""
    app.callback(
        Output("url", "search"),
        Output("preset", "value"),
        Output("date-range", "start_date"),
        Output("date-range", "end_date"),
        Output("user-type", "value"),
        Output("filters", "data"),
        Output("period-label", "children"),
        *(Output(f"export-{kind}", "href") for kind, _ in EXPORTS),
        Input("url", "search"),
        Input("preset", "value"),
        Input("date-range", "start_date"),
        Input("date-range", "end_date"),
        Input("user-type", "value"),
        State("filters", "data"),
    )(sync_filters)
