"""Saved views: the Views menu and its dialogs into data.saved_views calls, as the signed-in user.

A view opens from its link, `?view=ID`: `opened_view` gives the filters of that address.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

from dash import Dash, Input, Output, State, ctx, no_update
from flask import request
from flask_login import current_user

from callbacks.inputs import reject, stored_filters, text_or_none
from data import saved_views as views
from data.errors import FieldError
from layouts.controls import USER_TYPE_LABELS
from layouts.views import MENU_LABEL, view_items
from metrics.filters import Filters
from web.context import services
from web.paths import DASHBOARD_PATH

VIEW_PARAM = "view"
MAX_ID_DIGITS = 9  # beyond any real view, and within every database's integer


def view_number(text: str) -> int | None:
    """The view id a text spells (ASCII digits only), or None."""
    ok = text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS
    return int(text) if ok else None


def _me() -> tuple[int, str, str | None]:
    """The signed-in user's id and name, and the request's address (for the audit trail)."""
    return current_user.account.id, current_user.username, request.remote_addr


def view_id_of(search: str | None) -> str | None:
    """The `view` parameter of an address, if it has one."""
    values = parse_qs((search or "").lstrip("?")).get(VIEW_PARAM)
    return values[-1] if values else None


def opened_view(raw_id: str, today: date) -> tuple[Filters, list[FieldError], views.SavedView | None]:
    """The filters of the view a `?view=ID` link names, what of them no longer reads, and the view
    (None, with the defaults and a problem, when the user cannot see such a view)."""
    view_id = view_number(raw_id)
    if view_id is None:
        return Filters(), [FieldError("view must be the number of a saved view", VIEW_PARAM)], None
    with services().engine.connect() as conn:
        view = views.visible_view(conn, view_id, _me()[0])
    if view is None:
        problem = FieldError(f"there is no view {view_id} you can open (deleted, or not shared)", VIEW_PARAM)
        return Filters(), [problem], None
    filters, problems = views.opened_filters(view, today)
    return filters, problems, view


def list_menu(search, _saved, _changed):
    """The saved views in the menu and the rename dialog's choice; the menu names the open view."""
    text_or_none(search, "url.search")
    user_id = _me()[0]
    with services().engine.connect() as conn:
        found = views.list_views(conn, user_id)
    mine = [v for v in found if v.owner_id == user_id]
    current = next((v for v in found if str(v.id) == view_id_of(search)), None)
    return (
        view_items(found, user_id),
        [{"label": v.name + (" (shared)" if v.shared else ""), "value": str(v.id)} for v in mine],
        f"{MENU_LABEL}: {current.name}" if current else MENU_LABEL,
        f"Showing the saved view “{current.name}”"
        + (f" of {current.owner}" if current.owner_id != user_id else "")
        if current
        else "",
    )


def _in_words(filters: Filters) -> str:
    """`Last 30 days · anonymous · rated 1-2`: the filters a view would save."""
    label = filters.period(services().config.tz).label
    return " · ".join([label, USER_TYPE_LABELS[filters.user_type or "all"], *filters.segment_words()])


def save_dialog(_open, _cancel, _submit, name, shared, stored):
    """Open, cancel or submit the save dialog; a refused name stays open with the reason."""
    closed = (False, no_update, False, "", no_update, no_update)
    trigger = ctx.triggered_id
    if trigger == "views-save-cancel":
        return closed
    filters = stored_filters(stored)
    if trigger == "views-save-open":
        return (
            True,
            "",
            False,
            "",
            "Saves: " + _in_words(filters),
            no_update,
        )
    if trigger != "views-save-submit":
        return (no_update,) * 6
    text_or_none(name, "views-save-name.value")
    if not isinstance(shared, bool | None):
        reject("views-save-shared.value", "views-save-shared.value must be true or false")
    user_id, actor, ip = _me()
    try:
        with services().engine.begin() as conn:
            view_id = views.save_view(conn, user_id, name, filters.query(), bool(shared), actor=actor, ip=ip)
    except views.ViewError as exc:
        return True, no_update, True, f"{exc.field.capitalize()}: {exc}", no_update, no_update
    return False, no_update, False, "", no_update, view_id


