"""Choosing, creating and guarding the database, through the real CLI."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from provenance.cli import main
from provenance.storage.db import DEFAULT_URL, initialise, open_database, resolve_url
from provenance.storage.migrations import head_revision


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, *fragments: str, expected_code: int = 1) -> None:
    assert code == expected_code
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


def test_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROVENANCE_DB", raising=False)
    assert resolve_url(None) == DEFAULT_URL
    monkeypatch.setenv("PROVENANCE_DB", "sqlite:///env.db")
    assert resolve_url(None) == "sqlite:///env.db"
    assert resolve_url("sqlite:///flag.db") == "sqlite:///flag.db"
    assert resolve_url("plain/path.db") == "sqlite:///plain/path.db"


def test_init_then_current_reports_head(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "--db", db_url, "init")
    assert code == 0, err
    code, out, _ = run_cli(capsys, "--db", db_url, "db", "current", "--format", "json")
    assert code == 0
    assert f'"revision": "{head_revision()}"' in out
    assert '"is_head": true' in out
    # init on a database at head is a no-op that says so
    code, _, err = run_cli(capsys, "--db", db_url, "init")
    assert code == 0 and "already at" in err


def test_missing_sqlite_file_is_created_at_head(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    database = open_database(f"sqlite:///{path}")
    with database.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert path.exists() and version == head_revision()
    database.dispose()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        # bulk writes wait on fewer checkpoints than SQLite's default of 1,000 pages
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10_000
    database.dispose()


def test_newer_revision_is_refused(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    database, _, _ = initialise(db_url)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_future'"))
    database.dispose()
    for args in (("init",), ("db", "upgrade"), ("speakers",)):
        code, _, err = run_cli(capsys, "--db", db_url, *args)
        assert_one_line_error(code, err, "does not know", "newer")
    code, out, _ = run_cli(capsys, "--db", db_url, "db", "current", "--format", "json")
    assert code == 0 and "ffff_from_future" in out


def test_database_behind_head_asks_for_upgrade(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from provenance.storage.migrations import script_directory

    revisions = [s.revision for s in script_directory().walk_revisions()]
    database, _, _ = initialise(db_url)
    if len(revisions) < 2:
        # Only one revision exists: "behind" means at base with the version row kept.
        with database.engine.begin() as connection:
            connection.execute(text("DELETE FROM alembic_version"))
            connection.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": revisions[0]}
            )
        database.dispose()
        pytest.skip("needs two revisions to be behind head")
    from provenance.storage.db import downgrade

    downgrade(database, revisions[1])
    database.dispose()
    code, _, err = run_cli(capsys, "--db", db_url, "speakers")
    assert_one_line_error(code, err, "behind", "provenance db upgrade")
    # nothing was migrated behind the user's back
    database = open_database(db_url, check_schema=False)
    with database.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == revisions[1]
    database.dispose()
    code, _, err = run_cli(capsys, "--db", db_url, "db", "upgrade")
    assert code == 0, err
    code, out, _ = run_cli(capsys, "--db", db_url, "db", "current", "--format", "json")
    assert '"is_head": true' in out


def test_downgrade_to_base_and_back(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "--db", db_url, "init")[0] == 0
    code, _, err = run_cli(capsys, "--db", db_url, "db", "downgrade", "base")
    assert code == 0, err
    code, out, _ = run_cli(capsys, "--db", db_url, "db", "current", "--format", "json")
    assert '"revision": null' in out
    assert run_cli(capsys, "--db", db_url, "db", "upgrade")[0] == 0


def test_history_lists_head(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "db", "history", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == "revision,down_revision,message,is_head"
    assert head_revision() in out


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("nope://x", "unsupported database"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/test", "cannot use the PostgreSQL database"),
        ("postgresql+psycopg://u@h:notaport/db", "malformed database URL"),
        ("://nothing", "malformed database URL"),
    ],
)
def test_bad_urls(url: str, fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "--db", url, "db", "current")
    assert_one_line_error(code, err, fragment)


def test_file_that_is_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n")
    code, _, err = run_cli(capsys, "--db", f"sqlite:///{path}", "init")
    assert_one_line_error(code, err, "is not a SQLite database")
    assert path.read_text() == "these are my notes, not a database\n"


def test_foreign_sqlite_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE accounts (id INTEGER)")
    code, _, err = run_cli(capsys, "--db", f"sqlite:///{path}", "init")
    assert_one_line_error(code, err, "not a provenance database")


def test_read_only_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits; /proc refuses new files for everyone
        target = "/proc/provenance-test.db"
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        target = str(folder / "x.db")
    code, _, err = run_cli(capsys, "--db", f"sqlite:///{target}", "init")
    assert_one_line_error(code, err, "cannot write the database", "writable location")


def test_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "--db", f"sqlite:///{tmp_path}/no/such/dir/x.db", "init")
    assert_one_line_error(code, err, "does not exist")


def test_unknown_command_and_option_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "frobnicate")
    assert_one_line_error(code, err, "No such command", expected_code=2)
    code, _, err = run_cli(capsys, "--frobnicate")
    assert_one_line_error(code, err, "No such option", expected_code=2)
    code, _, err = run_cli(capsys, "db", "current", "--nope")
    assert_one_line_error(code, err, "No such option", expected_code=2)


@pytest.mark.postgres
def test_empty_postgres_database_asks_for_init(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "--db", postgres_url, "speakers")
    assert_one_line_error(code, err, "has no provenance schema yet", "provenance init")
    assert run_cli(capsys, "--db", postgres_url, "init")[0] == 0
    code, out, _ = run_cli(capsys, "--db", postgres_url, "speakers", "--format", "json")
    assert code == 0 and out.strip() == "[]"


def test_bulk_writes_with_allocated_ids(db_url: str) -> None:
    """`IdAllocator` hands out the ids a default insert would take next, never one in use;
    `insert_rows` stores values exactly as an ORM insert does (dates, JSON, booleans)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from provenance.storage.db import IdAllocator, insert_rows
    from provenance.storage.models import ReviewItem, Speaker

    item_columns = (
        "kind",
        "subject",
        "payload",
        "priority",
        "state",
        "required_decisions",
        "created_at",
        "updated_at",
    )
    database, _, _ = initialise(db_url)
    allocator = IdAllocator(postgres=not database.is_sqlite)
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    later = datetime(2025, 1, 3, 4, 5, 6, tzinfo=UTC)
    with database.session() as session:
        session.add(Speaker(name="Ada Stored", kind="person"))
    with database.writing() as connection:
        ids = allocator.for_transaction().take(connection, "speaker", 3, spare=3)
        insert_rows(  # a value repeated row after row is converted once: each row keeps its own
            connection,
            Speaker.__table__,
            ("id", "name", "kind", "created_at"),
            [
                (ids[0], "Bo Bulk", "person", now),
                (ids[1], "Cy Bulk", "person", now),
                (ids[2], "Ed Bulk", "person", later),
            ],
        )
        insert_rows(
            connection,
            ReviewItem.__table__,
            item_columns,
            [("alias", "alias:1:2", {"speaker_ids": [1, 2]}, 300.0, "open", 1, now, now)],
        )
    with database.session() as session:
        session.add(Speaker(name="Di Later", kind="person"))
    with database.writing() as connection:  # spare ids (PostgreSQL) are still unused
        more = allocator.for_transaction().take(connection, "speaker", 1)
    with database.session() as session:
        rows = session.execute(select(Speaker.id, Speaker.name).order_by(Speaker.id)).all()
        item = session.scalars(select(ReviewItem)).one()
        created = dict(session.execute(select(Speaker.name, Speaker.created_at)).all())
    names = [name for _, name in rows]
    assert names == ["Ada Stored", "Bo Bulk", "Cy Bulk", "Ed Bulk", "Di Later"]
    assert ids == [rows[1][0], rows[2][0], rows[3][0]] and rows[0][0] < ids[0] < rows[4][0]
    assert more[0] not in {speaker_id for speaker_id, _ in rows}
    assert item.payload == {"speaker_ids": [1, 2]} and item.subject == "alias:1:2"
    assert [created[n].replace(tzinfo=UTC) for n in ("Bo Bulk", "Cy Bulk", "Ed Bulk")] == [
        now,
        now,
        later,
    ]
    database.dispose()


