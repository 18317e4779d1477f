"""`python -m bench.copy_database SOURCE TARGET`: a seeded benchmark database copied table by table.

Seeding 1,000,000 sessions goes through the app's write path (each chunk's sessions closed and
their rollups maintained) and takes half an hour or more of both cores per database; the same rows
copied from the seeded SQLite file into an empty PostgreSQL database by COPY take minutes. The copy
holds exactly the source's rows (rollups included), then each id sequence is moved past the copied
ids, PostgreSQL's tables are vacuumed and the planner's statistics refreshed, as after a seed
that autovacuum has since visited.
"""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy import Engine, func, inspect, select, text

from data.bulk import insert_rows
from data.db import create_engine, refresh_statistics, upgrade_schema
from data.schema import metadata

CHUNK = 20_000


def _filled(engine: Engine) -> list[str]:
    """The names of the tables that already hold rows."""
    with engine.connect() as conn:
        return [
            t.name
            for t in metadata.sorted_tables
            if conn.execute(select(func.count()).select_from(t)).scalar()
        ]


def _move_sequences(target: Engine) -> None:
    """Start each PostgreSQL id sequence after the largest copied id."""
    with target.begin() as conn:
        for table in metadata.sorted_tables:
            if "id" not in table.c or table.c.id.type.python_type is not int:
                continue
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
            ).scalar()
            if sequence:
                highest = conn.execute(select(func.max(table.c.id))).scalar()
                conn.execute(text("SELECT setval(:s, :v, :called)"),
                             {"s": sequence, "v": highest or 1, "called": highest is not None})  # fmt: skip


def copy(source_url: str, target_url: str, progress: bool = True) -> dict[str, int]:
    """Copy every table of `source_url` into the empty database `target_url`; rows per table."""
    source, target = create_engine(source_url), create_engine(target_url)
    upgrade_schema(target)
    if filled := _filled(target):
        raise SystemExit(
            f"error: the target already holds rows in {', '.join(filled)}; give an empty database"
        )
    present = set(inspect(source).get_table_names())
    counts = {}
    for table in metadata.sorted_tables:
        if table.name not in present:
            continue
        began, n = time.perf_counter(), 0
        with source.connect() as read, target.begin() as write:
            postgresql = write.dialect.name == "postgresql"
            if postgresql:
                # The rows are a consistent copy: no foreign-key trigger per row, and each index
                # built once at the end rather than maintained row by row.
                write.execute(text("SET LOCAL session_replication_role = replica"))
                for index in table.indexes:
                    index.drop(write)
            rows = read.execution_options(yield_per=CHUNK).execute(select(table))
            for part in rows.partitions():
                insert_rows(write, table, [row._mapping for row in part])
                n += len(part)
            if postgresql:
                for index in table.indexes:
                    index.create(write)
        counts[table.name] = n
        if progress:
            print(
                f"{table.name}: {n:,} rows in {time.perf_counter() - began:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    if target.dialect.name == "postgresql":
        _move_sequences(target)
        _vacuum(target)
    refresh_statistics(target, metadata.sorted_tables)
    source.dispose()
    target.dispose()
    return counts


def _vacuum(target: Engine) -> None:
    """VACUUM every table, as autovacuum does to a table that has lived a while: freshly copied
    pages are not yet marked all-visible, so index-only scans still read each row's page (a
    partial hour's sessions: 14 ms before, 9 ms after at 1M)."""
    quote = target.dialect.identifier_preparer.format_table
    # VACUUM refuses to run inside a transaction; the names come from our metadata, quoted.
    with target.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM " + ", ".join(quote(table) for table in metadata.sorted_tables)))


def main(argv: list[str] | None = None) -> int:
    """Command line: copy SOURCE into TARGET and print the rows copied."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.copy_database", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "source", help="the seeded database's URL (e.g. sqlite:///bench/cache/bench-1000000.db)"
    )
    parser.add_argument("target", help="an empty database's URL (e.g. postgresql+psycopg://.../bench1m)")
    args = parser.parse_args(argv)
    counts = copy(args.source, args.target)
    print(f"copied {sum(counts.values()):,} rows in {len(counts)} tables")
    return 0


if __name__ == "__main__":
    sys.exit(main())
