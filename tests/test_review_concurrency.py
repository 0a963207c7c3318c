"""Several reviewers on one database at once, each with its own connection: no item is handed
out twice and none is decided twice (SQLite: BEGIN IMMEDIATE + claims; PostgreSQL: SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from provenance.errors import ReviewError
from provenance.ingest import ingest
from provenance.linking.store import link_pending
from provenance.review.decisions import decide
from provenance.review.sessions import claim_next
from provenance.storage.db import initialise, open_database
from provenance.storage.models import ReviewDecision, ReviewItem

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SETTLE = {
    "conflict": "both_right",
    "drift": "different_utterances",
    "alias": "keep_apart",
    "attribution": "not_a_quote",
    "single_source": "confirm",
}


def _seeded(url: str) -> int:
    database, _, _ = initialise(url)
    ingest(database, [SEEDS], manifest=SEEDS / "manifest.csv")
    link_pending(database)
    with database.session() as session:
        count = len(session.scalars(select(ReviewItem.id).where(ReviewItem.state == "open")).all())
    database.dispose()
    return count


def test_concurrent_reviewers_never_share_or_double_decide(db_url: str) -> None:
    total = _seeded(db_url)
    assert total >= 5
    handed: dict[str, list[int]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def reviewer(name: str) -> None:
        database = open_database(db_url)
        mine: list[int] = []
        try:
            start.wait()
            while (view := claim_next(database, name, f"session-{name}")) is not None:
                mine.append(view["item_id"])
                decide(database, view["item_id"], SETTLE[view["kind"]], reviewer=name)
        except BaseException as error:  # surfaced below, with the reviewer's name
            errors.append(error)
        finally:
            handed[name] = mine
            database.dispose()

    threads = [threading.Thread(target=reviewer, args=(f"r{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    every = [item for items in handed.values() for item in items]
    assert len(every) == len(set(every)), f"an item was handed out twice: {handed}"
    database = open_database(db_url)
    with database.session() as session:
        decided = Counter(session.scalars(select(ReviewDecision.item_id)))
        states = Counter(session.scalars(select(ReviewItem.state)))
    database.dispose()
    assert set(decided.values()) == {1}, "an item was decided twice"
    assert states["open"] == 0 and len(decided) == len(every)


def test_racing_decisions_on_one_item_only_one_wins(db_url: str) -> None:
    _seeded(db_url)
    database = open_database(db_url)
    with database.session() as session:
        item = session.scalar(select(ReviewItem).where(ReviewItem.kind == "single_source"))
        item_id = item.id
    database.dispose()
    outcomes: list[str] = []
    gate = threading.Barrier(6)

    def racer(name: str) -> None:
        db = open_database(db_url)
        try:
            gate.wait()
            decide(db, item_id, "confirm", reviewer=name)
            outcomes.append("won")
        except ReviewError as error:
            outcomes.append(error.message)
        finally:
            db.dispose()

    threads = [threading.Thread(target=racer, args=(f"x{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes.count("won") == 1
    assert all("already decided by" in o for o in outcomes if o != "won")
    database = open_database(db_url)
    with database.session() as session:
        rows = session.scalars(
            select(ReviewDecision).where(ReviewDecision.item_id == item_id)
        ).all()
    database.dispose()
    assert len(rows) == 1
