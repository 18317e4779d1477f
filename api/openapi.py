"""GET /api/v1/openapi.json: the OpenAPI 3.1 document kept in the repository beside this module."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response

DOCUMENT = Path(__file__).with_name("openapi.json")

blueprint = Blueprint("openapi", __name__)


def load_document() -> dict:
    """The OpenAPI document as a dict."""
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


@blueprint.get("/api/v1/openapi.json")
def openapi() -> Response:
    """Serve the document as it is in the repository (public: it holds no secret)."""
    return Response(DOCUMENT.read_bytes(), mimetype="application/json")
