"""Read paths on a bulk-loaded store: planner statistics after bulk writes, a fixed number of
statements per lookup, and statement shapes that indexes can serve."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select, text

from provenance.ingest import ingest
from provenance.linking.store import link_pending
from provenance.lookup import quote_trees, quotes_by_speaker, show_quote
from provenance.storage.db import Database, initialise
from provenance.storage.maintenance import refresh_statistics, stale_tables
from provenance.storage.models import Quote

from .conftest import SEEDS


@pytest.fixture
def linked(db_url: str) -> Iterator[Database]:
    """The seeds, ingested and linked, once per backend."""
    database, _, _ = initialise(db_url)
    assert not ingest(database, [SEEDS], manifest=SEEDS / "manifest.csv").failed
    link_pending(database)
    yield database
    database.dispose()


class Statements:
    """The SQL statements a block of code sends (with their parameters)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.seen: list[tuple[str, Any]] = []

    def __enter__(self) -> Statements:
        event.listen(self.database.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.database.engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        self.seen.append((statement, parameters))


def test_lookups_send_a_fixed_number_of_statements(linked: Database) -> None:
    """No statement per quote, variant or occurrence: `show` is four statements, a speaker's
    quotes two more (find the speaker by a stored name, list the quote ids), and every
    quote at once (the seeds have fewer than one chunk of quotes) no more than `show`."""
    with linked.session() as session:
        quote_ids = list(session.scalars(select(Quote.id).order_by(Quote.id)))
        assert len(quote_ids) > 5
        with Statements(linked) as show:
            tree = show_quote(session, quote_ids[0])
        assert tree["variants"] and len(show.seen) == 4
        with Statements(linked) as speaker:
            trees = quotes_by_speaker(session, "Katsunobu Kato")
        assert len(trees) > 1 and len(speaker.seen) == 6
        with Statements(linked) as every:
            assert len(quote_trees(session, quote_ids)) == len(quote_ids)
        assert len(every.seen) == 4


@pytest.mark.postgres
def test_lookup_statements_can_use_indexes(postgres_url: str) -> None:
    """With sequential scans priced out, every statement of `show` and `quotes --speaker`
    reaches occurrence, variant, link and source through an index: no statement has a shape
    (an OR across joined tables, a join the planner cannot drive from the quote) that only a
    scan of the whole table can answer, which is what made them slow at 100k articles."""
    database, _, _ = initialise(postgres_url)
    try:
        assert not ingest(database, [SEEDS], manifest=SEEDS / "manifest.csv").failed
        link_pending(database)
        with database.session() as session:
            quote_id = session.scalars(select(Quote.id).order_by(Quote.id)).first()
            with Statements(database) as sent:
                show_quote(session, quote_id)
                quotes_by_speaker(session, "Kato")
        assert sent.seen
        with database.engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            cursor = raw.cursor()
            cursor.execute("SET enable_seqscan = off")
            for statement, parameters in sent.seen:
                cursor.execute("EXPLAIN " + statement, parameters)
                plan = "\n".join(line for (line,) in cursor.fetchall())
                for table in ("occurrence", "variant", "link", "source", "quote"):
                    assert f"Seq Scan on {table}" not in plan, (statement, plan)
    finally:
        database.dispose()


def test_refresh_statistics_on_sqlite_does_nothing(sqlite_url: str) -> None:
    database, _, _ = initialise(sqlite_url)
    try:
        assert not ingest(database, [SEEDS], manifest=SEEDS / "manifest.csv").failed
        assert refresh_statistics(database) == []
        with database.engine.connect() as connection:
            assert stale_tables(connection) == []
    finally:
        database.dispose()


@pytest.mark.postgres
def test_refresh_statistics_analyses_new_and_grown_tables(postgres_url: str) -> None:
    """A table with rows and no statistics is stale; ANALYZE makes it fresh; growing it
    twofold makes it stale again; an empty table never is."""
    database, _, _ = initialise(postgres_url)
    try:
        with database.engine.begin() as connection:
            connection.execute(text("CREATE TABLE scratch (id integer, note text)"))
            connection.execute(text("CREATE TABLE still_empty (id integer)"))
            grow = "INSERT INTO scratch SELECT n, repeat('x', 100) FROM generate_series(1, :n) n"
            connection.execute(text(grow), {"n": 2000})
        names = ["scratch", "still_empty"]
        with database.engine.connect() as connection:
            assert stale_tables(connection, names) == ["scratch"]
        assert refresh_statistics(database, names) == ["scratch"]
        with database.engine.connect() as connection:
            assert stale_tables(connection, names) == []
            analysed = connection.execute(
                text("SELECT count(*) FROM pg_stats WHERE tablename = 'scratch'")
            ).scalar_one()
            assert analysed == 2  # both columns
        with database.engine.begin() as connection:
            connection.execute(text(grow), {"n": 3000})
        with database.engine.connect() as connection:
            assert stale_tables(connection, names) == ["scratch"]
        assert refresh_statistics(database, names, force=True) == names
    finally:
        database.dispose()


@pytest.mark.postgres
def test_a_link_leaves_the_planner_statistics_fresh(postgres_url: str) -> None:
    """After ingest and link (the bulk writes), every table with rows has statistics."""
    database, _, _ = initialise(postgres_url)
    try:
        assert not ingest(database, [SEEDS], manifest=SEEDS / "manifest.csv").failed
        link_pending(database)
        with database.engine.connect() as connection:
            assert stale_tables(connection) == []
            analysed = set(
                connection.execute(
                    text("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'public'")
                ).scalars()
            )
        assert {"occurrence", "variant", "quote", "link", "source", "variant_key"} <= analysed
    finally:
        database.dispose()


def test_lookups_do_not_load_the_extractor() -> None:
    """Every CLI lookup imports `provenance.lookup`; the extractor's patterns take about a
    third of a second to compile, so they must stay out of that import."""
    import subprocess
    import sys

    code = (
        "import sys, provenance.lookup, provenance.storage.speakers; "
        "print('provenance.extraction.extract' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    code = "from provenance.extraction import extract_quotes; print(callable(extract_quotes))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    # any extraction module imported first still loads (no import cycle through the package)
    for module in ("attribution", "lexicon", "names", "quotes", "repeats", "extract"):
        code = f"import provenance.extraction.{module}"
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)


def test_a_lookup_loads_no_linking_engine() -> None:
    """`quotes` and `show` need the word diff, not the engine: the package loads its
    modules on first use, which keeps them out of every lookup's start-up."""
    import subprocess
    import sys

    code = (
        "import sys, provenance.cli.views, provenance.lookup\n"  # what `quotes` and `show` load
        "print(sorted(m for m in sys.modules if m.startswith('provenance.linking.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "provenance.linking.diff" in loaded
    for heavy in ("engine", "clusters", "candidates", "drift", "stories", "store"):
        assert f"provenance.linking.{heavy}'" not in loaded


def test_every_public_linking_name_is_what_its_module_defines() -> None:
    import importlib
    import types

    import provenance.linking as linking

    for module in ("engine", "compare", "normalise", "model", "drift", "stories"):
        importlib.import_module(f"provenance.linking.{module}")  # loaded before the names
    for name in linking.__all__:
        value = getattr(linking, name)
        assert not isinstance(value, types.ModuleType), name  # a function, not its module
        home = importlib.import_module(value.__module__) if hasattr(value, "__module__") else None
        assert home is None or getattr(home, name, value) is value
    assert linking.normalise("It does exist, as a card.") == "it does exist as a card"
    try:
        linking.no_such_name  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("an unknown name must raise AttributeError")
