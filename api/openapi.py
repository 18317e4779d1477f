"""GET /api/v1/openapi.json: the OpenAPI 3.1 document kept beside this module, with one property per
metric of the catalogue (its definition as the description) added to the real-time response, and
the topic explorer's orderings to its `sort` parameter."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, jsonify

from metrics.catalogue import CATALOGUE, Metric
from metrics.topic_table import ORDERINGS
from web.paths import TOPICS_API_PATH

DOCUMENT = Path(__file__).with_name("openapi.json")

blueprint = Blueprint("openapi", __name__)


def metric_schema(metric: Metric) -> dict:
    """The JSON schema of a metric's value in the real-time response."""
    unit = f" ({metric.unit.strip()})" if metric.unit else ""
    if metric.is_count:
        return {"type": "integer", "minimum": 0, "description": metric.definition}
    return {"type": ["number", "null"], "description": f"{metric.definition}{unit}; null for an empty period"}


@lru_cache(maxsize=1)
def _document() -> str:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    schema = document["components"]["schemas"]["Realtime"]
    schema["properties"].update({m.key: metric_schema(m) for m in CATALOGUE})
    # The explorer's orderings, from their one declaration.
    for parameter in document["paths"][TOPICS_API_PATH]["get"]["parameters"]:
        if parameter["name"] == "sort":
            parameter["schema"]["enum"] = list(ORDERINGS)
    return json.dumps(document)


def load_document() -> dict:
    """The OpenAPI document as served."""
    return json.loads(_document())


@blueprint.get("/api/v1/openapi.json")
def openapi():
    """Serve the document (public: it holds no secret)."""
    return jsonify(load_document())
