"""Forged Dash callback calls from a signed-in staff browser: a safe answer or a 4xx, never a 5xx.

The browser only sends what the dashboard's own components hold; anyone with a session can send
anything else straight to `_dash-update-component`.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench.dash_calls import call_body
from tests.conftest import add_staff, sign_in
from tests.web import DASH, callback_with_output, dash_callbacks, run_callback

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FILTERS = "filters.data"
ROWS = "sessions-grid.selectedRows"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
dateish = st.one_of(
    st.none(), st.dates().map(str), st.text(max_size=12), st.sampled_from(["2026-02-30", "0001-01-01"])
)
filter_stores = st.fixed_dictionaries(
    {},
    optional={
        "preset": st.one_of(
            st.none(), st.sampled_from(["24h", "7d", "30d", "90d", "1y", ""]), st.text(max_size=4)
        ),
        "start_date": dateish,
        "end_date": dateish,
        "user_type": st.one_of(st.none(), st.sampled_from(["client", "provider", "anonymous", "admin"])),
    },
)
row_lists = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {"session_id": st.one_of(st.uuids().map(str), st.text(max_size=8), json_values)}
        ),
        json_values,
    ),
    max_size=2,
)
clicks = st.fixed_dictionaries(
    {"points": st.lists(st.fixed_dictionaries({}, optional={"customdata": json_values, "y": json_values}))}
)


@pytest.fixture
def staff(make_app):
    app = make_app()
    add_staff(app)
    client = sign_in(app)
    client.callbacks = dash_callbacks(client)
    return client


def assert_safe(response, values) -> None:
    """200 (updated), 204 (nothing to update) or a 400 naming what was wrong; never a 5xx."""
    assert response.status_code in (200, 204, 400), (values, response.status_code, response.data[:300])
    if response.status_code == 400:
        problem = response.get_json()
        assert problem["error"] and problem["field"], problem


# The forged inputs the outside test found (each a 500 before).
FORGED_FILTERS = [
    {"evil": 1},
    [1, 2],
    "7d",
    {"preset": None, "start_date": "2026-02-30", "end_date": "2026-03-01", "user_type": None},
    {"preset": "1y", "start_date": None, "end_date": None, "user_type": None},
    {
        "preset": None,
        "start_date": "2010-01-01",
        "end_date": "2020-01-09",
        "user_type": None,
    },  # 3,660 days apart
    {"preset": "7d", "start_date": None, "end_date": None, "user_type": "admin"},
    {"preset": 7, "start_date": None, "end_date": None, "user_type": None},
]
FILTER_DRIVEN = [
    "kpi-sessions.children",
    "chart-activity.figure",
    "chart-topics.figure",
    "sessions-grid.rowData",
    "live-active.children",
]


@pytest.mark.parametrize("forged", FORGED_FILTERS, ids=lambda f: str(f)[:40])
def test_forged_filters_are_a_400_naming_the_store(staff, forged):
    for output in FILTER_DRIVEN:
        callback = callback_with_output(staff.callbacks, output)
        trigger = callback["inputs"][0]
        # The live tick re-emits the filters only when it finds the database back after an outage.
        values = {FILTERS: forged, "db-error.is_open": True}
        response = run_callback(staff, callback, values, [f"{trigger['id']}.{trigger['property']}"])
        assert response.status_code == 400, (output, response.data[:300])
        assert response.get_json()["field"] == FILTERS


def test_the_longest_allowed_range_and_other_good_filters_still_work(staff):
    longest = {"preset": None, "start_date": "2010-01-01", "end_date": "2020-01-08", "user_type": "client"}
    for good in (longest, {"preset": "24h", "start_date": None, "end_date": None, "user_type": None}, None):
        for output in FILTER_DRIVEN[:4]:
            callback = callback_with_output(staff.callbacks, output)
            assert run_callback(staff, callback, {FILTERS: good}, [FILTERS]).status_code == 200, (
                good,
                output,
            )


@pytest.mark.parametrize(
    "rows", [["x"], [{"session_id": ["x"]}], [{"session_id": "not-a-uuid"}], "x", {"a": 1}]
)
def test_forged_selected_rows_are_a_400(staff, rows):
    callback = callback_with_output(staff.callbacks, "transcript.is_open")
    response = run_callback(staff, callback, {ROWS: rows})
    assert response.status_code == 400 and response.get_json()["field"] == ROWS


def test_a_selected_row_of_a_session_that_does_not_exist_says_so(staff):
    callback = callback_with_output(staff.callbacks, "transcript.is_open")
    response = run_callback(staff, callback, {ROWS: [{"session_id": str(uuid.uuid4())}]})
    assert response.status_code == 200 and b"no longer exists" in response.data


@pytest.mark.parametrize(
    "path",
    [
        "_dash-component-suites/dash/../../dash.py",
        "_dash-component-suites/dash/..%2F..%2Fdash.py",
        "_dash-component-suites/no_such_package/x.js",
        "_dash-component-suites/dash/no/such/file.v1_0_0m1.js",
    ],
)
def test_bad_component_suite_paths_are_404(staff, path):
    response = staff.get(DASH + path)
    assert response.status_code == 404


@FUZZ
@given(data=st.data())
@example(data=None)
def test_any_callback_payload_is_answered_safely(staff, data):
    if data is None:  # hypothesis' explicit example: the URL callback with junk in every input
        callback = callback_with_output(staff.callbacks, "url.search")
        values = {"url.search": ["?period=7d"], "preset.value": {"x": 1}, "date-start.value": 3}
        response = run_callback(staff, callback, values, ["preset.value"])
        assert_safe(response, values)
        return
    callback = data.draw(st.sampled_from(staff.callbacks))
    props = [f"{d['id']}.{d['property']}" for d in callback["inputs"] + callback["state"]]
    special = {
        FILTERS: st.one_of(filter_stores, json_values),
        ROWS: row_lists,
        "chart-topics.clickData": clicks,
        "chart-issues.clickData": clicks,
    }
    values = {p: data.draw(st.one_of(special.get(p, json_values), json_values)) for p in props}
    inputs = [f"{d['id']}.{d['property']}" for d in callback["inputs"]]
    changed = data.draw(st.lists(st.sampled_from(inputs), min_size=1, max_size=len(inputs), unique=True))
    assert_safe(run_callback(staff, callback, values, changed), values)


ENVELOPE_KEYS = ["output", "outputs", "inputs", "state", "changedPropIds"]


@FUZZ
@given(data=st.data())
def test_any_callback_envelope_is_answered_safely(staff, data):
    callback = data.draw(st.sampled_from(staff.callbacks))
    props = [f"{d['id']}.{d['property']}" for d in callback["inputs"] + callback["state"]]
    body = call_body(callback, dict.fromkeys(props), props[:1])
    how = data.draw(st.sampled_from(["replace", "drop", "whole"]))
    if how == "whole":
        body = data.draw(json_values)
    else:
        key = data.draw(st.sampled_from(ENVELOPE_KEYS))
        if how == "drop":
            body.pop(key)
        else:
            body[key] = data.draw(json_values)
    response = staff.post(DASH + "_dash-update-component", json=body)
    assert_safe(response, body)


@pytest.mark.parametrize(
    "body",
    [{}, [1], "x", {"output": "nope.children"}],
    ids=["empty", "list", "string", "unknown-output"],
)
def test_a_forged_envelope_is_a_400_naming_the_body(staff, body):
    response = staff.post(DASH + "_dash-update-component", json=body)
    assert response.status_code == 400 and response.get_json()["field"] == "body"


@pytest.mark.parametrize(
    "value", ["bogus", "user_type:admin", "user_type:", "ALL", "x" * 2048, 3, ["all"], {"x": 1}]
)
def test_a_forged_comparison_is_a_400_or_ignored_never_a_500(staff, value):
    callback = callback_with_output(staff.callbacks, "compare.value")
    values = {"url.search": "?period=7d", "compare.value": value}
    response = run_callback(staff, callback, values, ["compare.value"])
    assert response.status_code in (200, 204, 400), response.data[:300]
    if response.status_code == 400:
        assert response.get_json()["field"] in ("compare", "compare.value")


@pytest.mark.parametrize("value", ["bogus", "user_type:admin", "user_type%3A", "%00", "all%20"])
def test_an_unreadable_comparison_in_the_address_gives_the_notice(staff, value):
    callback = callback_with_output(staff.callbacks, "compare.value")
    search = f"?period=30d&user_type=client&compare={value}"
    response = run_callback(staff, callback, {"url.search": search}, ["url.search"])
    assert response.status_code == 200, response.data[:300]
    answer = response.get_json()["response"]
    assert (
        answer["link-alert"]["is_open"] is True
        and "compare must" in answer["link-alert"]["children"]  # be one of ..., or not contain NUL
    )
    assert answer["compare"]["value"] == "none"
    assert answer["filters"]["data"]["user_type"] == "client" and answer["filters"]["data"]["compare"] is None
