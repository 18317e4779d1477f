"""Dash callback requests checked for shape before Dash reads them: a forged envelope (no output,
an unknown callback, inputs that are not the callback's) is a 400, not a KeyError's 500."""

from __future__ import annotations

from typing import Any

from dash import Dash
from flask import jsonify, request

from web.paths import DASHBOARD_PATH

UPDATE_PATH = DASHBOARD_PATH + "_dash-update-component"


def _dependency(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("id"), str)
        and isinstance(value.get("property"), str)
    )


def _same(sent: Any, declared: list[dict]) -> bool:
    return (
        isinstance(sent, list)
        and all(_dependency(d) for d in sent)
        and [(d["id"], d["property"]) for d in sent] == [(d["id"], d["property"]) for d in declared]
    )


def envelope_problem(body: Any, callback_map: dict[str, dict]) -> str | None:
    """What is wrong with a `_dash-update-component` body for these callbacks, or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    spec = callback_map.get(body.get("output")) if isinstance(body.get("output"), str) else None
    # Clientside callbacks run in the browser: the server has no function for them.
    if spec is None or "callback" not in spec:
        return "output must name one of the dashboard's server callbacks"
    declared = spec["output"]
    outputs = body.get("outputs")
    if isinstance(declared, list):
        if not (
            isinstance(outputs, list) and len(outputs) == len(declared) and all(map(_dependency, outputs))
        ):
            return f"outputs must list the callback's {len(declared)} outputs"
    elif not _dependency(outputs):
        return "outputs must be the callback's output"
    for key in ("inputs", "state"):
        if not _same(body.get(key, []), spec[key]):
            return f"{key} must be the callback's {key}, in order"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds must be a list of strings"
    return None


def install_callback_checks(app: Dash) -> None:
    """Refuse malformed callback requests (400 JSON naming the body) before Dash dispatches them."""

    @app.server.before_request
    def _check_envelope():
        if request.path != UPDATE_PATH or request.method != "POST":
            return None
        problem = envelope_problem(request.get_json(silent=True), app.callback_map)
        if problem:
            return jsonify(error=problem, field="body"), 400
        return None