def test_select_matching_finds_exactly_the_wanted_rows(db_url: str) -> None:
    """The VALUES-joined lookup returns what filtering every row in Python would, over more
    wanted tuples than one statement takes, some of which no row holds."""
    import random
    from datetime import UTC, datetime

    from sqlalchemy import select

    from provenance.storage.db import insert_rows, select_matching
    from provenance.storage.models import Speaker

    rng = random.Random(3)
    table = Speaker.__table__
    database, _, _ = initialise(db_url)
    names = [f"Name {n}" for n in range(400)]
    kinds = ["person", "organisation", "unknown"]
    now = datetime(2025, 1, 2, tzinfo=UTC)
    rows = [(i, rng.choice(names), rng.choice(kinds), now) for i in range(1, 301)]
    with database.writing() as connection:
        insert_rows(connection, table, ("id", "name", "kind", "created_at"), rows)
    every = [(kind, name) for kind in kinds for name in [*names, "Nobody"]]
    wanted = rng.sample(every, 700)  # more than one statement takes (499 pairs)
    with database.writing() as connection:
        found = list(select_matching(connection, table, ("id", "name"), ("kind", "name"), wanted))
        stored = connection.execute(select(table.c.id, table.c.name, table.c.kind)).all()
    keys = set(wanted)
    expected = {(i, name) for i, name, kind in stored if (kind, name) in keys}
    assert len(found) == len({tuple(row) for row in found}) == len(expected) > 0
    assert {tuple(row) for row in found} == expected
    database.dispose()


