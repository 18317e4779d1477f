"""Helpers for driving the Flask server like a browser would."""

from __future__ import annotations

import re

from bench.dash_calls import call_body

HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in `html`."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no csrf_token in the page"
    return match.group(1)


def login(client, username: str, password: str, next_path: str | None = None):
    """Fetch the login page for its CSRF token and submit it; return the POST's response."""
    page = client.get("/login", headers=HTML).get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "username": username, "password": password}
    if next_path is not None:
        form["next"] = next_path
    return client.post("/login", data=form, headers=HTML)


DASH = "/admin/chat-analytics/"


def find_props(node, **wanted) -> list[dict]:
    """Props of every component in a Dash layout JSON whose props include all of `wanted`."""
    found = []
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and all(props.get(k) == v for k, v in wanted.items()):
            found.append(props)
        for value in node.values():
            found.extend(find_props(value, **wanted))
    elif isinstance(node, list):
        for item in node:
            found.extend(find_props(item, **wanted))
    return found


def layout(client) -> dict:
    """The dashboard layout JSON as the signed-in client's browser would receive it."""
    response = client.get(DASH + "_dash-layout")
    assert response.status_code == 200, response.data
    return response.get_json()


def logout_token(client) -> str:
    """The CSRF token the dashboard's Sign out form carries."""
    tokens = {hidden["value"] for hidden in find_props(layout(client), name="csrf_token")}
    (token,) = tokens  # "Sign out" and "Sign out everywhere" carry the same one
    return token


def dash_callbacks(client) -> list[dict]:
    """The dashboard's callbacks as its page learns them (`_dash-dependencies`)."""
    response = client.get(DASH + "_dash-dependencies")
    assert response.status_code == 200, response.data
    return response.get_json()


def callback_with_output(callbacks: list[dict], prop: str) -> dict:
    """The one callback that has `prop` ("id.property") among its outputs."""
    (found,) = [c for c in callbacks if prop in c["output"].split("@")[0].strip(".").split("...")]
    return found


def run_callback(client, callback: dict, values: dict, changed: list[str] | None = None):
    """POST `_dash-update-component` as the browser would, with `values` for inputs and state."""
    body = call_body(callback, values, changed if changed is not None else list(values))
    return client.post(DASH + "_dash-update-component", json=body)
