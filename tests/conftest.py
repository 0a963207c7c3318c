"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL when
PROVENANCE_TEST_POSTGRES_URL names a server (CI always sets it; locally it is optional).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "PROVENANCE_TEST_POSTGRES_URL"
REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SKIP_POSTGRES = (
    f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
)


def _postgres_admin_url() -> str | None:
    value = os.environ.get(POSTGRES_ENV)
    if not value:
        return None
    url = make_url(value)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway database on the test server, dropped at the end of the run."""
    admin_url = _postgres_admin_url()
    if admin_url is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {SKIP_POSTGRES}")
        pytest.skip(SKIP_POSTGRES)
    name = f"provenance_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """An empty PostgreSQL database for one test."""
    _reset_postgres(postgres_database)
    return postgres_database


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'provenance.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'provenance.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def database(db_url: str) -> Iterator[object]:
    """An open database at head, once per backend."""
    from provenance.storage.db import initialise

    db, _, _ = initialise(db_url)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def seeded(db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The seeds ingested (and linked) through the CLI, once per backend; returns the URL."""
    from provenance.cli import main

    assert main(["--db", db_url, "init"]) == 0
    args = ["--db", db_url, "ingest", str(SEEDS), "--manifest", str(SEEDS / "manifest.csv")]
    assert main([*args, "--format", "json"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return db_url