def test_none_binds_as_null_through_the_registered_adapter(tmp_path: Path) -> None:
    open_database(f"sqlite:///{tmp_path / 'n.db'}").dispose()  # registers it
    assert (type(None), sqlite3.PrepareProtocol) in sqlite3.adapters
    with sqlite3.connect(":memory:") as raw:
        row = raw.execute("SELECT ? IS NULL, typeof(?), ?", (None, None, None)).fetchone()
    assert row == (1, "null", None)


def test_insert_rows_stores_what_a_core_insert_stores(db_url: str) -> None:
    """Bind processing a column at a time (None skipped, a repeated value processed once)
    stores each value exactly as a Core insert does, over more rows than one statement
    takes."""
    import random
    from datetime import UTC, datetime, timedelta

    from provenance.storage.db import insert_rows
    from provenance.storage.models import ReviewItem

    table = ReviewItem.__table__
    columns = ("id", "kind", "subject", "payload", "priority", "state", "opened_at")
    columns += ("created_at", "updated_at", "required_decisions")
    rng = random.Random(5)
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    moments = [None, now, now, now + timedelta(seconds=1)]
    rows = [
        (
            row_id,
            "attribution",
            f"attribution:{row_id}",
            rng.choice([{"a": row_id}, {"b": [1, None]}]),
            rng.choice([1, 2.5, 300.0, 0]),
            "open",
            rng.choice(moments),
            rng.choice(moments[1:]),
            now,
            1,
        )
        for row_id in range(1, 301)
    ]
    database, _, _ = initialise(db_url)
    with database.writing() as connection:
        insert_rows(connection, table, columns, rows)
        connection.execute(
            table.insert(),
            [
                dict(zip(columns, (row[0] + 1000, row[1], f"core:{row[0]}", *row[3:]), strict=True))
                for row in rows
            ],
        )
    shown = ", ".join(f"CAST({name} AS TEXT)" for name in columns[3:])
    with database.engine.connect() as connection:
        stored = connection.exec_driver_sql(f"SELECT id, {shown} FROM review_item").all()
    by_id = {row[0]: row[1:] for row in stored}
    assert len(by_id) == 600
    assert all(by_id[row_id] == by_id[row_id + 1000] for row_id in range(1, 301))
    database.dispose()


def _open_sqlite_temp_files() -> list[str]:
    """The temporary files SQLite holds open in this process (it unlinks them at once, so
    only the process's open descriptors show them)."""
    found = []
    for descriptor in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:  # closed since the listing
            continue
        if "etilqs_" in target:  # SQLite's prefix for its temporary files
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to list open files")
def test_write_transactions_keep_statement_journals_in_memory(tmp_path: Path) -> None:
    """A statement that saves more than 64 KB of pages would otherwise move the journal to a
    temporary file, and every later statement of the transaction would write through it."""
    from datetime import UTC, datetime

    from provenance.storage.db import insert_rows
    from provenance.storage.models import Speaker

    database, _, _ = initialise(f"sqlite:///{tmp_path / 'journal.db'}")
    table = Speaker.__table__
    now = datetime(2025, 1, 2, tzinfo=UTC)
    rows = [(i, f"Speaker number {i:05d} " + "x" * 80, "person", now) for i in range(1, 4001)]
    with database.writing() as connection:
        raw = connection.connection.driver_connection
        assert connection.exec_driver_sql("PRAGMA temp_store").scalar() == 2  # memory
        insert_rows(connection, table, ("id", "name", "kind", "created_at"), rows)
        # one statement over every page written so far: far more than 64 KB to save first
        connection.exec_driver_sql("UPDATE speaker SET name = 'y' || name")
        assert _open_sqlite_temp_files() == []
    with pytest.raises(RuntimeError), database.writing() as connection:
        raise RuntimeError("a failed transaction puts the setting back too")
    with database.engine.connect() as connection:
        assert connection.connection.driver_connection is raw  # the same pooled connection
        assert connection.exec_driver_sql("PRAGMA temp_store").scalar() == 0  # as before
        assert connection.exec_driver_sql("SELECT count(*) FROM speaker").scalar() == 4000
    database.dispose()
