"""The metric catalogue: its docs are current, every view shows what it declares, one change rule."""

from __future__ import annotations

import pytest

from api.openapi import load_document
from metrics.catalogue import CATALOGUE, METRICS
from metrics.change import change, metric_change
from metrics.docs import TARGET, render
from metrics.numbers import change_text, metric_value
from tests.test_realtime_api import (  # noqa: F401  (the hand-built fixture below)
    API,
    SPECS,
    api,  # noqa: F401  (fixture)
)


def test_docs_metrics_md_is_generated_from_the_catalogue():
    assert TARGET.read_text(encoding="utf-8") == render(), "run: python -m metrics.docs"


def test_every_key_is_unique_and_defined_in_one_sentence():
    assert len(METRICS) == len(CATALOGUE)
    for m in CATALOGUE:
        assert m.label and m.definition.endswith(".") and m.definition.count(". ") == 0, m.key


def test_the_api_answers_every_catalogue_figure(api):  # noqa: F811
    body = api.get(API).get_json()
    assert {m.key for m in CATALOGUE} <= body.keys()
    # Within 24 h of the fixture: sessions 1-3; messages 3 + 2 + 1 in sessions that all have one.
    assert body["messages_per_session"] == 2.0
    assert body["sessions_open"] == 1 and body["sessions_closed"] == 2


def test_openapi_describes_each_metric_with_its_catalogue_definition():
    properties = load_document()["components"]["schemas"]["Realtime"]["properties"]
    for m in CATALOGUE:
        assert properties[m.key]["description"].startswith(m.definition)
    assert properties["sessions"]["type"] == "integer"
    assert properties["avg_response_time"]["type"] == ["number", "null"]


@pytest.mark.parametrize(
    ("key", "now", "before", "text", "tone"),
    [
        ("sessions", 110, 100, "+10.0%", "good"),
        ("avg_response_time", 800.0, 1000.0, "-20.0%", "good"),  # faster is better
        ("resolution_rate", 70.0, 75.0, "-5.0 pp", "bad"),  # a rate moves in points
        ("escalation_rate", 8.0, 5.0, "+3.0 pp", "bad"),
        ("messages", 1000, 1000, "+0.0%", ""),
        ("sessions", 5, 0, "n/a", "good"),  # no base for a percentage
        ("sessions_open", 3, 1, "+200.0%", ""),  # neither direction is better
    ],
)
def test_change_in_the_metric_units_and_direction(key, now, before, text, tone):
    moved = metric_change(METRICS[key], now, before)
    assert change_text(moved) == text and moved.tone == tone


def test_no_change_without_both_values():
    assert change(None, 3.0) is None and change(3.0, None) is None
    assert change_text(None) == "n/a"


def test_values_are_written_in_the_metric_format():
    assert metric_value(METRICS["sessions"], 12345) == "12,345"
    assert metric_value(METRICS["avg_response_time"], 1234.4) == "1,234 ms"
    assert metric_value(METRICS["avg_satisfaction"], 3.714) == "3.71 / 5"
    assert metric_value(METRICS["resolution_rate"], 70.06) == "70.1%"
    assert metric_value(METRICS["avg_engagement"], None) == "n/a"