def _chosen(pick) -> int | None:
    text_or_none(pick, "views-manage-pick.value")
    if not pick:
        return None
    view_id = view_number(pick)
    if view_id is None:
        reject("views-manage-pick.value", "views-manage-pick.value must be a view number")
    return view_id


def manage_dialog(_open, _close, _rename, _delete, _confirm, pick, new_name, changed):
    """Open or close the rename/delete dialog, and rename or delete the chosen view of one's own
    (a forged id of another's view is refused by data.saved_views, not trusted from the list)."""
    trigger = ctx.triggered_id
    hidden, shown = "ms-2 d-none", "ms-2"
    if trigger == "views-manage-open":
        return True, False, "", "info", hidden, no_update, None
    if trigger == "views-manage-close":
        return False, False, "", "info", hidden, no_update, no_update
    view_id = _chosen(pick)
    text_or_none(new_name, "views-manage-name.value")
    if view_id is None:
        return no_update, True, "Choose one of your views first.", "warning", hidden, no_update, no_update
    if trigger == "views-delete":
        return no_update, False, "", "info", shown, no_update, no_update
    user_id, actor, ip = _me()
    try:
        with services().engine.begin() as conn:
            if trigger == "views-rename":
                before = views.rename_view(conn, view_id, user_id, new_name, actor=actor, ip=ip)
                said, pick = f"“{before.name}” is now “{views.clean_name(new_name)}”.", no_update
            elif trigger == "views-delete-confirm":
                before = views.delete_view(conn, view_id, user_id, actor=actor, ip=ip)
                said, pick = f"View “{before.name}” deleted.", None
            else:
                return (no_update,) * 7
    except views.ViewError as exc:
        return no_update, True, f"{exc.field.capitalize()}: {exc}", "danger", hidden, no_update, no_update
    return no_update, True, said, "success", hidden, (changed if isinstance(changed, int) else 0) + 1, pick


def chosen_link(pick):
    """The link of the view chosen in the rename dialog, and its name to edit."""
    view_id = _chosen(pick)
    if view_id is None:
        return "", "#", ""
    with services().engine.connect() as conn:
        view = views.visible_view(conn, view_id, _me()[0])
    if view is None:
        return "", "#", ""
    link = DASHBOARD_PATH + view.link
    return link, link, view.name


def register(app: Dash) -> None:
    """Attach the Views menu, its dialogs and their data calls to `app`."""
    app.callback(
        Output("views-list", "children"),
        Output("views-manage-pick", "options"),
        Output("views-menu", "label"),
        Output("views-current", "children"),
        Input("url", "search"),
        Input("views-saved", "data"),
        Input("views-changed", "data"),
    )(list_menu)
    app.callback(
        Output("views-save-modal", "is_open"),
        Output("views-save-name", "value"),
        Output("views-save-name", "invalid"),
        Output("views-save-feedback", "children"),
        Output("views-save-scope", "children"),
        Output("views-saved", "data"),
        Input("views-save-open", "n_clicks"),
        Input("views-save-cancel", "n_clicks"),
        Input("views-save-submit", "n_clicks"),
        State("views-save-name", "value"),
        State("views-save-shared", "value"),
        State("filters", "data"),
        prevent_initial_call=True,
    )(save_dialog)
    app.callback(
        Output("views-manage-modal", "is_open"),
        Output("views-manage-feedback", "is_open"),
        Output("views-manage-feedback", "children"),
        Output("views-manage-feedback", "color"),
        Output("views-delete-confirm", "className"),
        Output("views-changed", "data"),
        Output("views-manage-pick", "value"),
        Input("views-manage-open", "n_clicks"),
        Input("views-manage-close", "n_clicks"),
        Input("views-rename", "n_clicks"),
        Input("views-delete", "n_clicks"),
        Input("views-delete-confirm", "n_clicks"),
        State("views-manage-pick", "value"),
        State("views-manage-name", "value"),
        State("views-changed", "data"),
        prevent_initial_call=True,
    )(manage_dialog)
    app.callback(
        Output("views-manage-link", "children"),
        Output("views-manage-link", "href"),
        Output("views-manage-name", "value"),
        Input("views-manage-pick", "value"),
    )(chosen_link)
