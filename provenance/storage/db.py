"""Opening a provenance database: URL choice, connection settings and the schema guard.

Every way a database can be wrong (bad URL, no server, not a database, read-only, behind
or ahead of this version's schema) becomes a one-line `DatabaseError` here, so no other
layer has to know driver exceptions.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from provenance.errors import DatabaseError, SchemaOutOfDate, SchemaTooNew

DEFAULT_URL = "sqlite:///provenance.db"
ENV_VAR = "PROVENANCE_DB"
SQLITE_BUSY_TIMEOUT_MS = 10_000
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


def _check_sqlite_location(url: URL) -> bool:
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
    cursor.close()


def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
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

    def dispose(self) -> None:
        self.engine.dispose()


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
    existed = _check_sqlite_location(url)
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
