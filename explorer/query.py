"""What a request to the topic explorer (page or JSON) asks for: the dashboard's filters, read by
the one filter parser, and how to order the rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from data.errors import FieldError
from metrics.filters import VIEW_FIELDS, Filters, parse_filters
from metrics.topic_table import DEFAULT_ORDERING, ORDERINGS

# The dashboard's filters but the topic: the explorer shows every topic.
EXPLORER_FIELDS = VIEW_FIELDS - {"topic"}
DIRECTIONS = {"asc": False, "desc": True}


@dataclass(frozen=True)
class ExplorerQuery:
    """Filters, and the ordering (an ORDERINGS key) in a direction (None: the ordering's own)."""

    filters: Filters
    sort: str = DEFAULT_ORDERING
    descending: bool | None = None

    @property
    def direction(self) -> bool:
        """True when the rows run from the highest value down."""
        return ORDERINGS[self.sort].descending if self.descending is None else self.descending

    def params(self, **changes: Any) -> dict[str, str]:
        """The query parameters of this view (only those set), with `changes` (None removes one)."""
        out = self.filters.params()
        if self.sort != DEFAULT_ORDERING:
            out["sort"] = self.sort
        if self.descending is not None:
            out["dir"] = "desc" if self.descending else "asc"
        for name, value in changes.items():
            if value is None:
                out.pop(name, None)
            else:
                out[name] = value
        return out

    def query(self, **changes: Any) -> str:
        """`?period=30d&sort=escalations`: this view's address query, with `changes`."""
        params = self.params(**changes)
        return "?" + urlencode(params) if params else ""


def parse_query(args: Mapping[str, Any], latest_day: date | None = None) -> ExplorerQuery:
    """Read the explorer's parameters; raise FieldError naming the first bad one."""
    filters = parse_filters(args, allowed=EXPLORER_FIELDS, latest_day=latest_day)
    sort = args.get("sort") or DEFAULT_ORDERING
    if sort not in ORDERINGS:
        raise FieldError(f"sort must be one of {', '.join(ORDERINGS)}", "sort")
    direction = args.get("dir") or None
    if direction is not None and direction not in DIRECTIONS:
        raise FieldError("dir must be asc or desc", "dir")
    return ExplorerQuery(filters, sort, None if direction is None else DIRECTIONS[direction])
