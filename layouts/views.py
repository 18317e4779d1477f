"""The Views menu of the filter bar (save the filters on screen, open a saved view) and its two
dialogs: saving under a name, and renaming or deleting one's own views."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from data.saved_views import MAX_NAME_LENGTH, SavedView
from web.paths import DASHBOARD_PATH

MENU_LABEL = "Views"


def view_items(views: list[SavedView], user_id: int) -> list:
    """The menu's list: the user's views, then those others share, each a link to open it."""
    own = [v for v in views if v.owner_id == user_id]
    others = [v for v in views if v.owner_id != user_id]
    # Plain text headings: dbc's header items carry role="heading" without the level axe requires.
    items: list = [html.Div("Your views", className="dropdown-header")]
    items += [
        dbc.DropdownMenuItem(
            [v.name, html.Span(" · shared", className="text-muted small")] if v.shared else v.name,
            href=DASHBOARD_PATH + v.link,
        )
        for v in own
    ] or [dbc.DropdownMenuItem("None saved yet", disabled=True)]
    if others:
        items.append(html.Div("Shared by others", className="dropdown-header"))
        items += [
            dbc.DropdownMenuItem([v.name, html.Span(f" · {v.owner}", className="text-muted small")],
                                 href=DASHBOARD_PATH + v.link)
            for v in others
        ]  # fmt: skip
    return items


def build_views_menu() -> html.Div:
    """The menu button with its fixed entries; the callbacks fill in the saved views."""
    return html.Div(
        [
            dbc.DropdownMenu(
                [
                    dbc.DropdownMenuItem("Save current view…", id="views-save-open"),
                    dbc.DropdownMenuItem(divider=True),
                    html.Div(view_items([], 0), id="views-list"),
                    dbc.DropdownMenuItem(divider=True),
                    dbc.DropdownMenuItem("Rename or delete…", id="views-manage-open"),
                ],
                id="views-menu",
                label=MENU_LABEL,
                color="primary",
                size="sm",
                toggle_class_name="views-toggle",
            ),
            # Which view is open, for screen readers and the eye alike.
            html.Span(id="views-current", className="small text-muted ms-2", **{"aria-live": "polite"}),
            dcc.Store(id="views-saved"),
            dcc.Store(id="views-changed"),
        ],
        className="d-flex align-items-center",
    )


def build_save_dialog() -> dbc.Modal:
    """Name the filters on screen and choose whether all staff see them."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Save current view", id="views-save-title")),
            dbc.ModalBody(
                [
                    dbc.Label("Name", html_for="views-save-name"),
                    dbc.Input(id="views-save-name", maxLength=MAX_NAME_LENGTH, autoComplete="off"),
                    dbc.FormFeedback(id="views-save-feedback", type="invalid"),
                    dbc.Checkbox(
                        id="views-save-shared", label="Share with all staff", value=False, className="mt-3"
                    ),
                    html.P(id="views-save-scope", className="small text-muted mt-2 mb-0"),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button("Cancel", id="views-save-cancel", color="secondary", outline=True),
                    dbc.Button("Save", id="views-save-submit", color="primary"),
                ]
            ),
        ],
        id="views-save-modal",
        is_open=False,
        labelledby="views-save-title",
    )


def build_manage_dialog() -> dbc.Modal:
    """Pick one of one's own views, rename it, or delete it (after a second, explicit click)."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Rename or delete your views", id="views-manage-title")),
            dbc.ModalBody(
                [
                    dbc.Label("View", html_for="views-manage-pick"),
                    dbc.Select(id="views-manage-pick", options=[], placeholder="Choose one of your views"),
                    html.P(
                        ["Link: ", html.A(id="views-manage-link", href="#")],
                        className="small text-muted mt-1 mb-3",
                    ),
                    dbc.Label("New name", html_for="views-manage-name"),
                    dbc.InputGroup(
                        [
                            dbc.Input(id="views-manage-name", maxLength=MAX_NAME_LENGTH, autoComplete="off"),
                            dbc.Button("Rename", id="views-rename", color="primary"),
                        ]
                    ),
                    html.Div(
                        [
                            dbc.Button("Delete…", id="views-delete", color="danger", outline=True),
                            dbc.Button(
                                "Yes, delete it",
                                id="views-delete-confirm",
                                color="danger",
                                className="ms-2 d-none",
                            ),
                        ],
                        className="mt-3",
                    ),  # fmt: skip
                    dbc.Alert(id="views-manage-feedback", is_open=False, className="mt-3 mb-0"),
                ]
            ),
            dbc.ModalFooter(dbc.Button("Close", id="views-manage-close", color="secondary", outline=True)),
        ],
        id="views-manage-modal",
        is_open=False,
        labelledby="views-manage-title",
    )
