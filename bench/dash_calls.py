"""Drive the dashboard's Dash callbacks over HTTP the way the browser does (for load runs)."""

from __future__ import annotations

from typing import Any


def _outputs(output: str) -> list[dict[str, str]] | dict[str, str]:
    """Dash's `outputs` field from a callback's output string ("..a.b...c.d.." or "a.b")."""
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    outs = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        outs.append({"id": component, "property": prop.split("@")[0]})
    return outs if output.startswith("..") else outs[0]


def filter_callbacks(dependencies: list[dict]) -> list[dict]:
    """The callbacks that a filter change runs (those with the `filters` store as an input)."""
    return [d for d in dependencies if {"id": "filters", "property": "data"} in d["inputs"]]


def payload(callback: dict, filters: dict) -> dict[str, Any]:
    """The `_dash-update-component` body the browser posts when the filters store changes."""
    inputs = [
        {**i, "value": filters if (i["id"], i["property"]) == ("filters", "data") else None}
        for i in callback["inputs"]
    ]
    return {
        "output": callback["output"],
        "outputs": _outputs(callback["output"]),
        "inputs": inputs,
        "changedPropIds": ["filters.data"],
        "state": [{**s, "value": None} for s in callback["state"]],
    }


def call_body(callback: dict, values: dict[str, Any], changed: list[str]) -> dict[str, Any]:
    """The `_dash-update-component` body running `callback` with `values` ("id.prop" -> value) for
    its inputs and state (None for the rest) after the properties in `changed` changed."""

    def filled(deps: list[dict]) -> list[dict]:
        return [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in deps]

    return {
        "output": callback["output"],
        "outputs": _outputs(callback["output"]),
        "inputs": filled(callback["inputs"]),
        "changedPropIds": changed,
        "state": filled(callback["state"]),
    }
