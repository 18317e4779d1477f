"""The exports as Parquet: the CSV's columns, typed, written a row group at a time as they stream.

Values are the stored ones (full precision, no spreadsheet quote): Parquet goes to warehouses and
dataframes, which never run a cell as a formula. Timestamps are UTC instants tagged with the display
zone, topics a list of strings, actions and metadata JSON text as stored. JSON and (on SQLite)
timestamps are read as the stored text and parsed by Arrow a row group at a time, not value by value
in Python.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from sqlalchemy import Select, String, Text, cast, type_coerce

MEDIA_TYPE = "application/vnd.apache.parquet"
ROW_GROUP_ROWS = 5_000

# Builds one column of a row group from the query's columns (a tuple of values per query column).
Builder = Callable[[Sequence[tuple], str], pa.Array]


@dataclass(frozen=True)
class Column:
    """One Parquet column: its name (the CSV header), its type and how it is built."""

    name: str
    type: Callable[[str], pa.DataType]
    build: Builder
    as_text: int | None = None  # position of a JSON query column to read as its stored text
    raw: int | None = None  # position of a query column to take as the driver gives it


def _typed(name: str, position: int, arrow_type: pa.DataType) -> Column:
    return Column(name, lambda tz: arrow_type, lambda cols, tz: pa.array(cols[position], type=arrow_type))


def _text(name: str, position: int) -> Column:
    return _typed(name, position, pa.string())


def _stamp(name: str, position: int) -> Column:
    def build(cols: Sequence[tuple], tz: str) -> pa.Array:
        # SQLite gives the stored UTC text (`2026-11-02 10:00:00.000000`), PostgreSQL aware datetimes.
        values = pa.array(cols[position])
        if pa.types.is_null(values.type):
            return pa.nulls(len(values), pa.timestamp("us", tz=tz))
        if pa.types.is_string(values.type):
            values = values.cast(pa.timestamp("us"))  # naive, and UTC: tagging a zone keeps the instant
        return values.cast(pa.timestamp("us", tz=tz))

    return Column(name, lambda tz: pa.timestamp("us", tz=tz), build, raw=position)


def _json(name: str, position: int) -> Column:
    def build(cols: Sequence[tuple], tz: str) -> pa.Array:
        # A JSON null is stored as the text `null`: both become a Parquet null.
        return pa.array([None if v == "null" else v for v in cols[position]], type=pa.string())

    return Column(name, lambda tz: pa.string(), build, as_text=position)


_TOPICS = pa.list_(pa.string())
_TOPICS_SCHEMA = pa.schema([("t", _TOPICS)])


def _topics(name: str, position: int) -> Column:
    def build(cols: Sequence[tuple], tz: str) -> pa.Array:
        # The JSON arrays, one per line, parsed by Arrow in one go.
        lines = b"\n".join(b'{"t":%s}' % (b"null" if v is None else v.encode()) for v in cols[position])
        table = pa_json.read_json(
            io.BytesIO(lines),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=len(lines) + 1),
            parse_options=pa_json.ParseOptions(explicit_schema=_TOPICS_SCHEMA),
        )
        return table.column("t").combine_chunks()

    return Column(name, lambda tz: _TOPICS, build, as_text=position)


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
        _topics("Topics", 13),
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
        _topics("Topics", 9),
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
    """`stmt` (the export's query) with its JSON columns read as stored text and its timestamps
    taken as the driver gives them (the same SQL otherwise)."""
    as_text = {c.as_text for c in LAYOUTS[kind] if c.as_text is not None}
    raw = {c.raw for c in LAYOUTS[kind] if c.raw is not None}

    def read(i: int, column):
        if i in as_text:
            return cast(column, Text).label(column.name)
        if i in raw:
            return type_coerce(column, String).label(column.name)
        return column

    columns = [read(i, column) for i, column in enumerate(stmt.selected_columns)]
    return stmt.with_only_columns(*columns, maintain_column_froms=True)


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
    kind: str,
    batches: Iterable[Sequence[Sequence]],
    tz: str,
    group_rows: int | None = None,
    written: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """Yield a Parquet file of export `kind` from batches of query rows, in pieces, a row group
    (ROW_GROUP_ROWS rows) at a time; `written(n)` is told each group's row count."""
    group_rows = group_rows or ROW_GROUP_ROWS
    columns = LAYOUTS[kind]
    file_schema = schema(kind, tz)
    sink = _Sink()
    with pq.ParquetWriter(pa.PythonFile(sink, mode="w"), file_schema) as writer:
        for group in _row_groups(batches, group_rows):
            by_column = list(zip(*group, strict=True))
            arrays = [c.build(by_column, tz) for c in columns]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=file_schema))
            if written is not None:
                written(len(group))
            yield sink.take()
    yield sink.take()
