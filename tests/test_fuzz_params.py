"""Property tests: no query string a browser or script can send makes the period parsers crash."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from data.errors import FieldError
from data.periods import PRESETS
from data.schema import SESSION_USER_TYPES
from metrics.filters import Filters, parse_filters, parse_search

ZONES = st.sampled_from([UTC, ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Kolkata"), ZoneInfo("Pacific/Apia")])
DATEISH = st.one_of(
    st.none(),
    st.text(max_size=14),
    st.dates().map(lambda d: d.isoformat()),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
)


@settings(max_examples=300, deadline=None)
@given(
    preset=st.one_of(st.none(), st.text(max_size=5), st.sampled_from(list(PRESETS))),
    start=DATEISH,
    end=DATEISH,
    tz=ZONES,
)
# The extremes of the calendar: local midnight there is not representable in UTC.
@example(preset=None, start="0001-01-01", end="0001-10-01", tz=ZoneInfo("Europe/Paris"))
@example(preset=None, start="9999-12-30", end="9999-12-31", tz=ZoneInfo("Pacific/Apia"))
def test_period_parameters_either_give_a_period_or_name_the_field(preset, start, end, tz):
    try:
        params = {"period": preset, "start_date": start, "end_date": end}
        period = parse_filters(params).period(tz)
    except FieldError as exc:
        assert exc.field in {"period", "start_date", "end_date"}
        assert str(exc)
    else:
        assert period.start < period.end


@settings(max_examples=300, deadline=None)
@given(search=st.one_of(st.none(), st.text(max_size=80)), tz=ZONES)
def test_any_url_query_opens_a_valid_view(search, tz):
    filters = parse_search(search)[0]
    assert isinstance(filters, Filters)
    assert filters.user_type in (None, *SESSION_USER_TYPES)
    period = filters.period(tz)  # never raises for what parse_query returns
    assert period.start < period.end
    assert parse_search(filters.query())[0] == filters


COMPARE_VALUES = ("all", "user_type:client", "user_type:provider", "user_type:anonymous")


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.text(max_size=30),
        st.sampled_from(COMPARE_VALUES),
        st.sampled_from(COMPARE_VALUES).map(lambda v: v + " "),
        st.sampled_from(["user_type:", "user_type:admin", "ALL", "user_type:client&compare=all"]),
    )
)
def test_any_compare_value_is_a_comparison_or_named_as_unreadable(value):
    filters, problems = parse_search(urlencode({"user_type": "client", "compare": value}))
    assert filters.user_type == "client"  # a bad comparison drops only itself
    if value in COMPARE_VALUES:
        assert filters.compare == value and problems == []
        assert filters.comparison().compare is None
    elif value:
        assert filters.compare is None and [p.field for p in problems] == ["compare"]
    assert parse_search(filters.query())[0] == filters
