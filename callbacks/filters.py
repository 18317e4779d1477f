"""Keeps the URL query string, the filter controls and the `filters` store in step.

The URL is the source of truth, so a shared link reopens the same view and Back undoes a change.
"""

from __future__ import annotations

from dataclasses import replace

from dash import Dash, Input, Output, State, ctx, no_update

from data.periods import DEFAULT_PRESET
from layouts.controls import EXPORTS
from metrics.filters import Filters, parse_search
from web.context import services
from web.paths import EXPORT_PATH

ALL_USERS = "all"


def next_filters(
    trigger: str | None, search: str | None, preset, start, end, user_type, current: Filters
) -> Filters | None:
    """The filter state after `trigger` changed, or None when nothing should change yet."""
    chosen_type = None if user_type in (None, ALL_USERS) else user_type
    if trigger in (None, "url"):
        return parse_search(search)[0]
    if trigger == "preset":
        return replace(current, preset=preset or DEFAULT_PRESET, start_date=None, end_date=None)
    if trigger == "date-range":
        if start and end:
            candidate = replace(current, preset=None, start_date=start[:10], end_date=end[:10])
            return parse_search(candidate.query())[0]
        if not start and not end:
            return replace(current, preset=DEFAULT_PRESET, start_date=None, end_date=None)
        return None  # half a range: wait for the other end
    if trigger == "user-type":
        return replace(current, user_type=chosen_type)
    return None


def sync_filters(search, preset, start, end, user_type, stored):
    """Translate whichever of URL and controls changed into all the others."""
    tz = services().config.tz
    current = Filters.from_store(stored)
    new = next_filters(ctx.triggered_id, search, preset, start, end, user_type, current)
    if new is None:
        return (no_update,) * (7 + len(EXPORTS))
    query = new.query()
    return (
        query if query != (search or "") else no_update,
        None if new.custom else new.preset,
        new.start_date,
        new.end_date,
        new.user_type or ALL_USERS,
        new.to_store() if new != current or stored is None else no_update,
        new.period(tz).label,
        # The exports take the same filters as the view, so each file holds what the cards count.
        *(EXPORT_PATH.format(kind=kind) + query for kind, _ in EXPORTS),
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
