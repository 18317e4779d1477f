"""The exports as Parquet: the CSV's columns, typed, written a row group at a time as they stream.

Values are the stored ones (full precision, no spreadsheet quote): Parquet goes to warehouses and
dataframes, which never run a cell as a formula. Timestamps are UTC instants tagged with the display
zone, topics a list of strings, actions and metadata JSON text as stored (read as text: no decoding
and re-encoding per row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Select, Text, cast

MEDIA_TYPE = "application/vnd.apache.parquet"
ROW_GROUP_ROWS = 10_000

# Builds one column of a row group from the query's columns (a tuple of values per query column).
Builder = Callable[[Sequence[tuple], str], pa.Array]


@dataclass(frozen=True)
class Column:
    """One Parquet column: its name (the CSV header), its type and how it is built."""

    name: str
    type: Callable[[str], pa.DataType]
    build: Builder
    json_source: int | None = None  # position of a JSON query column to read as stored text


def _typed(name: str, position: int, arrow_type: pa.DataType) -> Column:
    return Column(name, lambda tz: arrow_type, lambda cols, tz: pa.array(cols[position], type=arrow_type))


def _text(name: str, position: int) -> Column:
    return _typed(name, position, pa.string())


def _stamp(name: str, position: int) -> Column:
    def build(cols: Sequence[tuple], tz: str) -> pa.Array:
        return pa.array(cols[position], type=pa.timestamp("us", tz=tz))

    return Column(name, lambda tz: pa.timestamp("us", tz=tz), build)


def _json(name: str, position: int) -> Column:
    def build(cols: Sequence[tuple], tz: str) -> pa.Array:
        # A JSON null is stored as the text `null`: both become a Parquet null.
        return pa.array([None if v == "null" else v for v in cols[position]], type=pa.string())

    return Column(name, lambda tz: pa.string(), build, json_source=position)


def _status(name: str, position: int) -> Column:
    def build(cols: Sequence[tuple], tz: str) -> pa.Array:
        return pa.array(["active" if v else "closed" for v in cols[position]], type=pa.string())

    return Column(name, lambda tz: pa.string(), build)


def _duration(name: str, created: int, closed: int) -> Column:
    def build(cols: Sequence[tuple], tz: str) -> pa.Array:
        return pa.array(
            [
                None if c is None else (c - s).total_seconds()
                for s, c in zip(cols[created], cols[closed], strict=True)
            ],
            type=pa.float64(),
        )

    return Column(name, lambda tz: pa.float64(), build)


_TOPICS = pa.list_(pa.string())
_INT, _SMALL, _FLOAT, _BOOL = pa.int32(), pa.int16(), pa.float64(), pa.bool_()

# Positions are those of the columns each query in exports.queries selects.
LAYOUTS: dict[str, tuple[Column, ...]] = {
    "sessions": (
        _text("Session ID", 0),
        _text("User", 1),
        _text("User Type", 2),
        _status("Status", 3),
        _stamp("Created", 4),
        _stamp("Updated", 5),
        _stamp("Closed", 6),
        _typed("Total Messages", 7, _INT),
        _typed("User Messages", 8, _INT),
        _typed("Assistant Messages", 9, _INT),
        _typed("Average Response Time (ms)", 10, _FLOAT),
        _typed("Satisfaction Rating", 11, _SMALL),
        _typed("Resolved", 12, _BOOL),
        _typed("Topics", 13, _TOPICS),
        _typed("Engagement Score", 14, _FLOAT),
    ),
    "messages": (
        _text("Message ID", 0),
        _text("Session ID", 1),
        _text("User", 2),
        _text("Sender Type", 3),
        _text("Content", 4),
        _stamp("Created", 5),
        _typed("Processing Time (ms)", 6, _FLOAT),
        _typed("Cached Response", 7, _BOOL),
        _json("Metadata", 8),
    ),
    "analytics": (
        _text("Analytics ID", 0),
        _text("Session ID", 1),
        _text("User", 2),
        _typed("Total Messages", 3, _INT),
        _typed("User Messages", 4, _INT),
        _typed("Assistant Messages", 5, _INT),
        _typed("Average Response Time (ms)", 6, _FLOAT),
        _typed("Resolved", 7, _BOOL),
        _typed("Escalated", 8, _BOOL),
        _typed("Topics", 9, _TOPICS),
        _json("Actions", 10),
        _typed("Engagement Score", 11, _FLOAT),
        _duration("Duration (s)", 12, 13),
    ),
    # select(audit_log): id, at, action, actor, ip, detail
    "audit": (
        _stamp("At", 1),
        _text("Action", 2),
        _text("Actor", 3),
        _text("IP", 4),
        _json("Detail", 5),
    ),
}


def query(kind: str, stmt: Select) -> Select:
    """`stmt` (the export's query) with its JSON text columns read as stored text."""
    as_text = {c.json_source for c in LAYOUTS[kind] if c.json_source is not None}
    return stmt.with_only_columns(
        *(
            cast(column, Text).label(column.name) if i in as_text else column
            for i, column in enumerate(stmt.selected_columns)
        ),
        maintain_column_froms=True,
    )


def schema(kind: str, tz: str) -> pa.Schema:
    """The Parquet schema of export `kind`, timestamps tagged with the IANA zone `tz`."""
    return pa.schema([pa.field(c.name, c.type(tz)) for c in LAYOUTS[kind]])


class _Sink:
    """A write-only file that hands over what was written since the last `take()`."""

    closed = False

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def write(self, data) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def _row_groups(batches: Iterable[Sequence], size: int) -> Iterator[Sequence]:
    """The rows of `batches` regrouped into lists of `size` rows (the last one shorter)."""
    pending: list = []
    for batch in batches:
        pending.extend(batch)
        while len(pending) >= size:
            yield pending[:size]
            pending = pending[size:]
    if pending:
        yield pending


def parquet_chunks(
    kind: str, batches: Iterable[Sequence[Sequence]], tz: str, group_rows: int | None = None
) -> Iterator[bytes]:
    """Yield a Parquet file of export `kind` from batches of query rows, in pieces, a row group
    (ROW_GROUP_ROWS rows) at a time."""
    group_rows = group_rows or ROW_GROUP_ROWS
    columns = LAYOUTS[kind]
    file_schema = schema(kind, tz)
    sink = _Sink()
    with pq.ParquetWriter(pa.PythonFile(sink, mode="w"), file_schema) as writer:
        for group in _row_groups(batches, group_rows):
            by_column = list(zip(*group, strict=True))
            arrays = [c.build(by_column, tz) for c in columns]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=file_schema))
            yield sink.take()
    yield sink.take()
