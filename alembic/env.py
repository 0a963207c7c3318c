"""Alembic environment: shares provenance's connection settings and naming convention."""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from alembic import context
from provenance.storage.db import make_engine, parse_url, resolve_url
from provenance.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    # The alembic CLI honours $PROVENANCE_DB like provenance itself; alembic.ini has no URL.
    return config.get_main_option("sqlalchemy.url") or resolve_url(None)


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=_url().startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    """Run migrations; on SQLite with foreign keys off, as SQLite's docs prescribe for table
    rebuilds (batch mode drops and recreates tables that other rows still reference)."""
    sqlite = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        if connection.in_transaction():
            connection.commit()
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run(given)
        return
    # pytest-alembic hands over an Engine; the alembic CLI hands over nothing.
    engine = given if isinstance(given, Engine) else make_engine(parse_url(_url()))
    with engine.connect() as connection:
        _run(connection)
    if given is None:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
