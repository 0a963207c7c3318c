"""Planner statistics after bulk writes.

PostgreSQL plans from statistics that only `ANALYZE` gathers. A table loaded in bulk and
never analysed looks (almost) empty to the planner, and autovacuum, which would analyse it
a minute later, may be switched off or lag behind a long load. Then an indexed lookup such
as `occurrence.variant_id IN (…)` is planned as a sequential scan of the whole table: at
100k articles `show` and `quotes --speaker` took 230–300 ms instead of a few ms.

`refresh_statistics` analyses, after a bulk write, every table of the schema that has never
been analysed or has at least doubled in size since its statistics were gathered. Row counts
the planner extrapolates from the table's current size, and the per-column figures that
matter here (distinct values of id columns) are kept as ratios, so statistics gathered on a
populated table stay good while it grows; doubling is when they are refreshed. The check is
one catalog query, so it is cheap to call after every bulk write; `ANALYZE` itself samples a
bounded number of rows per table (about a second at 10k articles).

SQLite plans these lookups well from its indexes alone (no `sqlite_stat1`), so on SQLite
this does nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text

from provenance.storage.db import Database
from provenance.storage.models import Base

# A table is re-analysed once it has grown to this many times its pages at the last
# ANALYZE (or VACUUM, or CREATE INDEX), and by at least MIN_NEW_PAGES pages (8 KiB each).
GROWTH = 2.0
MIN_NEW_PAGES = 16

_STALE = text(
    """
    SELECT c.relname, c.relpages,
           pg_relation_size(c.oid) / current_setting('block_size')::int AS pages,
           EXISTS (
               SELECT 1 FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname
           ) AS analysed
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY(:names)
    ORDER BY c.relname
    """
)


def stale_tables(connection: Connection, tables: Iterable[str] | None = None) -> list[str]:
    """The tables (of the models, or `tables`) whose planner statistics are missing or stale:
    never analysed and not empty, or grown GROWTH-fold since they were analysed."""
    if connection.dialect.name != "postgresql":
        return []
    names = sorted(tables) if tables is not None else sorted(Base.metadata.tables)
    stale = []
    for name, relpages, pages, analysed in connection.execute(_STALE, {"names": names}):
        if pages == 0:
            continue  # empty: nothing to learn yet
        # relpages is the size at the last ANALYZE, VACUUM or CREATE INDEX, none of which
        # but ANALYZE gathers column statistics (pg_stats): those are checked on their own.
        if not analysed or pages >= max(GROWTH * relpages, relpages + MIN_NEW_PAGES):
            stale.append(name)
    return stale


def refresh_statistics(
    database: Database, tables: Iterable[str] | None = None, *, force: bool = False
) -> list[str]:
    """ANALYZE the stale tables (every table with `force`) on PostgreSQL; returns their
    names. Run it after a bulk write has committed, in a transaction of its own: ANALYZE
    takes a lock that only conflicts with other ANALYZE/VACUUM/DDL, never with readers or
    writers, and holds it until its transaction ends."""
    if database.is_sqlite:
        return []
    with database.engine.connect() as connection, connection.begin():
        if force:
            names = sorted(tables) if tables is not None else sorted(Base.metadata.tables)
        else:
            names = stale_tables(connection, tables)
        preparer = connection.dialect.identifier_preparer
        for name in names:
            connection.execute(text(f"ANALYZE {preparer.quote(name)}"))
    return names
