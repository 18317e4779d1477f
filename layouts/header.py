"""The top bar: product name, display time zone, signed-in user and the logout button."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html


def build_header(username: str, csrf_token: str, timezone: str) -> dbc.Navbar:
    """A navbar whose Sign out button POSTs /logout with the session's CSRF token."""
    logout = html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token),
            dbc.Button("Sign out", id="logout-button", type="submit", color="light", size="sm", outline=True),
        ],
        method="POST",
        action="/logout",
        className="d-flex align-items-center mb-0",
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Chat Analytics", href="/admin/chat-analytics/", className="fw-semibold"),
                html.Div(
                    [
                        html.Span(
                            f"Times in {timezone}", className="text-white-50 small me-3 d-none d-md-inline"
                        ),
                        html.Span(
                            ["Signed in as ", html.Strong(username, id="signed-in-user")],
                            className="text-white small me-3",
                        ),
                        logout,
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
