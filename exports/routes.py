"""GET /admin/chat-analytics/export/{sessions,messages,analytics}/ (staff only, via the guard).

`format=csv` (the default) or `format=parquet`: the same rows and columns either way.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, jsonify, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from data import audit
from data.errors import FieldError
from exports import csv_sql, parquet
from exports.csv import csv_chunks
from exports.queries import EXPORTS, ExportKind, Selection
from metrics.filters import parse_filters
from monitoring import instruments
from web.context import services
from web.paths import DASHBOARD_PATH

YIELD_PER = 2_000
FORMATS = ("csv", "parquet")
log = logging.getLogger(__name__)

blueprint = Blueprint("exports", __name__)


def file_name(kind: ExportKind, selection: Selection, tz, today: str, extension: str = "csv") -> str:
    """`chat-sessions_2026-11-01_2026-11-07.csv` (the local days covered); an open end is `all` or today."""
    start, end = selection.start, selection.end
    first = start.astimezone(tz).date().isoformat() if start else "all"
    last = (end - timedelta(microseconds=1)).astimezone(tz).date().isoformat() if end else today
    return f"{kind.name}_{first}_{last}.{extension}"


@blueprint.get(DASHBOARD_PATH + "export/<kind>/")
def export(kind: str):
    """Stream one export as CSV or Parquet; bad filters get a 400 naming the field before any row is read."""
    spec = EXPORTS.get(kind) or abort(404)
    ctx = services()
    tz = ctx.config.tz
    fmt = request.args.get("format") or "csv"
    if fmt not in FORMATS:
        return jsonify(error=f"format must be one of {', '.join(FORMATS)}", field="format"), 400
    try:
        filters = parse_filters(request.args, allowed=spec.filters, default_preset=None, open_range=True)
    except FieldError as exc:
        return jsonify(error=str(exc), field=exc.field), 400
    selection = Selection(filters, *filters.bounds(tz))
    # A database failure here, before the first byte, becomes a 503 (web.errors).
    conn = ctx.engine.connect()
    stream = result = None
    try:
        stmt = spec.query(selection)
        if fmt == "csv" and kind in csv_sql.LAYOUTS:
            # The database writes the cells (and on PostgreSQL the CSV itself).
            zone = csv_sql.zone_window(conn, kind, selection, tz)
            stream = csv_sql.Stream(conn, kind, stmt, spec.columns, zone)
        else:
            if fmt == "parquet":
                stmt = parquet.query(kind, stmt)
            # Server-side cursor on PostgreSQL; batches of YIELD_PER rows everywhere: memory stays flat.
            result = conn.execution_options(stream_results=True, yield_per=YIELD_PER).execute(stmt)
    except SQLAlchemyError:
        conn.close()
        raise

    actor, ip = current_user.username, request.remote_addr
    used = {k: v for k, v in request.args.items() if k in spec.filters}
    counted, reported = [0], [0]

    def report() -> None:
        # To /metrics a batch at a time (a count per row would cost more than the row).
        instruments.rows_exported(kind, fmt, counted[0] - reported[0])
        reported[0] = counted[0]

    def csv_rows() -> Iterator[list[str]]:
        for batch in result.partitions():
            for row in batch:
                counted[0] += 1
                yield spec.cells(row, tz)
            report()

    def written(rows: int) -> None:
        counted[0] += rows
        report()

    def body() -> Iterator[str | bytes]:
        complete = False
        try:
            if stream is not None:
                for chunk in stream.chunks():
                    written(stream.rows - counted[0])
                    yield chunk
            elif fmt == "parquet":
                tz_name = ctx.config.display_timezone
                yield from parquet.parquet_chunks(kind, result.partitions(), tz_name, written=written)
            else:
                yield from csv_chunks(spec.columns, csv_rows())
            complete = True
        finally:
            # Also on a client that hangs up mid-stream: the cursor and connection go back at once.
            try:
                _release(stream.close if stream is not None else result.close, conn)
            except Exception:  # noqa: BLE001 - whatever a dead connection raises, the export is audited
                log.warning(
                    "export by %s: its connection could not be released cleanly", actor, exc_info=True
                )
            report()
            detail = {"kind": kind, "format": fmt, "filters": used, "rows": counted[0], "complete": complete}
            try:
                audit.record_now(ctx.engine, "export", actor=actor, ip=ip, detail=detail)
            except SQLAlchemyError:
                log.warning("export by %s not audited: database unavailable (%s)", actor, detail)

    name = file_name(spec, selection, tz, datetime.now(tz).date().isoformat(), fmt)
    return Response(
        body(),
        headers={
            "Content-Type": parquet.MEDIA_TYPE if fmt == "parquet" else "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _release(close_cursor, conn) -> None:
    """Close the cursor and return the connection; one the database dropped is discarded instead."""
    try:
        close_cursor()
        conn.close()
    except SQLAlchemyError:
        # Already closed when its rollback found the connection gone: closing again does nothing.
        with contextlib.suppress(SQLAlchemyError):
            conn.invalidate()
        with contextlib.suppress(SQLAlchemyError):
            conn.close()
