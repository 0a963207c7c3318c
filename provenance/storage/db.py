"""Opening a provenance database: URL choice, connection settings and the schema guard.

Every way a database can be wrong (bad URL, no server, not a database, read-only, behind
or ahead of this version's schema) becomes a one-line `DatabaseError` here, so no other
layer has to know driver exceptions.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from provenance.errors import DatabaseError, SchemaOutOfDate, SchemaTooNew

DEFAULT_URL = "sqlite:///provenance.db"
ENV_VAR = "PROVENANCE_DB"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Pages the write-ahead log may hold before it is copied into the database. Each copy waits
# on fsync: at SQLite's default of 1,000 pages (4 MB) an ingest of 4,000 articles made 76
# fdatasync calls, idle time the process cannot use; at 10,000 pages (40 MB) it makes 10.
SQLITE_CHECKPOINT_PAGES = 10_000
URL_HINT = "use sqlite:///path/to/file.db or postgresql+psycopg://user@host:5432/dbname"


def resolve_url(option: str | None = None) -> str:
    """--db wins, then $PROVENANCE_DB, then ./provenance.db; a bare path means SQLite."""
    value = option or os.environ.get(ENV_VAR) or DEFAULT_URL
    if "://" not in value:
        value = f"sqlite:///{value}"
    return value


def display_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def parse_url(value: str) -> URL:
    try:
        url = make_url(value)
    except (sa_exc.ArgumentError, ValueError):
        raise DatabaseError(f"malformed database URL {value!r}", fix=URL_HINT) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"unsupported database {url.get_backend_name()!r} in {display_url(url)}", fix=URL_HINT
        )
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for in-memory databases."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def check_sqlite_location(url: URL) -> bool:
    """Say whether the file exists; refuse early what SQLite would report cryptically."""
    path = sqlite_path(url)
    if path is None:
        return False
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a database file", fix="pass a file path")
    if path.exists():
        with path.open("rb") as handle:
            header = handle.read(16)
        if header and header != b"SQLite format 3\x00":
            raise DatabaseError(
                f"{path} is not a SQLite database",
                fix="pass a provenance database file, or a new path to create one",
            )
        return True
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DatabaseError(
            f"cannot create {path}: folder {parent} does not exist",
            fix="create the folder or choose another path with --db",
        )
    return False


def _sqlite_settings(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin) so SAVEPOINTs and
    # BEGIN IMMEDIATE work; pysqlite's own transaction handling gets both wrong.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
    cursor.close()


def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _bind_null_directly() -> None:
    """Let pysqlite bind None without looking for a way to adapt it.

    pysqlite binds int, float and str as they are but sends every other value, None
    included, through its adapter registry; finding no adapter for None, it probes
    `__adapt__` and `__conform__`, and each failed probe formats an AttributeError message
    before discarding it (about 160 ns per NULL: 7% of an ingest's instructions). A
    registered adapter that returns None unchanged ends the search at the first lookup.
    The registry is process-wide, and None still binds as NULL, so no other sqlite3 user
    sees a difference; an adapter someone else registered for None is left in place.
    """
    sqlite3.adapters.setdefault((type(None), sqlite3.PrepareProtocol), _NO_ADAPTERS.get)


_NO_ADAPTERS: dict[None, None] = {}  # its `get` maps None to None, in C


def make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        _bind_null_directly()
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_settings)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def describe_failure(error: BaseException, url: URL) -> DatabaseError:
    """Turn a driver error into the one line a user can act on."""
    original = getattr(error, "orig", None) or error
    detail = (
        str(original).strip().splitlines()[0] if str(original).strip() else type(error).__name__
    )
    where = display_url(url)
    lowered = detail.lower()
    if "file is not a database" in lowered:
        return DatabaseError(
            f"{url.database} is not a SQLite database",
            fix="pass a provenance database file, or a new path to create one",
        )
    if "readonly" in lowered or "read-only" in lowered or "unable to open database file" in lowered:
        return DatabaseError(
            f"cannot write the database at {where} ({detail})",
            fix="choose a writable location with --db or $PROVENANCE_DB",
        )
    if url.get_backend_name() == "postgresql":
        return DatabaseError(
            f"cannot use the PostgreSQL database {where}: {detail}",
            fix="check that the server is running and the URL names an existing database",
        )
    return DatabaseError(f"database error at {where}: {detail}", fix="check the --db URL")


@dataclass
class Database:
    """An open provenance database: engine plus session factory."""

    url: URL
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @contextmanager
    def session(self, *, immediate: bool = False) -> Iterator[Session]:
        """A unit of work that commits on success and rolls back on any error.

        `immediate` takes SQLite's write lock up front (BEGIN IMMEDIATE), which is what
        makes claim-then-write sequences safe between concurrent reviewers.
        """
        session = self.sessions()
        try:
            if immediate and self.is_sqlite:
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction on a Core connection: committed on success, rolled back on
        any error. On SQLite it starts with BEGIN IMMEDIATE, so the write lock is held from
        the first statement (what `IdAllocator` relies on).

        On SQLite the transaction keeps its statement journals in memory (`temp_store`,
        which SQLite reads when the transaction begins). A multi-row INSERT saves, before
        it changes them, the pages it touches that existed when it started, so that a
        failing constraint can undo it alone. Once one statement's saved pages pass 64 KB,
        SQLite moves the journal to a temporary file for the rest of the transaction, and
        every later statement saves its pages with two write calls each: 15,000 calls for
        300 quote-dense articles. Only the journal is concerned (the writer makes no
        temporary tables or large sorts), and the setting is put back for other work on
        the connection."""
        with self.engine.connect() as connection:
            if not self.is_sqlite:
                with connection.begin():
                    yield connection
                return
            raw = connection.connection.driver_connection
            raw.execute("PRAGMA temp_store=MEMORY")  # type: ignore[union-attr]
            try:
                with connection.execution_options(sqlite_begin="IMMEDIATE").begin():
                    yield connection
            finally:
                try:
                    raw.execute("PRAGMA temp_store=DEFAULT")  # type: ignore[union-attr]
                except sqlite3.Error:  # a broken connection: the pool must not hand it out
                    connection.invalidate()

    def dispose(self) -> None:
        self.engine.dispose()


# --- bulk writes ------------------------------------------------------------------------------


@dataclass
class IdAllocator:
    """Primary keys handed out before rows are written, so a batch's rows can reference each
    other and go in with plain bulk inserts (COPY on PostgreSQL), with no RETURNING.

    PostgreSQL: the values come from each table's own sequence (`nextval`, one query for
    several tables), exactly what a default insert would take; sequences never hand a value
    out twice, so concurrent writers cannot collide, and a rolled-back transaction only
    leaves gaps. Unused values are kept for the next transaction of the same run.

    SQLite: max(id) + 1 onwards, read inside the current transaction, which must hold the
    write lock (`Database.writing` begins IMMEDIATE): writers are serialised, so nobody
    else can insert before it ends. These are the ids SQLite itself would assign; the
    allocator is only valid for that transaction (`for_transaction` gives a fresh one).
    """

    postgres: bool
    _next: dict[str, int] = field(default_factory=dict)  # SQLite: next free id per table
    _spare: dict[str, list[int]] = field(default_factory=dict)  # PostgreSQL: fetched, unused
    _sequences: dict[str, str] = field(default_factory=dict)

    def for_transaction(self) -> IdAllocator:
        return self if self.postgres else IdAllocator(postgres=False)

    def take(self, connection: Connection, table: str, count: int, *, spare: int = 0) -> list[int]:
        return self.take_many(connection, {table: count}, spare=spare)[table]

    def take_many(
        self, connection: Connection, counts: Mapping[str, int], *, spare: int = 0
    ) -> dict[str, list[int]]:
        """`counts[table]` new ids per table (ascending); on PostgreSQL `spare` more per
        table are fetched ahead when a query is needed anyway."""
        if not self.postgres:
            taken = {}
            for table, count in counts.items():
                if table not in self._next:
                    top = connection.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar()
                    self._next[table] = int(top or 0) + 1
                start = self._next[table]
                self._next[table] = start + count
                taken[table] = list(range(start, start + count))
            return taken
        wanted = {
            table: count + spare
            for table, count in counts.items()
            if count > len(self._spare.get(table, ()))
        }
        if wanted:
            parts = []
            for position, table in enumerate(sorted(wanted)):
                parts.append(
                    f"SELECT {position}, nextval('{self._sequence(connection, table)}') "
                    f"FROM generate_series(1, {int(wanted[table])})"
                )
            order = sorted(wanted)
            for position, value in connection.exec_driver_sql(" UNION ALL ".join(parts)):
                self._spare.setdefault(order[position], []).append(int(value))
            for table in order:
                self._spare[table].sort()
        taken = {}
        for table, count in counts.items():
            pool = self._spare.setdefault(table, [])
            taken[table], self._spare[table] = pool[:count], pool[count:]
        return taken

    def _sequence(self, connection: Connection, table: str) -> str:
        if table not in self._sequences:
            name = connection.exec_driver_sql(
                f"SELECT pg_get_serial_sequence('{table}', 'id')"
            ).scalar()
            if not name:
                raise DatabaseError(
                    f"table {table} has no id sequence", fix="run `provenance db upgrade`"
                )
            self._sequences[table] = str(name)
        return self._sequences[table]


# Rows per SQLite INSERT statement, and the fewest bound parameters any SQLite build allows
# in one statement (999 before 3.32).
SQLITE_ROWS_PER_INSERT = 64
SQLITE_MAX_VARIABLES = 999
_PROCESSORS: dict[tuple[str, str, tuple[str, ...]], list[Callable[[Any], Any] | None]] = {}


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert `rows` (one value per name in `columns`, ids included when the caller
    allocated them) with the cheapest bulk path the backend has: COPY on PostgreSQL, one
    `executemany` of a prepared INSERT on SQLite. Values go through the column types' own
    bind processing (dates, JSON, booleans), so they are stored exactly as an ORM or Core
    insert would store them. Columns left out get NULL or the database's own default
    (ids: the sequence or rowid), never a Python-side default."""
    if not rows:
        return
    dialect = connection.dialect
    key = (dialect.name, table.name, tuple(columns))
    processors = _PROCESSORS.get(key)
    if processors is None:
        processors = _PROCESSORS[key] = [
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
        ]
    # The rows laid end to end: a column is every `count`th value, so bind processing
    # runs a column at a time, with no copy and loop per row.
    count = len(columns)
    flat = list(chain.from_iterable(rows))
    if len(flat) != count * len(rows):
        raise ValueError(f"rows for {table.name} must have one value per column")
    for index, process in enumerate(processors):
        if process is not None:
            flat[index::count] = _processed(flat[index::count], process)
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    if dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        statement = f"COPY {quote(table.name)} ({names}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for start in range(0, len(flat), count):
                copy.write_row(flat[start : start + count])
        return
    # Several rows per INSERT: each statement execution has a fixed cost in pysqlite and
    # SQLite (binding, reset, step), which one-row statements paid for every row (an
    # occurrence under 0005's schema: 8.7 µs a row one at a time, 5.5 in rows of 64).
    # Full chunks go in one executemany, the rest in power-of-two pieces: a few distinct
    # statements per table, each compiled once per connection (pysqlite caches them).
    width = max(1, min(SQLITE_ROWS_PER_INSERT, SQLITE_MAX_VARIABLES // len(columns)))
    one = "(" + ", ".join("?" for _ in columns) + ")"
    head = f"INSERT INTO {quote(table.name)} ({names}) VALUES "
    start, total = 0, len(rows)
    while start < total:
        size = min(width, 1 << ((total - start).bit_length() - 1))
        stop = start + (total - start) // size * size
        connection.exec_driver_sql(
            head + ", ".join([one] * size),
            [
                tuple(flat[first * count : (first + size) * count])
                for first in range(start, stop, size)
            ],
        )
        start = stop


def _processed(values: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    """`process` applied to each value but None; a value repeated value after value (a
    batch's one timestamp) is processed once."""
    processed = []
    seen: Any = None
    done: Any = None
    for value in values:
        if value is None:
            processed.append(None)
            continue
        if value is not seen:
            seen, done = value, process(value)
        processed.append(done)
    return processed


def select_matching(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    keys: Sequence[str],
    wanted: Sequence[Sequence[Any]],
) -> Iterator[Sequence[Any]]:
    """The `columns` of every row of `table` whose `keys` columns hold one of the distinct
    `wanted` tuples (key values as the driver takes them; rows as it returns them, so only
    for types with no bind or result processing, such as ids and strings).

    The tuples are a VALUES list joined to the table: one IN list per key column instead
    would make SQLite seek an index on those columns for every combination of the lists
    (400 wordings of 87 speakers: 35k seeks for 400 pairs)."""
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    one = "(" + ", ".join(marker for _ in keys) + ")"
    names = ", ".join(f"k{position}" for position in range(len(keys)))
    shown = ", ".join(f"t.{quote(name)}" for name in columns)
    match = " AND ".join(f"t.{quote(key)} = wanted.k{i}" for i, key in enumerate(keys))
    width = max(1, SQLITE_MAX_VARIABLES // len(keys))
    for start in range(0, len(wanted), width):
        chunk = wanted[start : start + width]
        yield from connection.exec_driver_sql(
            f"WITH wanted ({names}) AS (VALUES {', '.join([one] * len(chunk))}) "
            f"SELECT {shown} FROM wanted JOIN {quote(table.name)} t ON {match}",
            tuple(chain.from_iterable(chunk)),
        )


# A bulk load at least this large into a table holding fewer rows rebuilds its indexes.
BULK_LOAD_ROWS = 50_000


def bulk_load_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """`insert_rows` for a load that outnumbers what the table holds (a first link writes
    every candidate key): its secondary indexes are dropped first and built again after,
    in the same transaction. One sorted build per index replaces a random B-tree insert
    per row, which thrashes the page cache (3.2 M keys on SQLite: 28 s -> 10 s)."""
    indexes = list(table.indexes)
    bulk = bool(indexes) and len(rows) >= BULK_LOAD_ROWS
    if bulk:
        held = connection.execute(select(func.count()).select_from(table)).scalar() or 0
        bulk = held < len(rows)
    if bulk:
        for index in indexes:
            index.drop(connection)
    insert_rows(connection, table, columns, rows)
    if bulk:
        for index in indexes:
            index.create(connection)


def schema_revision(engine: Engine) -> tuple[str | None, bool]:
    """(alembic revision or None, whether any table exists)."""
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables:
            return None, bool(tables)
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return revision, True


def open_database(url_value: str | None = None, *, check_schema: bool = True) -> Database:
    """Open (and, for a new SQLite file, create at head) the database a command works on.

    An existing database behind head is never migrated implicitly: the user runs
    `provenance db upgrade` on purpose, because an upgrade can be slow or one-way.
    """
    from provenance.storage import migrations

    url = parse_url(resolve_url(url_value))
    existed = check_sqlite_location(url)
    engine = make_engine(url)
    database = Database(url, engine, sessionmaker(engine, expire_on_commit=False))
    try:
        revision, has_tables = schema_revision(engine)
    except (sa_exc.DBAPIError, sqlite3.Error, OSError) as error:
        engine.dispose()
        raise describe_failure(error, url) from None
    if not check_schema:
        return database
    head = migrations.head_revision()
    if revision == head:
        return database
    if revision is None and not has_tables:
        if database.is_sqlite and not existed:
            upgrade(database, "head")
            return database
        engine.dispose()
        raise SchemaOutOfDate(
            f"{display_url(url)} has no provenance schema yet",
            fix="run `provenance init` to create it",
        )
    if revision is None:
        engine.dispose()
        raise DatabaseError(
            f"{display_url(url)} holds tables but is not a provenance database",
            fix="point --db at a provenance database or a new, empty one",
        )
    engine.dispose()
    _refuse_unknown(database, revision)
    raise SchemaOutOfDate(
        f"{display_url(url)} is at revision {revision}, behind this provenance's {head}",
        fix="run `provenance db upgrade`",
    )


def _refuse_unknown(database: Database, revision: str | None) -> None:
    from provenance.storage import migrations

    known = {script.revision for script in migrations.script_directory().walk_revisions()}
    if revision is not None and revision not in known:
        database.dispose()
        raise SchemaTooNew(
            f"{display_url(database.url)} is at revision {revision}, which this provenance does "
            "not know (written by a newer version)",
            fix="upgrade provenance, or use another database",
        )


def upgrade(database: Database, revision: str = "head") -> None:
    _run_alembic(database, "upgrade", revision)


def downgrade(database: Database, revision: str) -> None:
    _run_alembic(database, "downgrade", revision)


def _run_alembic(database: Database, action: str, revision: str) -> None:
    from alembic.util.exc import CommandError

    from alembic import command
    from provenance.storage import migrations

    current, _ = schema_revision(database.engine)
    _refuse_unknown(database, current)
    config = migrations.alembic_config()
    try:
        with database.engine.connect() as connection:
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
    except CommandError as error:
        raise DatabaseError(
            f"cannot {action} to {revision!r}: {error}",
            fix="see `provenance db history` for known revisions",
        ) from None
    except (sa_exc.DBAPIError, sqlite3.Error, OSError) as error:
        raise describe_failure(error, database.url) from None


def initialise(url_value: str | None = None) -> tuple[Database, str | None, str]:
    """Create a database or bring it to head; returns (db, revision before, revision after)."""
    database = open_database(url_value, check_schema=False)
    before, has_tables = schema_revision(database.engine)
    if before is None and has_tables:
        database.dispose()
        raise DatabaseError(
            f"{display_url(database.url)} holds tables but is not a provenance database",
            fix="point --db at a provenance database or a new, empty one",
        )
    upgrade(database, "head")
    after, _ = schema_revision(database.engine)
    return database, before, after or ""


IN_CHUNK = 500  # values per IN (...) list, well under both backends' parameter limits


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    """Slices of `values` for IN (...) lists, so long id lists never hit a parameter limit."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
