"""Models and migrations agree, on SQLite and on PostgreSQL (pytest-alembic's suite)."""

from __future__ import annotations

import pytest
from pytest_alembic.tests import (  # noqa: F401 - collected as tests
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from provenance.storage.migrations import alembic_config as provenance_alembic_config


@pytest.fixture
def alembic_config():  # type: ignore[no-untyped-def]
    return provenance_alembic_config()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def alembic_engine(request: pytest.FixtureRequest, tmp_path):  # type: ignore[no-untyped-def]
    from provenance.storage.db import make_engine, parse_url

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'alembic.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(parse_url(url))
    yield engine
    engine.dispose()


# One sample row per table, inserted at every revision where the table exists, so each
# later migration is proven to keep the rows that were there before it ran.
SAMPLE_ROWS: dict[str, dict[str, object]] = {
    "source": {
        "id": 1,
        "path": "a.txt",
        "sha256": "0" * 64,
        "text": "“Hi,” she said.",
        "ingested_at": "2026-01-01 00:00:00",
    },
    "speaker": {"id": 1, "name": "Ada Example", "kind": "person", "created_at": "2026-01-01"},
    "speaker_alias": {
        "id": 1,
        "speaker_id": 1,
        "alias": "Ada Example",
        "normalised": "ada example",
        "origin": "extracted",
    },
    "quote": {
        "id": 1,
        "speaker_id": 1,
        "canonical_pinned": False,
        "status": "unreviewed",
        "outlet_count": 1,
        "source_count": 1,
        "created_at": "2026-01-01",
    },
    "variant": {
        "id": 1,
        "quote_id": 1,
        "speaker_id": 1,
        "wording": "Hi",
        "normalised": "hi",
        "normalised_hash": "h" * 40,
        "relation": "canonical",
        "similarity": 100.0,
        "misquote": False,
        "created_at": "2026-01-01",
    },
    "variant_key": {"variant_id": 1, "key": "k"},
    "occurrence": {
        "id": 1,
        "source_id": 1,
        "variant_id": 1,
        "wording": "Hi",
        "spans": "1:3",
        "char_start": 1,
        "char_end": 3,
        "kind": "full",
        "confidence": 0.9,
        "status": "auto",
    },
    "link": {
        "id": 1,
        "variant_a_id": 1,
        "variant_b_id": 1,
        "relation": "identical",
        "similarity": 100.0,
        "scores": "{}",
        "origin": "auto",
        "status": "proposed",
        "created_at": "2026-01-01",
    },
    "review_session": {
        "id": 1,
        "name": "s",
        "filters": "{}",
        "blind": False,
        "overlap": 1,
        "created_by": "ed",
        "created_at": "2026-01-01",
    },
    "review_item": {
        "id": 1,
        "kind": "drift",
        "subject": "drift:1",
        "payload": "{}",
        "priority": 1.0,
        "state": "open",
        "required_decisions": 1,
        "created_at": "2026-01-01",
        "updated_at": "2026-01-01",
    },
    "review_decision": {
        "id": 1,
        "item_id": 1,
        "session_id": 1,
        "reviewer": "ed",
        "decision": "skip",
        "created_at": "2026-01-01",
    },
}


def _counts(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        names = set(inspect(connection).get_table_names()) & set(SAMPLE_ROWS)
        return {
            name: connection.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one()
            for name in names
        }


def test_every_migration_keeps_existing_rows(alembic_runner, alembic_engine) -> None:  # type: ignore[no-untyped-def]
    """Populate the database at each revision, upgrade to head, and find every row again."""
    revisions = [r for r in alembic_runner.history.revisions if r not in ("base", "heads")]
    assert revisions, "no migrations found"
    for revision in revisions[:-1] or revisions:
        alembic_runner.migrate_down_to("base")
        alembic_runner.migrate_up_to(revision)
        with alembic_engine.begin() as connection:
            present = set(inspect(connection).get_table_names())
            for table, row in SAMPLE_ROWS.items():
                if table in present:
                    columns = ", ".join(row)
                    values = ", ".join(f":{c}" for c in row)
                    connection.execute(
                        text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row
                    )
        before = _counts(alembic_engine)
        assert before and all(count == 1 for count in before.values())
        alembic_runner.migrate_up_to("heads")
        after = _counts(alembic_engine)
        for table, count in before.items():
            assert after[table] == count, f"{table} lost rows upgrading from {revision}"


def test_alembic_check_finds_no_drift(alembic_engine) -> None:  # type: ignore[no-untyped-def]
    """`alembic check`: a database upgraded to head needs no new operations."""
    from alembic import command

    config = provenance_alembic_config()
    with alembic_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with alembic_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.check(config)  # raises AutogenerateDiffsDetected on drift


def test_0004_indexes_the_variant_foreign_keys_of_a_populated_database(
    alembic_runner, alembic_engine
) -> None:  # type: ignore[no-untyped-def]
    """0004 adds the indexes behind the two foreign keys a variant delete checks, on a
    database whose rows use them, keeps those rows, and drops the indexes on downgrade."""
    alembic_runner.migrate_down_to("base")
    alembic_runner.migrate_up_to("0003")
    rows = dict(SAMPLE_ROWS)
    rows["quote"] = {**SAMPLE_ROWS["quote"], "canonical_variant_id": None}
    rows["link"] = {**SAMPLE_ROWS["link"], "likely_original_id": 1}
    with alembic_engine.begin() as connection:
        for table, row in rows.items():
            columns = ", ".join(row)
            values = ", ".join(f":{c}" for c in row)
            connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)
        connection.execute(text("UPDATE quote SET canonical_variant_id = 1 WHERE id = 1"))

    def indexes() -> dict[str, set[str]]:
        with alembic_engine.connect() as connection:
            found = inspect(connection)
            return {
                table: {index["name"] for index in found.get_indexes(table)}
                for table in ("quote", "link")
            }

    before = indexes()
    assert "ix_quote_canonical_variant_id" not in before["quote"]
    assert "ix_link_likely_original_id" not in before["link"]
    alembic_runner.migrate_up_to("0004")
    after = indexes()
    assert "ix_quote_canonical_variant_id" in after["quote"]
    assert "ix_link_likely_original_id" in after["link"]
    with alembic_engine.connect() as connection:
        assert connection.execute(text("SELECT canonical_variant_id FROM quote")).all() == [(1,)]
        assert connection.execute(text("SELECT likely_original_id FROM link")).all() == [(1,)]
    assert _counts(alembic_engine) == {table: 1 for table in SAMPLE_ROWS}
    alembic_runner.migrate_down_to("0003")
    assert indexes() == before


# Each one-of CHECK after 0006: (table, column, an allowed value, a refused one).
ONE_OF_CHECKS = [
    ("speaker", "kind", "organisation", "robot"),
    ("speaker_alias", "origin", "editor", "guess"),
    ("quote", "status", "reviewed", "done"),
    ("variant", "relation", "linked", "cousin"),
    ("link", "relation", "drift", "cousin"),
    ("link", "origin", "editor", "guess"),
    ("link", "status", "rejected", "maybe"),
    ("occurrence", "kind", "headline", "rumour"),
    ("occurrence", "status", "not_a_quote", "maybe"),
    ("review_item", "kind", "single_source", "other"),
    ("review_item", "state", "closed", "lost"),
]


def test_0006_one_of_checks_still_refuse_other_values_and_build_no_table_per_row(
    alembic_runner, alembic_engine
) -> None:  # type: ignore[no-untyped-def]
    """0006 spells the one-of CHECKs as OR'd comparisons: each still allows exactly its
    values on both backends, rows written before it survive, and on SQLite an insert into
    any of these tables no longer opens a temporary table (the IN list's cost per row)."""
    alembic_runner.migrate_down_to("base")
    alembic_runner.migrate_up_to("0005")
    with alembic_engine.begin() as connection:
        for table, row in SAMPLE_ROWS.items():
            columns = ", ".join(row)
            values = ", ".join(f":{c}" for c in row)
            connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)
    alembic_runner.migrate_up_to("0006")
    assert _counts(alembic_engine) == {table: 1 for table in SAMPLE_ROWS}
    for table, column, allowed, refused in ONE_OF_CHECKS:
        change = text(f"UPDATE {table} SET {column} = :value WHERE id = 1")
        with alembic_engine.connect() as connection:
            assert connection.execute(change, {"value": allowed}).rowcount == 1
            with pytest.raises(IntegrityError):
                connection.execute(change, {"value": refused})
            connection.rollback()
    if alembic_engine.dialect.name == "sqlite":
        with alembic_engine.connect() as connection:
            for table in {table for table, *_ in ONE_OF_CHECKS}:
                row = SAMPLE_ROWS[table]
                columns = ", ".join(row)
                values = ", ".join(f":{c}" for c in row)
                plan = connection.execute(
                    text(f"EXPLAIN INSERT INTO {table} ({columns}) VALUES ({values})"), row
                ).all()
                assert "OpenEphemeral" not in {step[1] for step in plan}, table
