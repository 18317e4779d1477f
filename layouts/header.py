"""The top bar: product name, the link to the topic explorer, display time zone, signed-in user and
the logout button."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from web.paths import ALERTS_PATH, TOPICS_PATH


def _sign_out_form(label: str, button_id: str, action: str, csrf_token: str, title: str) -> html.Form:
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token),
            dbc.Button(
                label, id=button_id, type="submit", color="light", size="sm", outline=True, title=title
            ),
        ],
        method="POST",
        action=action,
        className="d-flex align-items-center mb-0 ms-2",
    )


def build_header(username: str, csrf_token: str, timezone: str) -> dbc.Navbar:
    """A navbar whose Sign out buttons POST /logout (this browser) or /logout/everywhere (every
    browser and device signed in to this account) with the session's CSRF token."""
    logout = _sign_out_form("Sign out", "logout-button", "/logout", csrf_token, "Sign out of this browser")
    everywhere = _sign_out_form(
        "Sign out everywhere",
        "logout-everywhere-button",
        "/logout/everywhere",
        csrf_token,
        "End every sign-in of this account, on every browser and device",
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Chat Analytics", href="/admin/chat-analytics/", className="fw-semibold"),
                # The filters callback keeps the link's period and user type those of the page.
                html.A("Topics", id="topics-link", href=TOPICS_PATH, className="nav-link text-white px-2"),
                html.Div(
                    [
                        html.A(
                            "Alerts",
                            href=ALERTS_PATH,
                            id="alerts-link",
                            className="btn btn-sm btn-outline-light me-3",
                        ),
                        html.Span(
                            f"Times in {timezone}", className="text-white-50 small me-3 d-none d-md-inline"
                        ),
                        html.Span(
                            ["Signed in as ", html.Strong(username, id="signed-in-user")],
                            className="text-white small me-3",
                        ),
                        logout,
                        everywhere,
                    ],
                    className="d-flex align-items-center ms-auto",
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )
