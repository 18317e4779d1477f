"""Writing rows as CSV text in chunks, so memory stays flat whatever the row count."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from exports.cells import neutralise

FLUSH_BYTES = 64 * 1024


def csv_chunks(header: Iterable[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """Yield CSV text (header first) in pieces of about FLUSH_BYTES; every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
        if buffer.tell() >= FLUSH_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
